import Foundation
import NIOCore
import NIOPosix
import RTP
@testable import Runtime
import Testing

/// RTSP readers over UDP see no TCP close: the server ends their playback with a final SR, SDES
/// and BYE per track on the RTCP port (on TEARDOWN, and when the server stops, as in the SIGTERM
/// drain), and their counters are read at scrape time (live) and kept per path once they end.
@Suite(.timeLimit(.minutes(1)), .serialized) struct RTSPServerGoodbyeTests {
    typealias Arrival = (rtcp: Bool, bytes: [UInt8])

    /// A UDP reader of the demo path: its RTP and RTCP sockets and the RTSP session.
    static func play(_ server: RTSPServer, continuation: AsyncStream<Arrival>.Continuation) async throws
        -> (client: RTSPServerLoopbackTests.Client, session: String, sockets: [any Channel]) {
        func bind(rtcp: Bool) async throws -> any Channel {
            try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramReceiver { bytes, _ in continuation.yield((rtcp, bytes)) })
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }
        let rtp = try await bind(rtcp: false), rtcp = try await bind(rtcp: true)
        let rtpPort = try #require(rtp.localAddress?.port), rtcpPort = try #require(rtcp.localAddress?.port)
        let client = try await RTSPServerLoopbackTests.Client(port: server.port, path: "demo")
        #expect(try await client.request("DESCRIBE").status == 200)
        let setup = try await client.request("SETUP", client.base + "/trackID=0",
                                             headers: ["Transport": "RTP/AVP;unicast;client_port=\(rtpPort)-\(rtcpPort)"])
        let session = try #require(setup.headers["session"]?.split(separator: ";").first.map(String.init))
        #expect(try await client.request("PLAY", headers: ["Session": session]).status == 200)
        return (client, session, [rtp, rtcp])
    }

    /// Waits for `count` RTP packets, then returns the first BYE that arrives on the RTCP port.
    static func bye(in arrivals: AsyncStream<Arrival>, afterPackets count: Int, then action: () async throws -> Void) async throws -> RTCPBye? {
        var packets = 0, acted = false
        for await arrival in arrivals {
            if !arrival.rtcp { packets += 1 }
            if packets >= count, !acted {
                acted = true
                try await action()
            }
            guard arrival.rtcp, let compound = try? RTCPCompound.parse(arrival.bytes) else { continue }
            for case .bye(let bye) in compound { return bye }
        }
        return nil
    }

    @Test func teardownSendsBYEAndTheReaderCountsMoveToThePathTotals() async throws {
        let (server, _, source) = try await RTSPServerLoopbackTests.startServer()
        defer { Task { await server.stop(); await source.stop() } }
        let (arrivals, continuation) = AsyncStream.makeStream(of: Arrival.self)
        let (client, session, sockets) = try await Self.play(server, continuation: continuation)
        defer { Task { for socket in sockets { try? await socket.close() } } }
        var live: [RTSPServer.ReaderSample] = []
        let bye = try await Self.bye(in: arrivals, afterPackets: 10) {
            live = await server.readerStats().live
            let status = try await client.request("TEARDOWN", headers: ["Session": session]).status
            #expect(status == 200)
        }
        #expect(bye?.reason == "session ended", "\(String(describing: bye))")
        #expect(live.count == 1 && live.first?.transport == "udp" && live.first?.path == "demo")
        #expect((live.first?.stats.packetsSent ?? 0) >= 10 && (live.first?.stats.bytesSent ?? 0) > 0)
        let after = await server.readerStats()
        #expect(after.live.isEmpty)
        let ended = try #require(after.endedByPath["demo"])
        #expect(ended.packetsSent >= live.first?.stats.packetsSent ?? .max && ended.goodbyesSent == 1)
        await client.close()
    }

    @Test func stoppingTheServerSendsBYEToUDPReaders() async throws {
        let (server, _, source) = try await RTSPServerLoopbackTests.startServer()
        defer { Task { await source.stop() } }
        let (arrivals, continuation) = AsyncStream.makeStream(of: Arrival.self)
        let (client, _, sockets) = try await Self.play(server, continuation: continuation)
        defer { Task { for socket in sockets { try? await socket.close() } } }
        let bye = try await Self.bye(in: arrivals, afterPackets: 5) { await server.stop() }
        #expect(bye?.reason == "server shutting down", "\(String(describing: bye))")
        #expect(bye?.ssrcs.count == 1)
        await client.close()
    }
}
