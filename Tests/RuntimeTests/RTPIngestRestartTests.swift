import Codecs
import Foundation
import Logging
import NIOCore
import NIOPosix
import RTCBase
import RTP
import Routing
@testable import Runtime
import Testing

/// Continuity across a plain-RTP source restart: when the sender comes back with a new SSRC (an
/// encoder restart), the path gets a new publisher epoch; a viewer's rewriter then keeps its SSRC,
/// continues sequence numbers and moves timestamps on by the wall-clock gap.
@Suite(.timeLimit(.minutes(1))) struct RTPIngestRestartTests {
    /// An H.264 ingest on ephemeral ports with a reader on its path.
    struct Fixture {
        var source: RTPIngestSource
        var path: Path
        var reader: PathReader
        var wakes: AsyncStream<Void>
        var wake: AsyncStream<Void>.Continuation
        var target: SocketAddress

        static func start(group: any EventLoopGroup) async throws -> Fixture {
            let sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                + "m=video 5004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n"
            let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
            let (source, port, _) = try await RTPIngestSourceTests.startSource(sdp: sdp, router: router, group: group)
            let path = try #require(router.path(named: "cam"))
            let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            let reader = try path.addReader { wake.yield() }
            return Fixture(source: source, path: path, reader: reader, wakes: wakes, wake: wake,
                           target: try SocketAddress(ipAddress: "127.0.0.1", port: port))
        }

        func stop() async {
            path.removeReader(reader)
            wake.finish()
            await source.stop()
        }
    }

    @Test func newSSRCStartsANewEpochAndViewersContinue() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let fixture = try await Fixture.start(group: group)
        let (reader, wakes, target) = (fixture.reader, fixture.wakes, fixture.target)
        let camera = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        func sendKeyframe(ssrc: UInt32, seq: UInt16, timestamp: UInt32) async throws {
            let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1E, 0x8C, 0x8D]
            for (index, nal) in [sps, [0x68, 0xCE, 0x3C, 0x80], [0x65, 0x88, 0x80]].enumerated() {
                let packet = RTPPacket(payloadType: 96, sequenceNumber: seq &+ UInt16(index), timestamp: timestamp,
                                       ssrc: ssrc, marker: index == 2, payload: nal)
                try await camera.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: camera.allocator.buffer(bytes: packet.bytes)))
            }
        }
        // First life of the camera, then a restart with a new SSRC, sequence space and timeline.
        try await sendKeyframe(ssrc: 0x1111, seq: 100, timestamp: 1_000_000)
        var epochs: [Int] = []
        var keyframes: [(epoch: Int, unit: MediaUnit)] = []
        var sentSecond = false
        for await _ in wakes {
            for event in reader.drain(max: 100) {
                switch event {
                case .tracks(_, let epoch): epochs.append(epoch)
                case .unit(let unit) where unit.isKeyframe: keyframes.append((unit.sourceEpoch, unit))
                default: break
                }
            }
            if keyframes.count == 1, !sentSecond {
                sentSecond = true
                try await sendKeyframe(ssrc: 0x2222, seq: 7, timestamp: 42)
            }
            if keyframes.count == 2 { break }
        }
        #expect(epochs.count == 2 && epochs[1] == epochs[0] + 1)
        #expect(keyframes.map(\.epoch) == epochs)

        // What a viewer sees: one SSRC, sequence numbers without a gap, timestamps moving forward.
        var rewriter = RTPStreamRewriter(ssrc: 0xBEEF, initialSequenceNumber: 500, initialTimestamp: 9000)
        var out: [(UInt16, UInt32)] = []
        for (epoch, unit) in keyframes {
            for packet in unit.packets {
                out.append(rewriter.rewrite(packet, sourceEpoch: epoch, arrival: unit.arrival, clockRate: 90000))
            }
        }
        #expect(zip(out, out.dropFirst()).allSatisfy { $1.0 == $0.0 &+ 1 })
        #expect(out.last!.1 &- out.first!.1 < 90000 * 5)   // no jump to the new sender's random timeline
        #expect(out.last!.1 != out.first!.1)
        try await camera.close()
        await fixture.stop()
    }
}
