@testable import Egress
import RTCBase
import RTP
import Routing
import Testing

/// `PassThroughStream`, the per-track pass-through shared by the three egress machines: keyframe
/// gate, sprop parameter sets ahead of keyframes, numbering across source restarts, GOP replay
/// and sender-report bookkeeping.
@Suite struct PassThroughStreamTests {
    typealias T = RTPForwarderSessionTests

    static let ssrc: UInt32 = 0x5555_5555
    static let h264 = TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90000,
                                fmtp: ["packetization-mode": "1", "sprop-parameter-sets": "Z0LAHoyNQFA=,aM48gA=="],
                                payloadType: 102)

    static func stream(_ kind: TrackKind = .video) -> PassThroughStream<NoSenderReports> {
        stream(kind, reports: NoSenderReports())
    }

    static func stream<Reports>(_ kind: TrackKind, reports: Reports) -> PassThroughStream<Reports> {
        PassThroughStream(kind: kind, ssrc: ssrc, payloadType: 96, clockRate: kind == .video ? 90000 : 48000,
                          reports: reports, initialSequenceNumber: 1000, initialTimestamp: 50_000)
    }

    /// Gate, then forward; what went out, as plain RTP (empty when the gate held the unit back).
    static func send<Reports>(_ unit: MediaUnit, _ stream: inout PassThroughStream<Reports>, ready: Bool = true,
                     now: Instant = T.start) -> [RTPPacket] {
        guard stream.admit(unit, ready: ready) else { return [] }
        var sent: [RTPPacket] = []
        stream.forward(unit, now: now) { packet in
            do { sent.append(try RTPPacket(parsing: packet.plainBytes)) } catch { Issue.record("unparsable: \(error)") }
        }
        return sent
    }

    static func delta(_ timestamp: UInt32, seq: UInt16, epoch: Int = 1, at: Instant = T.start) -> MediaUnit {
        T.unit(track: 0, timestamp: timestamp, firstSequence: seq, keyframe: false, payloads: [[0x41, 1]],
               epoch: epoch, at: at)
    }

    static func keyframe(_ timestamp: UInt32, seq: UInt16, payloads: [[UInt8]] = [[0x65, 1], [0x65, 2]],
                         epoch: Int = 1, at: Instant = T.start) -> MediaUnit {
        T.unit(track: 0, timestamp: timestamp, firstSequence: seq, keyframe: true, payloads: payloads,
               epoch: epoch, at: at)
    }

    @Test func videoWaitsForAKeyframeAtStartAndAfterANewEpoch() {
        var stream = Self.stream()
        #expect(Self.send(Self.delta(0, seq: 1), &stream).isEmpty)
        #expect(Self.send(Self.keyframe(3000, seq: 2), &stream, ready: false).isEmpty)   // transport not ready: keep waiting
        #expect(Self.send(Self.keyframe(6000, seq: 4), &stream).count == 2)
        #expect(Self.send(Self.delta(9000, seq: 6), &stream).count == 1)

        stream.restart(kind: .video, clockRate: 90000)                       // `.tracks` of a new source
        #expect(stream.waitingForKeyframe)
        #expect(Self.send(Self.delta(100, seq: 500, epoch: 2), &stream).isEmpty)
        #expect(Self.send(Self.keyframe(200, seq: 501, epoch: 2), &stream).count == 2)
    }

    @Test func audioIsNeverGatedAndASendFailureRegatesVideoOnce() {
        var audio = Self.stream(.audio)
        #expect(!audio.waitingForKeyframe)
        let audioRegated = audio.awaitKeyframe()
        #expect(!audioRegated)
        #expect(!Self.send(Self.delta(0, seq: 1), &audio).isEmpty)

        var video = Self.stream()
        let whileWaiting = video.awaitKeyframe()                             // already waiting: no new request
        _ = Self.send(Self.keyframe(0, seq: 1), &video)
        let afterFailure = video.awaitKeyframe()
        let again = video.awaitKeyframe()
        #expect(!whileWaiting && afterFailure && !again)
        #expect(Self.send(Self.delta(3000, seq: 3), &video).isEmpty)
    }

    @Test func parameterSetsGoOnceBeforeAKeyframeWithoutInBandSPS() throws {
        var stream = Self.stream()
        stream.sendParameterSets(of: Self.h264)
        try #require(stream.parameterSetPayloads.count == 1)

        let sent = Self.send(Self.keyframe(3000, seq: 10), &stream)
        #expect(sent.count == 3)
        #expect(Array(sent[0].payload) == stream.parameterSetPayloads[0])
        #expect(sent[0].payload.first.map { $0 & 0x1F } == 24)               // STAP-A
        #expect(!sent[0].marker)
        #expect(sent.map(\.sequenceNumber) == [1000, 1001, 1002])
        #expect(Set(sent.map(\.timestamp)) == [50_000])                      // the keyframe's timestamp
        #expect(sent.allSatisfy { $0.ssrc == Self.ssrc && $0.payloadType == 96 })
        #expect(sent[1...].map { Array($0.payload) } == [[0x65, 1], [0x65, 2]])

        // Delta frames get none; a keyframe that carries its SPS in-band gets none either.
        #expect(Self.send(Self.delta(6000, seq: 12), &stream).count == 1)
        let inBand = Self.send(Self.keyframe(9000, seq: 13, payloads: [T.sps, T.pps, [0x65, 3]]), &stream)
        #expect(inBand.map { Array($0.payload) } == [T.sps, T.pps, [0x65, 3]])
        #expect(inBand.map(\.sequenceNumber) == [1004, 1005, 1006])
    }

    @Test func onlyH264SpropBecomesParameterSets() {
        func payloads(_ track: TrackInfo) -> [[UInt8]] { track.codec?.parameterSetPayloads(fmtp: track.fmtp) ?? [] }
        #expect(payloads(Self.h264).count == 1)
        var noSprop = Self.h264
        noSprop.fmtp = ["packetization-mode": "1"]
        #expect(payloads(noSprop).isEmpty)
        var vp8 = Self.h264
        vp8.encodingName = "VP8"
        #expect(payloads(vp8).isEmpty)
    }

    @Test func numberingContinuesAcrossANewEpoch() {
        var stream = Self.stream()
        let first = Self.send(Self.keyframe(90_000, seq: 7), &stream)
        let second = Self.send(Self.delta(93_000, seq: 9), &stream)
        #expect((first + second).map(\.sequenceNumber) == [1000, 1001, 1002])
        #expect(second[0].timestamp == 53_000)

        // The source restarts with unrelated numbering, half a second later.
        stream.restart(kind: .video, clockRate: 90000)
        let later = T.start + .milliseconds(500)
        let restarted = Self.send(Self.keyframe(7, seq: 40_000, epoch: 2, at: later), &stream)
        #expect(restarted.map(\.sequenceNumber) == [1003, 1004])
        #expect(restarted.allSatisfy { $0.timestamp == 53_000 + 45_000 })   // last one plus the 0.5 s gap
        #expect(restarted.allSatisfy { $0.ssrc == Self.ssrc })
    }

    @Test func replayRestampsAfterTheLastTimestamp() {
        var stream = Self.stream()
        var sent: [(UInt16, UInt32)] = []
        let cached = Self.keyframe(0, seq: 1)
        let beforeAnything = stream.replay(cached) { sent.append(($0.sequenceNumber, $0.timestamp)) }   // gate closed
        _ = Self.send(Self.keyframe(3000, seq: 1), &stream)
        let replayed = stream.replay(cached) { sent.append(($0.sequenceNumber, $0.timestamp)) }
        #expect(!beforeAnything && replayed)
        #expect(sent.map(\.0) == [1002, 1003])
        #expect(sent.map(\.1) == [50_001, 50_001])
        _ = stream.awaitKeyframe()
        let whileWaiting = stream.replay(cached) { _ in Issue.record("sent while waiting for a keyframe") }
        #expect(!whileWaiting)
    }

    @Test func senderReportsAreScheduledOnceMediaWentOut() throws {
        var stream = Self.stream(.video, reports: SenderReportSchedule(ssrc: Self.ssrc, clockRate: 90000))
        #expect(stream.reports.nextReport == nil)
        _ = Self.send(Self.delta(0, seq: 1), &stream)                             // held back: nothing counted
        #expect(stream.reports.nextReport == nil && stream.reports.generator.packetCount == 0)
        _ = Self.send(Self.keyframe(0, seq: 2), &stream)
        #expect(stream.reports.generator.packetCount == 2)
        #expect(stream.reports.generator.octetCount == 4)
        #expect(stream.reports.nextReport == T.start)
        let anchor = (instant: T.start, unixSeconds: 1_700_000_000.0)
        let due = stream.reports.takeDueReport(now: T.start, interval: .seconds(1), wallClockAnchor: anchor, cname: "c")
        let packets = try #require(due)
        guard case .senderReport(let report) = packets.first else { Issue.record("no SR"); return }
        #expect(report.ssrc == Self.ssrc)
        #expect(report.packetCount == 2)
        #expect(stream.reports.nextReport == T.start + .seconds(1))
        let early = stream.reports.takeDueReport(now: T.start + .milliseconds(999), interval: .seconds(1),
                                                 wallClockAnchor: anchor, cname: "c")
        #expect(early == nil)

        stream.restart(kind: .video, clockRate: 90000)                           // same clock: counts go on
        #expect(stream.reports.generator.packetCount == 2)
        stream.restart(kind: .video, clockRate: 48000)                           // new clock: counting starts over
        #expect(stream.reports.generator.packetCount == 0 && stream.reports.generator.clockRate == 48000)
    }

    @Test func oversizePacketsAreLeftOutWithoutASequenceNumber() {
        var stream = Self.stream()
        let unit = Self.keyframe(0, seq: 1, payloads: [[0x65, 1], [UInt8](repeating: 0x65, count: 100), [0x65, 2]])
        let admitted = stream.admit(unit)
        #expect(admitted)
        var sequenceNumbers: [UInt16] = []
        let oversize = stream.forward(unit, now: T.start, maxPayloadSize: 50) { sequenceNumbers.append($0.sequenceNumber) }
        #expect(oversize == 1)
        #expect(sequenceNumbers == [1000, 1001])
    }
}

extension PassThroughStreamTests {
    /// The stream trusts `MediaUnit.lacksParameterSets` as built once per unit, and never scans the
    /// payloads per viewer: the flag alone decides whether the sprop SPS/PPS go first.
    @Test func theUnitsFlagAloneDecidesWhetherParameterSetsGoFirst() throws {
        var stream = Self.stream()
        stream.sendParameterSets(of: Self.h264)
        try #require(stream.parameterSetPayloads.count == 1)

        var inBandButFlagged = Self.keyframe(0, seq: 1, payloads: [T.sps, T.pps, [0x65, 1]])
        #expect(!inBandButFlagged.lacksParameterSets)                        // built with the H.264 codec: has SPS
        inBandButFlagged.lacksParameterSets = true
        let flagged = Self.send(inBandButFlagged, &stream)
        #expect(flagged.count == 4 && Array(flagged[0].payload) == stream.parameterSetPayloads[0])

        var missingButNotFlagged = Self.keyframe(3000, seq: 4)
        #expect(missingButNotFlagged.lacksParameterSets)                     // built with the H.264 codec: no SPS
        missingButNotFlagged.lacksParameterSets = false
        #expect(Self.send(missingButNotFlagged, &stream).map { Array($0.payload) } == [[0x65, 1], [0x65, 2]])

        // Without sprop in the SDP there is nothing to send, whatever the flag says.
        var noSprop = Self.stream()
        var plain = Self.h264
        plain.fmtp = ["packetization-mode": "1"]
        noSprop.sendParameterSets(of: plain)
        #expect(Self.send(Self.keyframe(0, seq: 1), &noSprop).count == 2)
    }
}
