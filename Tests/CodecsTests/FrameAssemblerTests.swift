import Testing
@testable import Codecs

/// A minimal format for driving `FrameAssembler`: the first payload byte holds flags
/// (0x80 key frame, 0x40 starts a frame), the rest, if any, is one payload of the unit.
private struct FlagFormat: FrameAssemblyFormat {
    let limits: DepacketizerLimits
    private var keyframe = false

    init(limits: DepacketizerLimits = DepacketizerLimits()) {
        self.limits = limits
    }

    var unitIsKeyframe: Bool { keyframe }

    func begin(_ unit: inout PartialAccessUnit, with payload: ArraySlice<UInt8>, afterGap: Bool) {
        if afterGap && (payload.first ?? 0) & 0x40 == 0 { unit.isBroken = true }
    }

    mutating func append(_ payload: ArraySlice<UInt8>, to unit: inout PartialAccessUnit) {
        guard let flags = payload.first else { unit.isBroken = true; return }
        if flags & 0x80 != 0 { keyframe = true }
        if payload.count > 1 { unit.appendChecked(payload.dropFirst(), limits: limits) }
    }

    func end(_ unit: inout PartialAccessUnit) {}

    mutating func reset() { keyframe = false }
}

private func push(_ assembler: inout FrameAssembler<FlagFormat>, _ payload: [UInt8], seq: UInt16, ts: UInt32,
                  marker: Bool = false) -> [AccessUnit] {
    assembler.push(payload: payload[...], sequenceNumber: seq, rtpTimestamp: ts, marker: marker)
}

@Suite struct FrameAssemblerTests {
    @Test func unitEndsAtMarkerTimestampChangeAndFlush() {
        var assembler = FrameAssembler(format: FlagFormat())
        #expect(push(&assembler, [0xc0, 1], seq: 10, ts: 100).isEmpty)
        #expect(push(&assembler, [0x00, 2], seq: 11, ts: 100, marker: true)
            == [AccessUnit(payloads: [[1], [2]], rtpTimestamp: 100, isKeyframe: true)])
        #expect(push(&assembler, [0x40, 3], seq: 12, ts: 200).isEmpty)
        #expect(push(&assembler, [0x40, 4], seq: 13, ts: 300)
            == [AccessUnit(payloads: [[3]], rtpTimestamp: 200, isKeyframe: false)])
        #expect(assembler.flush() == [AccessUnit(payloads: [[4]], rtpTimestamp: 300, isKeyframe: false)])
        #expect(assembler.flush().isEmpty)
        #expect(assembler.droppedPackets == 0)
        #expect(assembler.droppedAccessUnits == 0)
    }

    @Test func paddingOnlyPacketsAdvanceTheSequenceWithoutTouchingTheUnit() {
        var assembler = FrameAssembler(format: FlagFormat())
        #expect(push(&assembler, [0xc0, 1], seq: 10, ts: 100).isEmpty)
        #expect(push(&assembler, [], seq: 11, ts: 100).isEmpty)             // inside the unit
        #expect(push(&assembler, [0x00, 2], seq: 12, ts: 100, marker: true)
            == [AccessUnit(payloads: [[1], [2]], rtpTimestamp: 100, isKeyframe: true)])
        #expect(push(&assembler, [], seq: 13, ts: 100).isEmpty)             // after it, old timestamp
        #expect(push(&assembler, [0x40, 3], seq: 14, ts: 200, marker: true)
            == [AccessUnit(payloads: [[3]], rtpTimestamp: 200, isKeyframe: false)])
        #expect(push(&assembler, [], seq: 16, ts: 200).isEmpty)             // a gap before padding still counts
        #expect(push(&assembler, [0x40, 4], seq: 17, ts: 300, marker: true).isEmpty)
        #expect(assembler.paddingPackets == 3)
        #expect(assembler.droppedAccessUnits == 1)
    }

    @Test func duplicateAndLatePacketsAreDroppedAlone() {
        var assembler = FrameAssembler(format: FlagFormat())
        _ = push(&assembler, [0xc0, 1], seq: 0xffff, ts: 100)
        #expect(push(&assembler, [0x00, 9], seq: 0xffff, ts: 100).isEmpty)  // duplicate
        #expect(push(&assembler, [0x00, 9], seq: 0xfff0, ts: 100).isEmpty)  // late
        #expect(push(&assembler, [0x00, 2], seq: 0, ts: 100, marker: true)   // wraps: in order
            == [AccessUnit(payloads: [[1], [2]], rtpTimestamp: 100, isKeyframe: true)])
        #expect(assembler.droppedPackets == 2)
        #expect(assembler.droppedAccessUnits == 0)
    }

    @Test func gapDropsUnitAndWaitsForKeyframe() {
        var assembler = FrameAssembler(format: FlagFormat())
        _ = push(&assembler, [0xc0, 1], seq: 1, ts: 100)
        // seq 2 lost: the open unit is broken.
        #expect(push(&assembler, [0x00, 3], seq: 3, ts: 100, marker: true).isEmpty)
        // Whole but not a key frame: dropped while waiting.
        #expect(push(&assembler, [0x40, 4], seq: 4, ts: 200, marker: true).isEmpty)
        #expect(push(&assembler, [0xc0, 5], seq: 5, ts: 300, marker: true)
            == [AccessUnit(payloads: [[5]], rtpTimestamp: 300, isKeyframe: true)])
        #expect(push(&assembler, [0x40, 6], seq: 6, ts: 400, marker: true)
            == [AccessUnit(payloads: [[6]], rtpTimestamp: 400, isKeyframe: false)])
        #expect(assembler.droppedPackets == 3)
        #expect(assembler.droppedAccessUnits == 2)
    }

    @Test func unitAfterGapMustProveItsStart() {
        var assembler = FrameAssembler(format: FlagFormat())
        _ = push(&assembler, [0xc0, 1], seq: 1, ts: 100, marker: true)
        #expect(push(&assembler, [0x80, 2], seq: 3, ts: 200, marker: true).isEmpty)  // no start flag
        #expect(push(&assembler, [0xc0, 3], seq: 5, ts: 300, marker: true)
            == [AccessUnit(payloads: [[3]], rtpTimestamp: 300, isKeyframe: true)])
        #expect(assembler.droppedPackets == 1)
        #expect(assembler.droppedAccessUnits == 1)
    }

    @Test func emptyUnitIsDroppedWithoutWaitingForKeyframe() {
        var assembler = FrameAssembler(format: FlagFormat())
        #expect(push(&assembler, [0xc0], seq: 1, ts: 100, marker: true).isEmpty)  // no payloads
        #expect(assembler.droppedAccessUnits == 1)
        #expect(push(&assembler, [0x40, 2], seq: 2, ts: 200, marker: true)  // not broken: no key frame wait
            == [AccessUnit(payloads: [[2]], rtpTimestamp: 200, isKeyframe: false)])
        #expect(assembler.droppedPackets == 1)
    }

    @Test func byteLimitAtCapAndOnePast() {
        let limits = DepacketizerLimits(maxAccessUnitBytes: 4)
        var assembler = FrameAssembler(format: FlagFormat(limits: limits))
        #expect(push(&assembler, [0xc0, 1, 2, 3, 4], seq: 1, ts: 100, marker: true)
            == [AccessUnit(payloads: [[1, 2, 3, 4]], rtpTimestamp: 100, isKeyframe: true)])
        _ = push(&assembler, [0xc0, 1, 2], seq: 2, ts: 200)
        #expect(push(&assembler, [0x00, 3, 4, 5], seq: 3, ts: 200, marker: true).isEmpty)
        #expect(assembler.droppedPackets == 2)
        #expect(assembler.droppedAccessUnits == 1)
    }

    @Test func payloadCountLimitAtCapAndOnePast() {
        let limits = DepacketizerLimits(maxNALUnitsPerAccessUnit: 2)
        var assembler = FrameAssembler(format: FlagFormat(limits: limits))
        _ = push(&assembler, [0xc0, 1], seq: 1, ts: 100)
        #expect(push(&assembler, [0x00, 2], seq: 2, ts: 100, marker: true).count == 1)
        _ = push(&assembler, [0xc0, 1], seq: 3, ts: 200)
        _ = push(&assembler, [0x00, 2], seq: 4, ts: 200)
        #expect(push(&assembler, [0x00, 3], seq: 5, ts: 200, marker: true).isEmpty)
        #expect(assembler.droppedPackets == 3)
    }
}

@Suite struct PartialAccessUnitTests {
    let limits = DepacketizerLimits()

    @Test func fragmentationUnitRoundTrip() {
        var unit = PartialAccessUnit()
        let started = unit.appendFragmentationUnit([1, 2], isStart: true, isEnd: false, headerByte: 0x65,
                                                   secondHeaderByte: nil, typeMask: 0x1f, limits: limits)
        #expect(!started)
        #expect(unit.fragmentOpen)
        let completed = unit.appendFragmentationUnit([3], isStart: false, isEnd: true, headerByte: 0x65,
                                                     secondHeaderByte: nil, typeMask: 0x1f, limits: limits)
        #expect(completed)
        #expect(unit.fragment == [0x65, 1, 2, 3])
        #expect(!unit.fragmentOpen)
        #expect(!unit.isBroken)
    }

    @Test func fragmentationUnitViolationsBreakTheUnit() {
        var startAndEnd = PartialAccessUnit()
        _ = startAndEnd.appendFragmentationUnit([1], isStart: true, isEnd: true, headerByte: 0x02,
                                                secondHeaderByte: 0x01, typeMask: 0x7e, limits: limits)
        #expect(startAndEnd.isBroken)

        var noStart = PartialAccessUnit()
        _ = noStart.appendFragmentationUnit([1], isStart: false, isEnd: true, headerByte: 0x02,
                                            secondHeaderByte: 0x01, typeMask: 0x7e, limits: limits)
        #expect(noStart.isBroken)

        var otherType = PartialAccessUnit()
        _ = otherType.appendFragmentationUnit([1], isStart: true, isEnd: false, headerByte: 0x02,
                                              secondHeaderByte: 0x01, typeMask: 0x7e, limits: limits)
        #expect(otherType.fragment == [0x02, 0x01, 1])
        _ = otherType.appendFragmentationUnit([2], isStart: false, isEnd: true, headerByte: 0x26,
                                              secondHeaderByte: 0x01, typeMask: 0x7e, limits: limits)
        #expect(otherType.isBroken)
    }

    @Test func fragmentByteLimitAtCapAndOnePast() {
        let small = DepacketizerLimits(maxAccessUnitBytes: 4)
        var atCap = PartialAccessUnit()
        _ = atCap.appendFragmentationUnit([1, 2, 3], isStart: true, isEnd: false, headerByte: 0x41,
                                          secondHeaderByte: nil, typeMask: 0x1f, limits: small)
        #expect(atCap.fragment == [0x41, 1, 2, 3])
        #expect(!atCap.isBroken)
        atCap.appendToFragment([4][...], limits: small)
        #expect(atCap.isBroken)  // header + 3 bytes already at the cap
    }
}
