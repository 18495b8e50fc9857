import RTCBase
import RTP
import Routing
import Testing

/// The ordering stage in front of RTP/RTSP egress and recordings, on virtual time.
@Suite struct MediaUnitReordererTests {
    static let start = Instant(nanoseconds: 2_000_000_000)
    static let video = TrackInfo(id: 1, kind: .video, encodingName: "VP8", clockRate: 90_000, payloadType: 96)

    static func packet(_ sequenceNumber: UInt16, timestamp: UInt32, marker: Bool = false, ssrc: UInt32 = 7) -> RTPPacket {
        RTPPacket(payloadType: 96, sequenceNumber: sequenceNumber, timestamp: timestamp, ssrc: ssrc, marker: marker,
                  payload: [0x10, UInt8(truncatingIfNeeded: sequenceNumber)])
    }

    static func unit(_ packets: [RTPPacket], at arrival: Instant, epoch: Int = 0) -> MediaUnit {
        MediaUnit(trackID: 1, packets: packets, rtpTimestamp: packets.first?.timestamp ?? 0, isKeyframe: false,
                  arrival: arrival, sourceEpoch: epoch)
    }

    static func sequences(_ units: [MediaUnit]) -> [[UInt16]] {
        units.map { $0.packets.map(\.sequenceNumber) }
    }

    static func reorderer(maxDelay: Duration = .milliseconds(100)) -> MediaUnitReorderer {
        var configuration = MediaUnitReorderer.Configuration()
        configuration.buffer.maxDelay = maxDelay
        var reorderer = MediaUnitReorderer(configuration: configuration)
        _ = reorderer.setTracks([Self.video], now: Self.start)
        return reorderer
    }

    @Test func inOrderUnitsPassAsTheyAreWithoutDelay() {
        var reorderer = Self.reorderer()
        let first = Self.unit([Self.packet(1, timestamp: 0), Self.packet(2, timestamp: 0, marker: true)], at: Self.start)
        let out = reorderer.insert(first, now: Self.start)
        #expect(Self.sequences(out) == [[1, 2]])
        #expect(out.first?.arrival == Self.start)
        // Without marker bits the source's own grouping closes the unit.
        let second = Self.unit([Self.packet(3, timestamp: 3000), Self.packet(4, timestamp: 3000)], at: Self.start)
        #expect(Self.sequences(reorderer.insert(second, now: Self.start)) == [[3, 4]])
        #expect(reorderer.nextDeadline == .distantFuture)
    }

    @Test func lateRetransmissionIsPutBackIntoItsFrame() {
        var reorderer = Self.reorderer()
        // Frame 1 is 1, 2, 3 (marker); 2 was lost and comes back after frame 2 (4, 5).
        var out = reorderer.insert(Self.unit([Self.packet(1, timestamp: 0), Self.packet(3, timestamp: 0, marker: true)],
                                             at: Self.start), now: Self.start)
        out += reorderer.insert(Self.unit([Self.packet(4, timestamp: 3000), Self.packet(5, timestamp: 3000, marker: true)],
                                          at: Self.start), now: Self.start + .milliseconds(33))
        #expect(out.isEmpty)
        #expect(reorderer.nextDeadline == Self.start + .milliseconds(100))
        out += reorderer.insert(Self.unit([Self.packet(2, timestamp: 0)], at: Self.start), now: Self.start + .milliseconds(60))
        #expect(Self.sequences(out) == [[1, 2, 3], [4, 5]])
        #expect(out.map(\.rtpTimestamp) == [0, 3000])
        #expect(reorderer.counters.lost == 0)
        #expect(reorderer.counters.reordered == 1)
    }

    @Test func gapIsGivenUpAtTheBoundAndCounted() {
        var reorderer = Self.reorderer(maxDelay: .milliseconds(100))
        var out = reorderer.insert(Self.unit([Self.packet(1, timestamp: 0), Self.packet(3, timestamp: 0, marker: true)],
                                             at: Self.start), now: Self.start)
        #expect(Self.sequences(out) == [])
        #expect(reorderer.releaseDue(now: Self.start + .milliseconds(99)).isEmpty)
        out += reorderer.releaseDue(now: Self.start + .milliseconds(100))
        #expect(Self.sequences(out) == [[1, 3]])
        #expect(reorderer.counters.lost == 1)
        // 2 arriving now is late: dropped, not sent out of order.
        #expect(reorderer.insert(Self.unit([Self.packet(2, timestamp: 0)], at: Self.start),
                                 now: Self.start + .milliseconds(120)).isEmpty)
        #expect(reorderer.counters.late == 1)
    }

    @Test func sourceRestartReleasesWhatTheOldStreamLeft() {
        var reorderer = Self.reorderer()
        _ = reorderer.insert(Self.unit([Self.packet(1, timestamp: 0, marker: true)], at: Self.start), now: Self.start)
        let held = reorderer.insert(Self.unit([Self.packet(3, timestamp: 3000, marker: true)], at: Self.start), now: Self.start)
        #expect(held.isEmpty)
        let restarted = Self.unit([Self.packet(900, timestamp: 50, marker: true, ssrc: 8)], at: Self.start, epoch: 1)
        let out = reorderer.insert(restarted, now: Self.start)
        #expect(Self.sequences(out) == [[3], [900]])
        #expect(out.map(\.sourceEpoch) == [0, 1])
    }

    @Test func unknownTracksPassUnordered() {
        var reorderer = Self.reorderer()
        var unit = Self.unit([Self.packet(5, timestamp: 0)], at: Self.start)
        unit.trackID = 9
        #expect(Self.sequences(reorderer.insert(unit, now: Self.start)) == [[5]])
        #expect(reorderer.unorderedUnits == 1)
    }
}
