@testable import Ingest
import RTCBase
import Routing
import Testing

/// `FilePlayout` on virtual time: units are published when due, the runtime is woken at the next
/// due instant, loops continue timestamps and sequence numbers, and catching up is bounded per wake.
@Suite struct FilePlayoutTests {
    static let t0 = Instant(nanoseconds: 5_000_000_000)
    static let video = TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90000, channels: nil, fmtp: [:], payloadType: 96)
    static let audio = TrackInfo(id: 1, kind: .audio, encodingName: "opus", clockRate: 48000, channels: 2, fmtp: [:], payloadType: 111)

    /// 200 ms loop: video frames at 0 and 100 ms (the first two packets), Opus packets every 50 ms.
    static func playout() -> FilePlayout {
        var units: [FilePlayout.Unit] = []
        for n in 0..<2 {
            units.append(.init(offset: .milliseconds(100 * n), duration: 9000,
                               payloads: n == 0 ? [([0x7C, 0x85], false), ([0x7C, 0x45], true)] : [([0x41], true)],
                               isKeyframe: n == 0, trackID: 0))
        }
        for n in 0..<4 {
            units.append(.init(offset: .milliseconds(50 * n), duration: 2400, payloads: [([0xFC], true)], isKeyframe: true, trackID: 1))
        }
        return FilePlayout(tracks: [video, audio], units: units, loopDuration: .milliseconds(200), streams: [
            0: .init(ssrc: 0x51DE0, sequenceNumber: 65534, timestampBase: 0xFFFF_FF00),
            1: .init(ssrc: 0xA0D10, sequenceNumber: 10, timestampBase: 1000),
        ])
    }

    /// Published units and the deadline `poll()` names at the end.
    static func drain(_ playout: inout FilePlayout) -> (units: [MediaUnit], deadline: Instant) {
        var units: [MediaUnit] = []
        while true {
            switch playout.poll() {
            case .publish(let unit): units.append(unit)
            case .timeout(let deadline): return (units, deadline)
            }
        }
    }

    @Test func publishesUnitsWhenDueAndNamesTheNextDeadline() {
        var playout = Self.playout()
        #expect(Self.drain(&playout).deadline == .distantFuture)   // not started
        playout.start(now: Self.t0)
        var (units, deadline) = Self.drain(&playout)
        #expect(units.map(\.trackID) == [0, 1])
        #expect(units[0].packets.map(\.sequenceNumber) == [65534, 65535])
        #expect(units[0].packets.map(\.marker) == [false, true])
        #expect(units[0].isKeyframe && units[0].packets.allSatisfy { $0.payloadType == 96 && $0.ssrc == 0x51DE0 })
        #expect(units[1].packets.first?.payloadType == 111)
        #expect(deadline == Self.t0 + .milliseconds(50))
        // Woken early: nothing is due yet.
        playout.handleTimeout(now: Self.t0 + .milliseconds(49))
        (units, deadline) = Self.drain(&playout)
        #expect(units.isEmpty && deadline == Self.t0 + .milliseconds(50))
        playout.handleTimeout(now: Self.t0 + .milliseconds(100))
        (units, deadline) = Self.drain(&playout)
        #expect(units.map(\.trackID) == [1, 0, 1])
        #expect(units[1].packets.first?.sequenceNumber == 0 && units[1].rtpTimestamp == 0xFFFF_FF00 &+ 9000)
        #expect(units.allSatisfy { $0.arrival == Self.t0 + .milliseconds(100) })
        #expect(deadline == Self.t0 + .milliseconds(150))
    }

    @Test func loopsContinueTimestampsAndSequenceNumbers() {
        var playout = Self.playout()
        playout.start(now: Self.t0)
        var video: [MediaUnit] = [], audio: [MediaUnit] = []
        var now = Self.t0
        for _ in 0..<20 {
            let (units, deadline) = Self.drain(&playout)
            video += units.filter { $0.trackID == 0 }
            audio += units.filter { $0.trackID == 1 }
            guard deadline < Self.t0 + .milliseconds(600) else { break }
            now = deadline
            playout.handleTimeout(now: now)
        }
        #expect(playout.loopIndex == 3 && now == Self.t0 + .milliseconds(550))
        #expect(video.count == 6 && audio.count == 12)
        let sequence = video.flatMap(\.packets).map(\.sequenceNumber)
        #expect(zip(sequence, sequence.dropFirst()).allSatisfy { $1 == $0 &+ 1 })
        #expect(video.map { $0.rtpTimestamp &- 0xFFFF_FF00 } == [0, 9000, 18000, 27000, 36000, 45000])
        #expect(audio.map { $0.rtpTimestamp - 1000 } == (0..<12).map { UInt32($0) * 2400 })
        #expect(audio.map(\.packets[0].sequenceNumber) == (0..<12).map { UInt16(10 + $0) })
    }

    @Test func aLateWakeCatchesUpAtMostMaxUnitsPerWake() {
        var playout = Self.playout()
        playout.maxUnitsPerWake = 4
        playout.start(now: Self.t0)   // 2 units
        _ = Self.drain(&playout)
        playout.handleTimeout(now: Self.t0 + .seconds(1))   // 28 units are due by then
        var (units, deadline) = Self.drain(&playout)
        #expect(units.count == 4)
        #expect(deadline < Self.t0 + .seconds(1))   // still behind: wake again at once
        playout.handleTimeout(now: Self.t0 + .seconds(1))
        (units, deadline) = Self.drain(&playout)
        #expect(units.count == 4)
    }

    /// B-frames: units go out in decode order at their decode time, stamped with their
    /// presentation time (decode time + composition offset), in every loop.
    @Test func compositionOffsetsStampPresentationTimes() {
        // Decode order I P B B at 100 ms steps; presentation order I B B P (offsets in 90 kHz ticks).
        let offsets: [Int64] = [9000, 36000, 0, 0]
        let units = offsets.enumerated().map { n, offset in
            FilePlayout.Unit(offset: .milliseconds(100 * n), duration: 9000, compositionOffset: offset,
                             payloads: [([UInt8(n)], true)], isKeyframe: n == 0, trackID: 0)
        }
        var playout = FilePlayout(tracks: [Self.video], units: units, loopDuration: .milliseconds(400),
                                  streams: [0: .init(ssrc: 1, sequenceNumber: 0, timestampBase: 100)])
        playout.start(now: Self.t0)
        var published: [MediaUnit] = []
        for step in 1...8 {
            published += Self.drain(&playout).units
            playout.handleTimeout(now: Self.t0 + .milliseconds(100 * step))
        }
        published += Self.drain(&playout).units
        #expect(published.map { $0.packets.first?.payload.first } == [0, 1, 2, 3, 0, 1, 2, 3, 0])
        #expect(published.map { $0.rtpTimestamp - 100 } == [9000, 45000, 18000, 27000, 45000, 81000, 54000, 63000, 81000])
        #expect(published.allSatisfy { unit in unit.packets.allSatisfy { $0.timestamp == unit.rtpTimestamp } })
    }
}
