import Logging
import NIOCore
import NIOEmbedded
import RTCBase
import Routing
import RTSP
@testable import Runtime
import Testing

/// The parser caps and the request queue in `RTSPServerSettings` (the config file's `rtsp:`
/// section) reach each connection: lowered caps are enforced at the cap and one past it.
@Suite struct RTSPServerConfiguredLimitsTests {
    /// A connection of a server with `settings`, on an embedded channel (no sockets, no clock).
    static func connection(_ configure: (inout RTSPServerSettings) -> Void,
                           router: Router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })) throws -> EmbeddedChannel {
        var settings = RTSPServerSettings()
        configure(&settings)
        let loop = EmbeddedEventLoop()
        let server = RTSPServer(settings: settings, router: router, publishablePaths: [], group: loop,
                                logger: Logger(label: "rtsp-configured-limits"))
        let channel = EmbeddedChannel(loop: loop)
        let connection = RTSPServerConnection(channel: channel, server: server)
        try channel.pipeline.syncOperations.addHandler(RTSPServerChannelHandler(connection))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5000)).wait()
        return channel
    }

    /// An OPTIONS request with `headers` header lines (CSeq included).
    static func options(cseq: Int, headers: Int) -> String {
        "OPTIONS * RTSP/1.0\r\nCSeq: \(cseq)\r\n" + (1..<max(headers, 1)).map { "X-Filler-\($0): x\r\n" }.joined() + "\r\n"
    }

    static func answers(_ channel: EmbeddedChannel) throws -> [String] {
        var answers: [String] = []
        while let answer = try channel.readOutbound(as: ByteBuffer.self) { answers.append(String(buffer: answer)) }
        return answers
    }

    @Test func loweredHeaderLineCapReachesTheParser() throws {
        let channel = try Self.connection { $0.limits.maxHeaderLines = 8 }
        try channel.writeInbound(ByteBuffer(string: Self.options(cseq: 1, headers: 8)))
        #expect(try Self.answers(channel).map { $0.hasPrefix("RTSP/1.0 200") } == [true])
        try channel.writeInbound(ByteBuffer(string: Self.options(cseq: 2, headers: 9)))
        #expect(try Self.answers(channel).isEmpty)
        #expect(!channel.isActive)
        _ = try? channel.finish()
    }

    @Test func loweredBodyAndURLCapsReachTheParser() throws {
        let body = String(repeating: "v", count: 1024)
        let announce = { (length: Int) in
            "ANNOUNCE rtsp://127.0.0.1/push RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: \(length)\r\n\r\n"
                + String(body.prefix(length))
        }
        // At the body cap: parsed and answered (not a publisher path here: an error status, not a close).
        let atCap = try Self.connection { $0.limits.maxBodyBytes = 1000 }
        try atCap.writeInbound(ByteBuffer(string: announce(1000)))
        #expect(try Self.answers(atCap).count == 1)
        #expect(atCap.isActive)
        _ = try? atCap.finish()
        // One past it: closed without an answer.
        let past = try Self.connection { $0.limits.maxBodyBytes = 1000 }
        try past.writeInbound(ByteBuffer(string: announce(1001)))
        #expect(try Self.answers(past).isEmpty)
        #expect(!past.isActive)
        _ = try? past.finish()

        let url = { (length: Int) in "OPTIONS rtsp://h/" + String(repeating: "u", count: length - 9) + " RTSP/1.0\r\nCSeq: 1\r\n\r\n" }
        let urlAtCap = try Self.connection { $0.limits.maxURLBytes = 100 }
        try urlAtCap.writeInbound(ByteBuffer(string: url(100)))
        #expect(try Self.answers(urlAtCap).count == 1)
        _ = try? urlAtCap.finish()
        let urlPast = try Self.connection { $0.limits.maxURLBytes = 100 }
        try urlPast.writeInbound(ByteBuffer(string: url(101)))
        #expect(try Self.answers(urlPast).isEmpty)
        #expect(!urlPast.isActive)
        _ = try? urlPast.finish()
    }

    /// A DESCRIBE waits for an on-demand source (never ready here); requests behind it queue up to
    /// `maxQueuedRequests` (2), the one past it is answered 503 at once.
    @Test func loweredRequestQueueReachesTheSession() throws {
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        try router.createPath(named: "cam").setDemandHandler {}
        let channel = try Self.connection({ $0.maxQueuedRequests = 2 }, router: router)
        try channel.writeInbound(ByteBuffer(string: "DESCRIBE rtsp://127.0.0.1/cam RTSP/1.0\r\nCSeq: 1\r\n\r\n"))
        #expect(try Self.answers(channel).isEmpty)
        try channel.writeInbound(ByteBuffer(string: (2...3).map { Self.options(cseq: $0, headers: 1) }.joined()))
        #expect(try Self.answers(channel).isEmpty)
        try channel.writeInbound(ByteBuffer(string: Self.options(cseq: 4, headers: 1)))
        let answers = try Self.answers(channel)
        #expect(answers.count == 1)
        #expect(answers.first?.hasPrefix("RTSP/1.0 503") == true && answers.first?.contains("CSeq: 4") == true)
        #expect(channel.isActive)
        _ = try? channel.finish()
    }
}
