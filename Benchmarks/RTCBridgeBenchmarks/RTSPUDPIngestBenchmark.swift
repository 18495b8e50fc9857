import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import RTCBase
import RTP
import Routing
import RTSP
import Runtime
import Synchronization

/// RTSP-over-UDP ingest through the real `RTSPServer` on loopback: a publisher ANNOUNCEs an Opus
/// track, SETUPs it over UDP (client_port) and RECORDs, then sends `packets` RTP datagrams to the
/// server's RTP port with at most two windows in flight; timed from the first datagram until the
/// path has counted them all. The server runs on two event loops: its UDP ports on one, the
/// publisher's connection on the other (the first connection goes to the loop after the ports'),
/// so every datagram crosses loops as it does on a multi-core machine.
struct RTSPUDPIngestBenchmark {
    let packets: Int
    let payloadBytes = 1000
    /// Datagrams per flush; the next window is sent once all but one window have arrived.
    let window = 128

    struct Result {
        var nanosecondsPerPacket: Double
        /// CPU time of the whole process (server loops, sender, the waiting main thread) per packet.
        var cpuNanosecondsPerPacket: Double
        var packetsPerSecond: Double { 1e9 / nanosecondsPerPacket }
        var delivered: Int
    }

    static let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=bench\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "m=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\na=control:streamid=0\r\n"

    func run() throws -> Result {
        let serverGroup = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer {
            try? serverGroup.syncShutdownGracefully()
            try? clientGroup.syncShutdownGracefully()
        }
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        let path = try router.createPath(named: "push")
        var settings = RTSPServerSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.udpRTPPort = 0
        settings.udpRTCPPort = 0
        let server = RTSPServer(settings: settings, router: router, publishablePaths: ["push"], group: serverGroup,
                                logger: Logger(label: "bench-rtsp-udp"))
        try blocking { try await server.start() }
        defer { _ = try? blocking { await server.stop() } }
        guard let serverPorts = server.udpPorts else { throw BenchmarkError("the RTSP server has no UDP ports") }

        let rtp = try DatagramBootstrap(group: clientGroup).channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
            .bind(host: "127.0.0.1", port: 0).wait()
        let rtcp = try DatagramBootstrap(group: clientGroup).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? rtp.close().wait(); try? rtcp.close().wait() }
        let client = try BlockingRTSPClient(group: clientGroup, port: server.port)
        defer { client.close() }
        let base = "rtsp://127.0.0.1:\(server.port)/push"
        guard try client.request("ANNOUNCE \(base)", ["Content-Type: application/sdp"], body: Self.sdp).status == 200 else {
            throw BenchmarkError("ANNOUNCE refused")
        }
        let setup = try client.request("SETUP \(base)/streamid=0", [
            "Transport: RTP/AVP;unicast;client_port=\(rtp.localAddress?.port ?? 0)-\(rtcp.localAddress?.port ?? 0);mode=record",
        ])
        guard setup.status == 200, let session = setup.session else { throw BenchmarkError("SETUP refused: \(setup.status)") }
        guard try client.request("RECORD \(base)", ["Session: \(session)"]).status == 200 else {
            throw BenchmarkError("RECORD refused")
        }

        let destination = try SocketAddress(ipAddress: "127.0.0.1", port: serverPorts.rtp)
        let payload = [UInt8](repeating: 0xFC, count: payloadBytes)
        let datagrams: [ByteBuffer] = (0..<packets).map { index in
            ByteBuffer(bytes: RTPPacket(payloadType: 111, sequenceNumber: UInt16(truncatingIfNeeded: index),
                                        timestamp: UInt32(truncatingIfNeeded: index * 960), ssrc: 0xBE_0C4, marker: false,
                                        payload: payload).serialized())
        }
        let before = path.stats.packetsIn
        var sent = 0
        var stalls = 0
        let cpuBefore = Self.processCPUNanoseconds()
        let elapsed = ContinuousClock().measure {
            while sent < packets {
                let end = min(sent + window, packets)
                let batch = Array(datagrams[sent..<end])
                rtp.eventLoop.execute {
                    for datagram in batch { rtp.write(AddressedEnvelope(remoteAddress: destination, data: datagram), promise: nil) }
                    rtp.flush()
                }
                sent = end
                stalls += waitFor(path, count: before + sent - (sent == packets ? 0 : window))
            }
        }
        let cpu = Self.processCPUNanoseconds() - cpuBefore
        let delivered = path.stats.packetsIn - before
        guard delivered == packets else {
            throw BenchmarkError("the path counted \(delivered) of \(packets) packets (\(stalls) windows lost datagrams)")
        }
        return Result(nanosecondsPerPacket: Double(elapsed.nanosecondsClamped) / Double(packets),
                      cpuNanosecondsPerPacket: Double(cpu) / Double(packets), delivered: delivered)
    }

    /// User plus system CPU time of this process so far.
    static func processCPUNanoseconds() -> Int {
        var usage = rusage()
        guard getrusage(Int32(truncatingIfNeeded: RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        func nanoseconds(_ time: timeval) -> Int { time.tv_sec * 1_000_000_000 + time.tv_usec * 1000 }
        return nanoseconds(usage.ru_utime) + nanoseconds(usage.ru_stime)
    }

    /// Waits (polling every 20 µs, at most 2 s) until the path has counted `count` packets; 1 when
    /// it gave up (datagrams lost), else 0.
    private func waitFor(_ path: Path, count: Int) -> Int {
        let deadline = ContinuousClock.now + .seconds(2)
        while path.stats.packetsIn < count {
            guard ContinuousClock.now < deadline else { return 1 }
            usleep(20)
        }
        return 0
    }
}

/// Runs async work from the benchmarks' synchronous main.
func blocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = BlockingResult<T>()
    Task {
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        box.result.withLock { $0 = outcome }
        box.done.signal()
    }
    box.done.wait()
    guard let outcome = box.result.withLock({ $0 }) else { throw BenchmarkError("no result") }
    return try outcome.get()
}

final class BlockingResult<T: Sendable>: Sendable {
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
}

/// A minimal RTSP client for benchmarks: one request at a time, answers without bodies.
final class BlockingRTSPClient {
    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let received = Mutex<[UInt8]>([])
        let arrived = DispatchSemaphore(value: 0)
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            received.withLock { $0 += buffer.readableBytesView }
            arrived.signal()
        }
    }

    let channel: any Channel
    let collector = Collector()
    var cseq = 0

    init(group: any EventLoopGroup, port: Int) throws {
        let collector = self.collector
        channel = try ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).wait()
    }

    /// Sends "METHOD URL" with `headers`; the status and the Session id of the answer.
    func request(_ line: String, _ headers: [String], body: String = "") throws -> (status: Int, session: String?) {
        cseq += 1
        var text = "\(line) RTSP/1.0\r\nCSeq: \(cseq)\r\n" + headers.map { $0 + "\r\n" }.joined()
        if !body.isEmpty { text += "Content-Length: \(body.utf8.count)\r\n" }
        try channel.writeAndFlush(ByteBuffer(string: text + "\r\n" + body)).wait()
        while true {
            let head: String? = collector.received.withLock { bytes in
                let text = String(decoding: bytes, as: UTF8.self)
                guard let end = text.range(of: "\r\n\r\n") else { return nil }
                bytes.removeAll()
                return String(text[..<end.lowerBound])
            }
            if let head {
                let lines = head.split(separator: "\r\n")
                let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
                let session = lines.first { $0.lowercased().hasPrefix("session:") }
                    .map { $0.dropFirst(8).split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
                return (status, session)
            }
            guard collector.arrived.wait(timeout: .now() + 5) == .success else { throw BenchmarkError("no RTSP answer to \(line)") }
        }
    }

    func close() { try? channel.close().wait() }
}
