import Codecs
@testable import Containers
import Testing

/// Annex-B H.265 (`clip.h265`): access units split at access unit delimiters or by the
/// first-slice rule, VPS/SPS/PPS kept with the IRAP picture they precede.
@Suite struct AnnexBH265ReaderTests {
    let vps: [UInt8] = [0x40, 0x01, 0x0c]
    let sps: [UInt8] = [0x42, 0x01, 0x01]
    let pps: [UInt8] = [0x44, 0x01, 0xc1]
    let idrFirst: [UInt8] = [0x26, 0x01, 0xaf]     // IDR_W_RADL, first_slice_segment_in_pic_flag 1
    let idrSecond: [UInt8] = [0x26, 0x01, 0x20]    // IDR_W_RADL, a later slice segment
    let trailFirst: [UInt8] = [0x02, 0x01, 0xd0]   // TRAIL_R, first slice segment
    let trailSecond: [UInt8] = [0x02, 0x01, 0x40]

    @Test func firstSliceRuleAndParameterSets() throws {
        let sc: [UInt8] = [0, 0, 0, 1]
        var stream = sc + vps + sc + sps + sc + pps + sc + idrFirst + sc + idrSecond
        stream += sc + trailFirst + sc + trailSecond + sc + vps + sc + sps + sc + pps + sc + idrFirst
        var reader = AnnexBReader(stream, syntax: .h265)
        let units = try reader.readAll()
        #expect(units == [
            AccessUnit(payloads: [vps, sps, pps, idrFirst, idrSecond], rtpTimestamp: 0, isKeyframe: true),
            AccessUnit(payloads: [trailFirst, trailSecond], rtpTimestamp: 3000, isKeyframe: false),
            AccessUnit(payloads: [vps, sps, pps, idrFirst], rtpTimestamp: 6000, isKeyframe: true),
        ])
    }

    @Test func delimitersStartUnits() throws {
        let aud: [UInt8] = [0x46, 0x01, 0x50]
        let sc: [UInt8] = [0, 0, 1]
        let stream = sc + aud + sc + trailFirst + sc + aud + sc + trailSecond
        var reader = AnnexBReader(stream, syntax: .h265)
        #expect(try reader.readAll().map(\.payloads.count) == [2, 2])
    }

    @Test func x265Fixtures() throws {
        // x265, keyint 3, 6 frames: without and with AUDs (two slices per picture).
        for name in ["tiny.h265", "tiny-aud.h265"] {
            var reader = AnnexBReader(try Fixtures.fixture(name), syntax: .h265)
            let units = try reader.readAll()
            #expect(units.count == 6, "\(name)")
            #expect(units.map(\.isKeyframe) == [true, false, false, true, false, false], "\(name)")
            let types = units[0].payloads.map { H265.nalType($0[0]) }
            #expect(types.contains(H265.vps) && types.contains(H265.sps) && types.contains(H265.pps), "\(name)")
            #expect(units.allSatisfy { $0.payloads.contains { H265.isVCL(H265.nalType($0[0])) } }, "\(name)")
            if name == "tiny-aud.h265" {
                #expect(units.allSatisfy { H265.nalType($0.payloads[0][0]) == H265.accessUnitDelimiter })
                #expect(units.allSatisfy { $0.payloads.filter { H265.isVCL(H265.nalType($0[0])) }.count == 2 })
            }
        }
    }

    @Test func nalUnitCapAtTheLimitAndOnePast() throws {
        let sc: [UInt8] = [0, 0, 1]
        let stream = sc + vps + sc + sps + sc + pps + sc + idrFirst
        var atCap = AnnexBReader(stream, syntax: .h265, limits: .init(maxNALUnitsPerAccessUnit: 4))
        #expect(try atCap.readAll().count == 1)
        var pastCap = AnnexBReader(stream, syntax: .h265, limits: .init(maxNALUnitsPerAccessUnit: 3))
        #expect(throws: ContainerError.limitExceeded(field: "NAL units in access unit 0", value: 4, limit: 3)) {
            try pastCap.readAll()
        }
    }
}
