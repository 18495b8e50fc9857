import Foundation
import Logging
import NIOCore
import NIOPosix
import RTCBase
import RTP
import Routing
import RTSP
@testable import Runtime
import Testing

/// The RTSP server over real loopback TCP (ephemeral ports) with a tiny scripted client: DESCRIBE,
/// SETUP interleaved, PLAY and TEARDOWN on the demo path; ANNOUNCE/RECORD publishing; Digest auth
/// with users and tokens.
@Suite(.timeLimit(.minutes(1)), .serialized) struct RTSPServerLoopbackTests {
    /// A minimal RTSP client: writes requests, reads answers and interleaved frames.
    final class Client {
        /// Yields what the server sends; finishes when the connection closes.
        final class Collector: ChannelInboundHandler, Sendable {
            typealias InboundIn = ByteBuffer
            let continuation: AsyncStream<[UInt8]>.Continuation
            init(_ continuation: AsyncStream<[UInt8]>.Continuation) { self.continuation = continuation }
            func channelRead(context: ChannelHandlerContext, data: NIOAny) {
                var buffer = unwrapInboundIn(data)
                continuation.yield(buffer.readBytes(length: buffer.readableBytes) ?? [])
            }
            func channelInactive(context: ChannelHandlerContext) { continuation.finish() }
        }

        let channel: any Channel
        var inbound: AsyncStream<[UInt8]>.AsyncIterator
        var buffer: [UInt8] = []
        var cseq = 0
        let base: String

        init(port: Int, path: String) async throws {
            let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Collector(continuation))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            inbound = stream.makeAsyncIterator()
            base = "rtsp://127.0.0.1:\(port)/\(path)"
        }

        private func fill() async throws {
            guard let chunk = await inbound.next() else { throw SourceError.unusable("connection closed") }
            buffer += chunk
        }

        /// Sends a request and returns the status, headers (lower-cased names) and body, skipping frames.
        func request(_ method: String, _ uri: String? = nil, headers: [String: String] = [:],
                     body: String = "") async throws -> (status: Int, headers: [String: String], body: String) {
            cseq += 1
            var text = "\(method) \(uri ?? base) RTSP/1.0\r\nCSeq: \(cseq)\r\n"
            for (name, value) in headers { text += "\(name): \(value)\r\n" }
            if !body.isEmpty { text += "Content-Length: \(body.utf8.count)\r\n" }
            text += "\r\n" + body
            try await channel.writeAndFlush(ByteBuffer(string: text))
            while true {
                while buffer.first == 0x24 {
                    if buffer.count >= 4, buffer.count >= 4 + (Int(buffer[2]) << 8 | Int(buffer[3])) {
                        buffer.removeFirst(4 + (Int(buffer[2]) << 8 | Int(buffer[3])))
                    } else {
                        try await fill()
                    }
                }
                let text = String(decoding: buffer, as: UTF8.self)
                if let end = text.range(of: "\r\n\r\n") {
                    let head = text[..<end.lowerBound].split(separator: "\r\n").map(String.init)
                    var fields: [String: String] = [:]
                    for line in head.dropFirst() {
                        guard let colon = line.firstIndex(of: ":") else { continue }
                        let name = line[..<colon].lowercased()
                        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                        fields[name] = fields[name].map { $0 + ", " + value } ?? value
                    }
                    let length = Int(fields["content-length"] ?? "0") ?? 0
                    let headBytes = text[..<end.upperBound].utf8.count
                    guard buffer.count >= headBytes + length else { try await fill(); continue }
                    let bodyText = String(decoding: buffer[headBytes..<(headBytes + length)], as: UTF8.self)
                    buffer.removeFirst(headBytes + length)
                    let status = Int(head.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
                    return (status, fields, bodyText)
                }
                try await fill()
            }
        }

        /// The next interleaved frame.
        func frame() async throws -> (channel: UInt8, payload: [UInt8]) {
            while true {
                if buffer.count >= 4, buffer[0] == 0x24 {
                    let length = Int(buffer[2]) << 8 | Int(buffer[3])
                    if buffer.count >= 4 + length {
                        let frame = (buffer[1], Array(buffer[4..<(4 + length)]))
                        buffer.removeFirst(4 + length)
                        return frame
                    }
                }
                try await fill()
            }
        }

        func send(_ bytes: [UInt8]) async throws { try await channel.writeAndFlush(ByteBuffer(bytes: bytes)) }
        func close() async { try? await channel.close() }
    }

    /// Waits (on the reader's wakes, no polling) until `path` delivers an event `matches` accepts.
    static func next(on path: Path, where matches: (ReaderEvent) -> Bool) async throws {
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let reader = try path.addReader { wake.yield() }
        defer {
            path.removeReader(reader)
            wake.finish()
        }
        for await _ in wakes where reader.drain(max: 1000).contains(where: matches) { return }
    }

    static func startServer(users: [String]? = nil, token: String? = nil) async throws -> (RTSPServer, Router, FileSource) {
        let logger = Logger(label: "rtsp-test")
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        let source = try FileSource.demo(pathName: "demo", router: router, eventLoop: loop, logger: logger)
        try await source.start()
        try await Self.next(on: try #require(router.path(named: "demo"))) { if case .unit(let unit) = $0 { unit.isKeyframe } else { false } }
        _ = try router.createPath(named: "push")
        var settings = RTSPServerSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.udpRTPPort = 0
        settings.udpRTCPPort = 0
        if let users { try settings.setUsers(path: "demo", read: users, publish: []) }
        settings.token = token
        let server = RTSPServer(settings: settings, router: router, publishablePaths: ["push"],
                                group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        try await server.start()
        return (server, router, source)
    }

    @Test func describeSetupPlayDeliversInterleavedRTPThenTeardown() async throws {
        let (server, _, source) = try await Self.startServer()
        defer { Task { await server.stop(); await source.stop() } }
        let client = try await Client(port: server.port, path: "demo")
        let described = try await client.request("DESCRIBE", headers: ["Accept": "application/sdp"])
        #expect(described.status == 200)
        #expect(described.body.contains("a=rtpmap:96 H264/90000"), "\(described.body)")
        #expect(described.body.contains("sprop-parameter-sets="), "\(described.body)")
        #expect(described.body.contains("a=control:trackID=1"), "\(described.body)")
        let setup = try await client.request("SETUP", client.base + "/trackID=0",
                                             headers: ["Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"])
        #expect(setup.status == 200)
        #expect(setup.headers["transport"]?.contains("interleaved=0-1") == true)
        let session = try #require(setup.headers["session"]?.split(separator: ";").first.map(String.init))
        let play = try await client.request("PLAY", headers: ["Session": session])
        #expect(play.status == 200)
        let rtpInfo = try #require(play.headers["rtp-info"])
        let firstSeq = try #require(rtpInfo.firstMatch(of: /seq=(\d+)/).flatMap { UInt16($0.1) })
        var rtp: [RTPPacket] = []
        var sawSR = false
        while rtp.count < 20 || !sawSR {
            let frame = try await client.frame()
            if frame.channel == 0 { rtp.append(try RTPPacket(parsing: frame.payload)) }
            if frame.channel == 1, frame.payload.count > 1, frame.payload[1] == 200 { sawSR = true }
        }
        #expect(rtp.first?.sequenceNumber == firstSeq)
        #expect(rtp.allSatisfy { $0.payloadType == 96 })
        #expect(zip(rtp, rtp.dropFirst()).allSatisfy { $1.sequenceNumber == $0.sequenceNumber &+ 1 })
        let teardown = try await client.request("TEARDOWN", headers: ["Session": session])
        #expect(teardown.status == 200)
        await client.close()
    }

    @Test func playOverUDPSendsFromTheServerPortsToTheClientPorts() async throws {
        let (server, _, source) = try await Self.startServer()
        defer { Task { await server.stop(); await source.stop() } }
        let (arrivals, continuation) = AsyncStream.makeStream(of: (rtcp: Bool, bytes: [UInt8], from: Int).self)
        func bind(rtcp: Bool) async throws -> any Channel {
            try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramReceiver { bytes, from in
                            continuation.yield((rtcp, bytes, from.port ?? 0))
                        })
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }
        let rtp = try await bind(rtcp: false), rtcp = try await bind(rtcp: true)
        defer { Task { try? await rtp.close(); try? await rtcp.close() } }
        let rtpPort = try #require(rtp.localAddress?.port), rtcpPort = try #require(rtcp.localAddress?.port)
        let client = try await Client(port: server.port, path: "demo")
        #expect(try await client.request("DESCRIBE").status == 200)
        let setup = try await client.request("SETUP", client.base + "/trackID=0",
                                             headers: ["Transport": "RTP/AVP;unicast;client_port=\(rtpPort)-\(rtcpPort)"])
        #expect(setup.status == 200)
        let ports = try #require(server.udpPorts)
        #expect(setup.headers["transport"]?.contains("server_port=\(ports.rtp)-\(ports.rtcp)") == true, "\(setup.headers)")
        let session = try #require(setup.headers["session"]?.split(separator: ";").first.map(String.init))
        #expect(try await client.request("PLAY", headers: ["Session": session]).status == 200)
        var packets = 0, reports = 0
        for await arrival in arrivals {
            if arrival.rtcp {
                #expect(arrival.from == ports.rtcp)
                if arrival.bytes.count > 1, arrival.bytes[1] == 200 { reports += 1 }
            } else {
                #expect(arrival.from == ports.rtp)
                #expect(try RTPPacket(parsing: arrival.bytes).payloadType == 96)
                packets += 1
            }
            if packets >= 10, reports >= 1 { break }
        }
        #expect(try await client.request("TEARDOWN", headers: ["Session": session]).status == 200)
        await client.close()
    }

    /// What a publisher announces: one H.264 track.
    static let announcedSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:streamid=0\r\n"

    /// ANNOUNCE `sdp`, SETUP its first track (control `streamid=0`) with `transport`, RECORD.
    static func record(_ client: Client, sdp: String, transport: String) async throws {
        #expect(try await client.request("ANNOUNCE", headers: ["Content-Type": "application/sdp"], body: sdp).status == 200)
        let setup = try await client.request("SETUP", client.base + "/streamid=0", headers: ["Transport": transport])
        #expect(setup.status == 200)
        let session = try #require(setup.headers["session"]?.split(separator: ";").first.map(String.init))
        #expect(try await client.request("RECORD", headers: ["Session": session]).status == 200)
    }

    @Test func announceRecordPublishesIntoAPublisherPathOnly() async throws {
        let (server, router, source) = try await Self.startServer()
        defer { Task { await server.stop(); await source.stop() } }
        let sdp = Self.announcedSDP
        let refused = try await Client(port: server.port, path: "demo")
        #expect(try await refused.request("ANNOUNCE", headers: ["Content-Type": "application/sdp"], body: sdp).status == 403)
        await refused.close()

        let client = try await Client(port: server.port, path: "push")
        try await Self.record(client, sdp: sdp, transport: "RTP/AVP/TCP;unicast;interleaved=0-1;mode=record")
        let path = try #require(router.path(named: "push"))
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let reader = try path.addReader { wake.yield() }
        var events = wakes.makeAsyncIterator()
        /// Waits on the reader's wakes until it delivers an event `matches` accepts.
        func next(_ matches: (ReaderEvent) -> Bool) async {
            while await events.next() != nil {
                if reader.drain(max: 100).contains(where: matches) { return }
            }
        }
        let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1E, 0x8C], pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]
        let stapA: [UInt8] = [0x18, 0x00, UInt8(sps.count)] + sps + [0x00, UInt8(pps.count)] + pps
        for (index, payload) in [stapA, [0x65, 0x88, 0x84]].enumerated() {
            let packet = RTPPacket(payloadType: 96, sequenceNumber: UInt16(index), timestamp: 9000, ssrc: 0x1234,
                                   marker: index == 1, payload: payload).serialized()
            try await client.send([0x24, 0, 0, UInt8(packet.count)] + packet)
        }
        await next { if case .tracks = $0 { true } else { false } }
        #expect(path.isReady)
        #expect(path.tracks?.first?.encodingName == "H264")
        #expect(path.tracks?.first?.fmtp["profile-level-id"] == "42c01e")

        let second = try await Client(port: server.port, path: "push")   // busy: refused
        #expect(try await second.request("ANNOUNCE", headers: ["Content-Type": "application/sdp"], body: sdp).status == 403)
        await second.close()
        await client.close()
        await next { if case .sourceEnded = $0 { true } else { false } }
        #expect(!path.isReady)
        path.removeReader(reader)
        wake.finish()
    }

    @Test func readUsersRequireCredentials() async throws {
        let (server, _, source) = try await Self.startServer(users: ["viewer:s3cret"])
        defer { Task { await server.stop(); await source.stop() } }
        try await Self.expectDigestDESCRIBE(port: server.port, user: "viewer", password: "s3cret", wrongPassword: "x")
    }

    /// DESCRIBE of the demo path: 401 offering Digest only; the wrong password and Basic (even with
    /// the right one) 401; Digest with the right password 200.
    static func expectDigestDESCRIBE(port: Int, user: String, password: String, wrongPassword: String) async throws {
        let client = try await Client(port: port, path: "demo")
        let challenged = try await client.request("DESCRIBE")
        #expect(challenged.status == 401)
        let offered = challenged.headers["www-authenticate"] ?? ""
        #expect(offered.contains("Digest realm=\"RTCBridge\""))
        #expect(!offered.contains("Basic"))
        let challenge = try #require(RTSPAuthChallenge.preferred(RTSPAuthChallenge.parse([offered])))
        func digest(_ password: String) -> [String: String] {
            var authenticator = RTSPClientAuthenticator(credentials: RTSPCredentials(username: user, password: password), challenge: challenge)
            return ["Authorization": authenticator.authorization(method: .describe, uri: client.base)]
        }
        #expect(try await client.request("DESCRIBE", headers: digest(wrongPassword)).status == 401)
        let basic = try await client.request("DESCRIBE", headers: ["Authorization": "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()])
        #expect(basic.status == 401)
        let allowed = try await client.request("DESCRIBE", headers: digest(password))
        #expect(allowed.status == 200)
        await client.close()
    }

    /// `--token`: reading and publishing over RTSP need it (the Digest password, any user name).
    @Test func tokenProtectsReadingAndPublishing() async throws {
        let (server, _, source) = try await Self.startServer(token: "s3cret")
        defer { Task { await server.stop(); await source.stop() } }
        let publisher = try await Client(port: server.port, path: "push")
        #expect(try await publisher.request("ANNOUNCE", headers: ["Content-Type": "application/sdp"], body: Self.announcedSDP).status == 401)
        await publisher.close()

        try await Self.expectDigestDESCRIBE(port: server.port, user: "any", password: "s3cret", wrongPassword: "s3cre")
    }

    @Test func malformedUserEntriesAreRejectedWithoutEchoingThem() {
        var settings = RTSPServerSettings()
        #expect(throws: (any Error).self) { try settings.setUsers(path: "cam", read: ["nocolon-secret"], publish: []) }
        do {
            try settings.setUsers(path: "cam", read: [":hunter2"], publish: [])
            Issue.record("an entry without user name was accepted")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
        #expect(throws: Never.self) { try settings.setUsers(path: "cam", read: [], publish: ["pub:a:b"]) }
        #expect(settings.authentication(path: "cam", access: .publish)?.users.first?.password == "a:b")
        #expect(settings.authentication(path: "cam", access: .read) == nil)
    }
}
