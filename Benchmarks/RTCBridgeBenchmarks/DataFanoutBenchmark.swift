import DTLS
import Foundation
import Logging
import NIOCore
import NIOPosix
import RTCBase
import Routing
import Runtime
import SCTP
import WebRTC
import WebRTCTestSupport

/// Issue #9's data fan-out end to end: 200-byte datagrams sent over loopback UDP to a real
/// `DataUDPLink` (the `--data` device, on its own event loop) → the path's data bus → one bus
/// reader per viewer → the viewer's gateway `WebRTCSession` (DCEP/SCTP in DTLS) → an in-process
/// browser stand-in (`BrowserPeer`), which decrypts and reassembles every message. Each datagram
/// carries its send time; latency is send → the stand-in holding the message. The drive loop (the
/// WebRTC sessions, as the runtime's event loop would) runs on the calling thread on real time.
/// The CPU time is the whole process's: the sender, the UDP device loop, the gateway sessions and
/// the browser stand-ins' own SCTP/DTLS receive work, so per-core figures are a lower bound for
/// the gateway alone.
struct DataFanoutBenchmark {
    let viewers: Int
    let datagramsPerSecond: Int
    let seconds: Double
    static let size = 200

    struct Result {
        var viewerMessages: Int
        var expected: Int
        var wallSeconds: Double
        var cpuSeconds: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var maxMilliseconds: Double
        var busDropped: Int
        var perSecond: Double { Double(viewerMessages) / wallSeconds }
        var perCPUSecond: Double { Double(viewerMessages) / cpuSeconds }
    }

    struct Viewer {
        let gateway: WebRTCSession
        let browser: BrowserPeer
        let channel: UInt16
        let reader: DataBusReader
        let browserAddress: TransportAddress
        let gatewayAddress: TransportAddress
    }

    func run() throws -> Result {
        let deviceGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let senderGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer {
            try? deviceGroup.syncShutdownGracefully()
            try? senderGroup.syncShutdownGracefully()
        }
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        let link = try DataUDPLink(pathName: "iot", spec: DataUDPSpec(host: "127.0.0.1", port: 0, format: .binary),
                                   router: router, eventLoop: deviceGroup.next(), logger: Logger(label: "bench-data"))
        try blocking { try await link.start() }
        defer { _ = try? blocking { await link.stop() } }
        guard let port = try blocking({ await link.localPort }), let path = router.path(named: "iot") else {
            throw BenchmarkError("the data device did not bind")
        }

        // Viewers: connected and with an open channel (on their own virtual clocks from now).
        let certificate = try DTLSCertificate.generate()
        var list: [Viewer] = []
        var latest = RuntimeClock.now()
        for index in 0..<viewers {
            let (pair, id) = try DataChannelBenchmark.openChannel(browserPort: UInt16(40_000 + index), start: RuntimeClock.now(),
                                                                  certificate: certificate)
            latest = max(latest, pair.now)
            let reader = try path.dataBus.addReader(role: .viewer, kind: "whep", name: "\(index)") {}
            list.append(Viewer(gateway: pair.gateway, browser: pair.browser, channel: id, reader: reader,
                               browserAddress: pair.browser.localAddress, gatewayAddress: pair.gatewayAddress))
        }

        // The pairs connected on virtual clocks that ran ahead of real time; the drive loop runs on
        // real time, so let real time pass the latest of them first (usrsctp has one timer wheel
        // for the process, moved by every association's `now`).
        while RuntimeClock.now() < latest + .milliseconds(20) { usleep(1_000) }

        // The sender: every millisecond, the datagrams due by then (send time in the first 8 bytes).
        let total = Int(Double(datagramsPerSecond) * seconds)
        let sender = try DatagramBootstrap(group: senderGroup).channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
            .bind(host: "127.0.0.1", port: 0).wait()
        defer { try? sender.close().wait() }
        let destination = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let loop = senderGroup.next()
        let rate = Double(datagramsPerSecond)
        let start = RuntimeClock.now()
        let task = try loop.submit {
            let senderState = NIOLoopBoundBox(0, eventLoop: loop)
            return loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { task in
                let due = min(total, Int(Double((RuntimeClock.now() - start).nanosecondsClamped) / 1e9 * rate) + 1)
                while senderState.value < due {
                    var buffer = sender.allocator.buffer(capacity: Self.size)
                    buffer.writeInteger(RuntimeClock.now().nanoseconds)
                    buffer.writeInteger(UInt32(senderState.value))
                    buffer.writeRepeatingByte(0x5A, count: Self.size - 12)
                    sender.write(AddressedEnvelope(remoteAddress: destination, data: buffer), promise: nil)
                    senderState.value += 1
                }
                sender.flush()
                if senderState.value >= total { task.cancel() }
            }
        }.wait()
        defer { task.cancel() }

        // The drive loop.
        let expected = total * viewers
        var received = 0
        var latencies: [UInt64] = []
        latencies.reserveCapacity(expected)
        let cpuBefore = RTSPUDPIngestBenchmark.processCPUNanoseconds()
        let wallStart = ContinuousClock.now
        let deadline = wallStart + .seconds(seconds + 10)
        while received < expected, ContinuousClock.now < deadline {
            let now = RuntimeClock.now()
            var idle = true
            for viewer in list {
                let messages = viewer.reader.drain(max: 256)
                if !messages.isEmpty { idle = false }
                for message in messages {
                    try viewer.gateway.sendData(.binary(message.payload), on: viewer.channel, now: now)
                }
                Self.exchange(viewer, now: now)
                for case .message(_, let payload) in viewer.browser.dataChannelEvents {
                    guard case .binary(let bytes) = payload, bytes.count >= 8 else { continue }
                    let sent = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    latencies.append(RuntimeClock.now().nanoseconds &- sent)
                    received += 1
                }
                viewer.browser.clearDataChannelEvents()
            }
            if idle { usleep(50) }
        }
        let wall = (ContinuousClock.now - wallStart).secondsDouble
        let cpu = Double(RTSPUDPIngestBenchmark.processCPUNanoseconds() - cpuBefore) / 1e9
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            return Double(latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]) / 1e6
        }
        let dropped = list.reduce(0) { $0 + $1.reader.stats.dropped }
        return Result(viewerMessages: received, expected: expected, wallSeconds: wall, cpuSeconds: cpu,
                      p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99),
                      maxMilliseconds: latencies.last.map { Double($0) / 1e6 } ?? .nan, busDropped: dropped)
    }

    /// Moves datagrams between a viewer's two ends until both are quiet, firing due timers.
    static func exchange(_ viewer: Viewer, now: Instant) {
        for _ in 0..<1_000 {
            var moved = false
            loop: while true {
                switch viewer.gateway.poll() {
                case .transmit(let bytes, _):
                    viewer.browser.handle(datagram: bytes, from: viewer.gatewayAddress, now: now)
                    moved = true
                case .event:
                    continue
                case .timeout(let deadline):
                    guard deadline <= now else { break loop }
                    viewer.gateway.handleTimeout(now: now)
                    break loop
                }
            }
            loop: while true {
                switch viewer.browser.poll() {
                case .transmit(let bytes, _):
                    viewer.gateway.handle(datagram: bytes, from: viewer.browserAddress, now: now)
                    moved = true
                case .timeout(let deadline):
                    guard deadline <= now else { break loop }
                    viewer.browser.handleTimeout(now: now)
                    break loop
                }
            }
            if !moved { break }
        }
    }
}
