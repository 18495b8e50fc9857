import Testing
import TestSupport
import Codecs
@testable import Containers

@Suite struct AnnexBReaderTests {
    let sps: [UInt8] = [0x67, 0x42, 0xc0, 0x1e, 0xd9]
    let pps: [UInt8] = [0x68, 0xcb, 0x8c, 0xb2]
    let idrFirst: [UInt8] = [0x65, 0x88, 0x84, 0x01]    // first_mb_in_slice 0
    let idrSecond: [UInt8] = [0x65, 0x40, 0x11]         // first_mb_in_slice 1
    let pFirst: [UInt8] = [0x41, 0x9a, 0x02]
    let pSecond: [UInt8] = [0x41, 0x40, 0x22]

    @Test func mixedStartCodesAndSlices() throws {
        let four: [UInt8] = [0, 0, 0, 1]
        let three: [UInt8] = [0, 0, 1]
        var stream = four + sps + three + pps + three + idrFirst + [0, 0] + three + idrSecond
        stream += four + pFirst + three + pSecond + [0, 0, 0]
        var reader = AnnexBReader(stream)
        let units = try reader.readAll()
        #expect(units == [
            AccessUnit(payloads: [sps, pps, idrFirst, idrSecond], rtpTimestamp: 0, isKeyframe: true),
            AccessUnit(payloads: [pFirst, pSecond], rtpTimestamp: 3000, isKeyframe: false),
        ])
        reader.rewind()
        #expect(try reader.nextAccessUnit()?.payloads.count == 4)
    }

    @Test func parameterSetsAfterSliceStartNewUnit() throws {
        let stream: [UInt8] = [0, 0, 1] + idrFirst + [0, 0, 1] + sps + [0, 0, 1] + pps + [0, 0, 1] + idrFirst
        var reader = AnnexBReader(stream, timestampIncrement: 1500)
        let units = try reader.readAll()
        #expect(units.map(\.payloads.count) == [1, 3])
        #expect(units.map(\.rtpTimestamp) == [0, 1500])
    }

    @Test func fixtureWithAccessUnitDelimiters() throws {
        // x264 with aud=1, keyint=5, slices=2, 10 frames (Fixtures/tiny-aud.h264).
        var reader = AnnexBReader(try Fixtures.fixture("tiny-aud.h264"))
        let units = try reader.readAll()
        #expect(units.count == 10)
        #expect(units.map(\.isKeyframe) == [true, false, false, false, false, true, false, false, false, false])
        #expect(units.allSatisfy { H264.nalType($0.payloads[0][0]) == H264.NALType.accessUnitDelimiter })
        #expect(units[0].payloads.map { H264.nalType($0[0]) } == [9, 7, 8, 6, 5, 5])
        #expect(units[1].payloads.map { H264.nalType($0[0]) } == [9, 1, 1])
        #expect(units[5].payloads.map { H264.nalType($0[0]) } == [9, 7, 8, 5, 5])
        let parameters = try H264.SequenceParameterSet(nalUnit: units[0].payloads[1][...])
        #expect(parameters.width == 160)
        #expect(parameters.height == 96)
        #expect(reader.accessUnitCount == 10)
    }

    @Test func emptyAndZeroOnlyStreams() throws {
        var empty = AnnexBReader([])
        #expect(try empty.nextAccessUnit() == nil)
        var zeros = AnnexBReader([0, 0, 0, 0, 0])
        #expect(try zeros.nextAccessUnit() == nil)
    }

    @Test func missingStartCodeThrows() {
        var reader = AnnexBReader([0x67, 0x42, 0, 0, 1, 0x68])
        #expect(throws: ContainerError.badSignature("Annex-B start code at offset 0")) { try reader.nextAccessUnit() }
        var single = AnnexBReader([0, 1, 0x67])
        #expect(throws: ContainerError.self) { try single.nextAccessUnit() }
    }

    @Test func forbiddenBitThrows() {
        var reader = AnnexBReader([0, 0, 1, 0xe5, 0x88])
        #expect(throws: ContainerError.invalid("NAL unit at offset 3: forbidden_zero_bit is set")) {
            try reader.nextAccessUnit()
        }
    }

    @Test func nalSizeCapAtLimitAndOnePast() throws {
        let limits = AnnexBReader.Limits(maxNALUnitBytes: 100)
        let atCap: [UInt8] = [0, 0, 1] + [0x41, 0x80] + Array(repeating: 7, count: 98)
        var reader = AnnexBReader(atCap, limits: limits)
        #expect(try reader.nextAccessUnit()?.payloads.first?.count == 100)
        var over = AnnexBReader(atCap + [7], limits: limits)
        #expect(throws: ContainerError.limitExceeded(field: "NAL unit size at offset 3", value: 101, limit: 100)) {
            try over.nextAccessUnit()
        }
    }

    @Test func nalCountCapAtLimitAndOnePast() throws {
        let limits = AnnexBReader.Limits(maxNALUnitsPerAccessUnit: 4)
        let sei: [UInt8] = [0, 0, 1, 0x06, 0x05, 0x80]
        var reader = AnnexBReader(sei + sei + sei + [0, 0, 1] + idrFirst, limits: limits)
        #expect(try reader.nextAccessUnit()?.payloads.count == 4)
        var over = AnnexBReader(sei + sei + sei + sei + [0, 0, 1] + idrFirst, limits: limits)
        #expect(throws: ContainerError.limitExceeded(field: "NAL units in access unit 0", value: 5, limit: 4)) {
            try over.nextAccessUnit()
        }
    }

    @Test func accessUnitByteCap() throws {
        let limits = AnnexBReader.Limits(maxAccessUnitBytes: 9)
        let stream: [UInt8] = [0, 0, 1] + sps + [0, 0, 1] + pps + [0, 0, 1] + [0x06, 0x01]
        var atCap = AnnexBReader(Array(stream.dropLast(5)), limits: limits)
        #expect(try atCap.nextAccessUnit()?.byteCount == 9)
        var over = AnnexBReader(stream, limits: limits)
        #expect(throws: ContainerError.self) { try over.nextAccessUnit() }
    }

    @Test func truncatedAndGarbageInputNeverTraps() throws {
        let file = try Fixtures.fixture("tiny-aud.h264")
        for length in stride(from: 0, to: file.count, by: 97) {
            var reader = AnnexBReader(Array(file.prefix(length)))
            let units = try reader.readAll()
            #expect(units.count <= 10)
        }
        var generator = SeededGenerator(seed: 7)
        for round in 0..<300 {
            var bytes = (0..<(round % 200)).map { _ in UInt8.random(in: 0...3, using: &generator) }
            bytes.insert(contentsOf: [0, 0, 1], at: 0)
            var reader = AnnexBReader(bytes)
            // Random NAL units are either grouped into access units that hold no more than the
            // input's bytes, or refused with a container error.
            do {
                let units = try reader.readAll()
                #expect(units.reduce(0) { $0 + $1.byteCount } <= bytes.count, "\(bytes)")
                #expect(units.allSatisfy { !$0.payloads.isEmpty && $0.payloads.allSatisfy { !$0.isEmpty } }, "\(bytes)")
            } catch {
                // `readAll` throws only ContainerError (typed throws): a refusal, not a trap.
            }
        }
    }
}
