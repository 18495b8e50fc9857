import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import RTCBase
import RTP
import Routing
import RTSP
@testable import Runtime
import Synchronization
import Testing

/// RTSP publishing over UDP: the server's ports hand each read burst to the publisher's
/// connection in one hop (issue #8).
@Suite(.timeLimit(.minutes(1)), .serialized) struct RTSPServerUDPIngestTests {
    static func envelope(_ index: Int) throws -> AddressedEnvelope<ByteBuffer> {
        AddressedEnvelope(remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: 7000 + index % 2),
                          data: ByteBuffer(bytes: [UInt8(index)]))
    }

    /// Datagrams are held until the read burst completes (or `maxBurst` are in), then handed over
    /// together, in order, with their sources.
    @Test func burstsAreHandedOverWhole() throws {
        final class Bursts: Sendable { let list = Mutex<[[DatagramBurstReceiver.Datagram]]>([]) }
        let received = Bursts()
        let channel = EmbeddedChannel(handler: DatagramBurstReceiver { burst in received.list.withLock { $0.append(burst) } })
        for index in 0..<3 { channel.pipeline.fireChannelRead(try Self.envelope(index)) }
        #expect(received.list.withLock { $0.isEmpty })
        channel.pipeline.fireChannelReadComplete()
        let first = received.list.withLock { $0 }
        #expect(first.count == 1)
        #expect(first.first?.map(\.bytes) == [[0], [1], [2]])
        #expect(first.first?.map { $0.from.port } == [7000, 7001, 7000])
        // At the cap and one past it, within one read: a full burst, then the rest at the end.
        let cap = DatagramBurstReceiver.maxBurst
        for index in 0..<(cap + 1) { channel.pipeline.fireChannelRead(try Self.envelope(index)) }
        #expect(received.list.withLock { $0.count } == 2)
        #expect(received.list.withLock { $0.last?.count } == cap)
        channel.pipeline.fireChannelReadComplete()
        #expect(received.list.withLock { $0.map(\.count) } == [3, cap, 1])
        channel.pipeline.fireChannelReadComplete()   // nothing new: no empty burst
        #expect(received.list.withLock { $0.count } == 3)
        _ = try? channel.finish()
    }

    /// ANNOUNCE an Opus track, SETUP it over UDP, RECORD, then 500 datagrams from the announced
    /// client port: the path counts every one, in order (sequence numbers continue).
    @Test func udpPublisherReachesThePath() async throws {
        let (server, router, source) = try await RTSPServerLoopbackTests.startServer()
        defer { Task { await server.stop(); await source.stop() } }
        let rtp = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let rtcp = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        defer { Task { try? await rtp.close(); try? await rtcp.close() } }
        let client = try await RTSPServerLoopbackTests.Client(port: server.port, path: "push")
        let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\na=control:streamid=0\r\n"
        let ports = "\(try #require(rtp.localAddress?.port))-\(try #require(rtcp.localAddress?.port))"
        try await RTSPServerLoopbackTests.record(client, sdp: sdp, transport: "RTP/AVP;unicast;client_port=\(ports);mode=record")

        let path = try #require(router.path(named: "push"))
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let reader = try path.addReader { wake.yield() }
        defer { path.removeReader(reader); wake.finish() }
        let count = 500
        let destination = try SocketAddress(ipAddress: "127.0.0.1", port: try #require(server.udpPorts).rtp)
        // In windows of 50 (the socket buffers hold far more), so loopback never drops.
        var sequences: [UInt16] = []
        for window in stride(from: 0, to: count, by: 50) {
            for index in window..<(window + 50) {
                let packet = RTPPacket(payloadType: 111, sequenceNumber: UInt16(index), timestamp: UInt32(index * 960), ssrc: 0x0A0D,
                                       marker: false, payload: [UInt8](repeating: UInt8(index % 251), count: 200))
                rtp.write(AddressedEnvelope(remoteAddress: destination, data: ByteBuffer(bytes: packet.serialized())), promise: nil)
            }
            rtp.flush()
            for await _ in wakes {
                for event in reader.drain(max: 1000) {
                    if case .unit(let unit) = event { sequences += unit.packets.map(\.sequenceNumber) }
                }
                if sequences.count >= window + 50 { break }
            }
        }
        #expect(sequences == (0..<count).map { UInt16($0) })
        #expect(path.stats.packetsIn == count)
        #expect(server.unroutedDatagramCount() == 0)
        await client.close()
    }
}
