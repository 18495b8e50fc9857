import RTCBase
import RTP
import Routing
import Testing
import TestSupport

@Suite struct PathReaderBatchTests {
    static func publish(_ count: Int, to path: Path, token: PublisherToken) {
        for n in 0..<count {
            let packet = RTPPacket(payloadType: 111, sequenceNumber: UInt16(n), timestamp: UInt32(n * 960), ssrc: 1,
                                   marker: true, payload: [1])
            path.publish(MediaUnit(trackID: 0, packets: [packet], rtpTimestamp: packet.timestamp, isKeyframe: true,
                                   arrival: Instant(nanoseconds: 1), sourceEpoch: 0), token: token)
        }
    }

    @Test func drainsInBoundedBatchesAndSaysWhenMoreMayBeQueued() throws {
        let clock = VirtualClock()
        let path = try Router(limits: RoutingLimits(), clock: clock.source).createPath(named: "a")
        let token = try path.attachPublisher(tracks: [TrackInfo(id: 0, kind: .audio, encodingName: "opus", clockRate: 48000,
                                                                channels: 2, fmtp: [:], payloadType: 111)]) {}
        let reader = try path.addReader(wake: {})
        Self.publish(9, to: path, token: token)   // 1 .tracks + 9 units = 10 events
        var seen: [Int] = []
        #expect(reader.drain(batches: 2, batchSize: 4) { seen.append($0.count); return true })   // 4 + 4, more left
        #expect(!reader.drain(batches: 2, batchSize: 4) { seen.append($0.count); return true })  // 2, empty
        #expect(seen == [4, 4, 2])
        Self.publish(8, to: path, token: token)
        #expect(!reader.drain(batches: 5, batchSize: 4) { _ in false })   // stopped by the handler
        #expect(reader.drain(max: 100).count == 4)                         // only one batch was taken
    }
}
