import Foundation
import ICE
import RTCBase
import STUN
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension InteropSuite {
    /// The sans-IO `TURNClient` against a real coturn (Debian `coturn`) on 127.0.0.1: this test
    /// owns two UDP sockets (the client's and a peer that echoes) and moves datagrams between
    /// them and the engine on the wall clock.
    @Suite("TURN client against coturn")
    struct TURNClientTests {
        @Test("Allocate, permission, Send indication, channel, echo round trips, refresh, deallocate",
              .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/turnserver"),
                       "coturn missing: run scripts/install-deps.sh --test"),
              .timeLimit(.minutes(1)))
        func coturnRelaysThroughAChannel() async throws {
            let client = try UDPTestSocket()
            let echo = try UDPTestSocket()
            let port = try UDPTestSocket.freePort()
            let logDirectory = InteropEnvironment.current.logRoot + "/turn-\(port)"
            try FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
            let coturn = try ManagedProcess(label: "coturn", argv: [
                "/usr/bin/turnserver", "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1",
                "--listening-port=\(port)", "--min-port=\(port &+ 1)", "--max-port=\(port &+ 40)",
                "--lt-cred-mech", "--user=alice:wonderland", "--realm=rtcbridge.test", "--allow-loopback-peers",
                "--no-tcp", "--no-tls", "--no-dtls", "--no-cli", "--no-tcp-relay", "--log-file=stdout", "--simple-log",
                "--userdb=\(logDirectory)/turndb", "--pidfile=\(logDirectory)/turnserver.pid",
            ], logDirectory: logDirectory)
            defer { coturn.terminate() }

            let server = try #require(TransportAddress(host: "127.0.0.1", port: port))
            let echoAddress = try #require(TransportAddress(host: "127.0.0.1", port: echo.port))
            var driver = TURNDriver(turn: TURNClient(server: server, credentials: STUNLongTermCredentials(
                username: "alice", password: "wonderland")), client: client, echo: echo)

            // coturn needs a moment to open its port; the client's retransmissions cover it.
            driver.turn.allocate(now: driver.now)
            let allocated = try driver.run(seconds: 15, "allocated") {
                if case .allocated = $0 { true } else { false }
            }
            guard case .allocated(let relayed, let mapped, let lifetime) = allocated else { return }
            #expect(relayed.ip == [127, 0, 0, 1] && relayed.port > port && relayed.port <= port &+ 40)
            #expect(mapped?.port == client.port)
            #expect(lifetime > .zero)

            // A Send indication (its permission is created on the way), echoed as a Data indication.
            driver.turn.send(Array("indication".utf8)[...], to: echoAddress, now: driver.now)
            let viaIndication = try driver.run(seconds: 5, "echo via Data indication") {
                if case .data = $0 { true } else { false }
            }
            #expect(viaIndication == .data(Array("indication".utf8), from: echoAddress))
            #expect(driver.echoSources.allSatisfy { $0 == relayed }, "the echo peer saw \(driver.echoSources)")

            driver.turn.bindChannel(echoAddress, now: driver.now)
            _ = try driver.run(seconds: 5, "channel bound") { if case .channelBound = $0 { true } else { false } }

            // Round trips on the channel: client → coturn → echo → coturn → client.
            var roundTrips: [Duration] = []
            for index in 0..<50 {
                let payload = Array("ping \(index)".utf8)
                let sentAt = ContinuousClock.now
                driver.turn.send(payload[...], to: echoAddress, now: driver.now)
                let answer = try driver.run(seconds: 2, "echo \(index)") { if case .data = $0 { true } else { false } }
                roundTrips.append(ContinuousClock.now - sentAt)
                #expect(answer == .data(payload, from: echoAddress))
            }
            #expect(driver.channelDataSent >= 50, "the client used ChannelData once bound")
            roundTrips.sort()
            print("TURN-METRIC coturn loopback round trip via channel: p50 \(roundTrips[roundTrips.count / 2]),",
                  "max \(roundTrips[roundTrips.count - 1]) over \(roundTrips.count)")

            driver.turn.refresh(now: driver.now)
            _ = try driver.run(seconds: 5, "refreshed") { if case .refreshed = $0 { true } else { false } }

            driver.turn.deallocate(now: driver.now)
            _ = try driver.run(seconds: 5, "deallocated") { $0 == .deallocated }
            #expect(driver.turn.state == .closed)
            #expect(driver.turn.droppedDatagrams == 0)
        }
    }
}

/// Moves datagrams between a `TURNClient`, its socket and an echoing peer socket, on the wall
/// clock (the engine itself only sees `Instant`s).
struct TURNDriver {
    var turn: TURNClient
    let client: UDPTestSocket
    let echo: UDPTestSocket
    let start = ContinuousClock.now
    var echoSources: [TransportAddress] = []
    var channelDataSent = 0
    var deadline = Instant.zero

    var now: Instant {
        let elapsed = ContinuousClock.now - start
        return Instant(nanoseconds: 1_000_000_000) + elapsed
    }

    struct Timeout: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }

    /// Pumps until an event matches; throws after `seconds`. Bounded by the wall clock.
    mutating func run(seconds: Int, _ what: String, until match: (TURNEvent) -> Bool) throws -> TURNEvent {
        let end = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < end {
            if let event = drain(match) { return event }
            let remaining = (deadline - now).components
            let waitMs = Int(max(1, min(50, remaining.seconds * 1000 + remaining.attoseconds / 1_000_000_000_000_000)))
            for (socket, isClient) in UDPTestSocket.wait([client, echo], milliseconds: waitMs) {
                while let (bytes, source) = socket.receive() {
                    if isClient {
                        turn.handleDatagram(bytes[...], from: source, now: now)
                    } else {
                        echoSources.append(source)
                        socket.send(bytes, to: source)
                    }
                }
            }
            if now >= deadline { turn.handleTimeout(now: now) }
        }
        throw Timeout(what: what)
    }

    mutating func drain(_ match: (TURNEvent) -> Bool) -> TURNEvent? {
        var found: TURNEvent?
        while true {
            switch turn.poll() {
            case .transmit(let bytes, let to):
                if TURNChannelData.isChannelData(bytes[...]) { channelDataSent += 1 }
                client.send(bytes, to: to)
            case .event(let event):
                if found == nil, match(event) { found = event }
            case .timeout(let next):
                deadline = next
                return found
            }
        }
    }
}

/// A non-blocking IPv4 UDP socket bound to 127.0.0.1 on an ephemeral port (test only).
final class UDPTestSocket: @unchecked Sendable {
    let fd: Int32
    let port: UInt16

    struct SocketError: Error, CustomStringConvertible {
        var call: String
        var description: String { "\(call) failed: errno \(errno)" }
    }

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(call: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            close(descriptor)
            throw SocketError(call: "bind")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        fd = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(fd) }

    /// An ephemeral UDP port that was free a moment ago (the kernel picked it), for a server
    /// this test starts.
    static func freePort() throws -> UInt16 {
        // Relay ports follow the listening one; keep them below 65535.
        for _ in 0..<20 {
            let probe = try UDPTestSocket()
            if probe.port < 65_000 { return probe.port }
        }
        throw SocketError(call: "freePort")
    }

    func send(_ bytes: [UInt8], to destination: TransportAddress) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = destination.port.bigEndian
        address.sin_addr.s_addr = destination.ip.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        _ = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// One datagram, or nil when none is waiting.
    func receive() -> ([UInt8], TransportAddress)? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = buffer.withUnsafeMutableBytes { raw in
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &length) }
            }
        }
        guard count >= 0 else { return nil }
        let ip = withUnsafeBytes(of: address.sin_addr.s_addr) { Array($0) }
        guard let source = TransportAddress(ip: ip, port: UInt16(bigEndian: address.sin_port)) else { return nil }
        return (Array(buffer.prefix(count)), source)
    }

    /// The sockets (with whether each is the first one) readable within `milliseconds`.
    static func wait(_ sockets: [UDPTestSocket], milliseconds: Int) -> [(UDPTestSocket, Bool)] {
        var fds = sockets.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        guard poll(&fds, nfds_t(fds.count), Int32(milliseconds)) > 0 else { return [] }
        return zip(sockets, fds).enumerated().compactMap { index, pair in
            pair.1.revents & Int16(POLLIN) != 0 ? (pair.0, index == 0) : nil
        }
    }
}
