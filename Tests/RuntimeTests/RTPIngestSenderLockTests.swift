import Codecs
import Logging
import NIOCore
import NIOPosix
import RTCBase
import RTP
import Routing
@testable import Runtime
import Testing

/// The plain RTP ingest's sender lock over real loopback sockets: once 127.0.0.1 sends, RTP from
/// 127.0.0.2 (another host as far as the ingest can tell) is dropped and counted, and does not
/// restart the publisher. Datagrams to one socket are read in order, so when the camera's next
/// keyframe arrives the intruder's datagram was handled: no sleeping, no polling.
@Suite(.timeLimit(.minutes(1))) struct RTPIngestSenderLockTests {
    @Test func anotherHostCannotTakeOverThePath() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let fixture = try await RTPIngestRestartTests.Fixture.start(group: group)
        let (reader, target) = (fixture.reader, fixture.target)
        let camera = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let intruder = try await DatagramBootstrap(group: group).bind(host: "127.0.0.2", port: 0).get()
        func sendKeyframe(from channel: any Channel, ssrc: UInt32, seq: UInt16) async throws {
            let packet = RTPPacket(payloadType: 96, sequenceNumber: seq, timestamp: UInt32(seq) * 3000, ssrc: ssrc, marker: true,
                                   payload: [0x65, 0x88, 0x80])
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: channel.allocator.buffer(bytes: packet.bytes)))
        }
        var events = fixture.wakes.makeAsyncIterator()
        var keyframes: [MediaUnit] = [], epochs: [Int] = []
        func awaitKeyframes(_ count: Int) async {
            while keyframes.count < count, await events.next() != nil {
                for event in reader.drain(max: 100) {
                    if case .tracks(_, let epoch) = event { epochs.append(epoch) }
                    if case .unit(let unit) = event, unit.isKeyframe { keyframes.append(unit) }
                }
            }
        }
        try await sendKeyframe(from: camera, ssrc: 0xCAFE, seq: 1)
        await awaitKeyframes(1)
        try await sendKeyframe(from: intruder, ssrc: 0xBAD, seq: 1)
        try await sendKeyframe(from: camera, ssrc: 0xCAFE, seq: 2)
        await awaitKeyframes(2)
        #expect(keyframes.map { $0.packets[0].ssrc } == [0xCAFE, 0xCAFE])
        #expect(epochs.count == 1)   // no restart
        let stats = await fixture.source.stats()
        #expect(stats.foreignDatagrams == 1 && stats.restarts == 0 && stats.lockedSource == "127.0.0.1")
        try await camera.close()
        try await intruder.close()
        await fixture.stop()
    }
}
