import Testing
@testable import Codecs

/// SPS and PPS of the demo clip (x264, Constrained Baseline 640x360, frame cropping 368 -> 360),
/// taken from Sources/Runtime/Demo/demo.h264; the SPS contains two emulation-prevention bytes.
let demoSPS = hexBytes("6742c01ed900a02ff970110000030001000003003c8f162e48")
let demoPPS = hexBytes("68cb8cb2")
/// SPS of `ffmpeg -f lavfi -i testsrc2=size=1920x1080 -c:v libx264 -profile:v high` (1088 -> 1080).
let highSPS = hexBytes("67640028acd940780227e5c044000003000400000300f03c60c658")

@Suite struct H264Tests {
    @Test func nalTypeIsLowFiveBits() {
        #expect(H264.nalType(0x67) == 7)
        #expect(H264.nalType(0x65) == 5)
        #expect(H264.nalType(0x7c) == 28)
        #expect(H264.isVCL(1) && H264.isVCL(5) && !H264.isVCL(6))
    }

    @Test func parsesBaselineSPSWithCropping() throws {
        let sps = try H264.SequenceParameterSet(nalUnit: demoSPS[...])
        #expect(sps.profileIDC == 66)
        #expect(sps.constraintFlags == 0xc0)
        #expect(sps.levelIDC == 30)
        #expect(sps.picWidthInMBs == 40)
        #expect(sps.frameHeightInMBs == 23)
        #expect(sps.cropBottom == 4)
        #expect(sps.width == 640)
        #expect(sps.height == 360)
        #expect(H264.profileLevelID(sps: demoSPS) == "42c01e")
    }

    @Test func parsesHighProfileSPS() throws {
        let sps = try H264.SequenceParameterSet(nalUnit: highSPS[...])
        #expect(sps.profileIDC == 100)
        #expect(sps.levelIDC == 40)
        #expect(sps.chromaFormatIDC == 1)
        #expect(sps.bitDepthLuma == 8)
        #expect(sps.width == 1920)
        #expect(sps.height == 1080)
    }

    @Test func spsRejectsWrongTypeAndTruncation() {
        #expect(throws: CodecParseError.invalidValue(field: "nal_unit_type", value: 8)) {
            try H264.SequenceParameterSet(nalUnit: demoPPS[...])
        }
        for length in 0..<9 {  // the crop fields end in byte 9
            #expect(throws: CodecParseError.self) { try H264.SequenceParameterSet(nalUnit: demoSPS.prefix(length)) }
        }
    }

    @Test func spsDimensionCap() {
        // Baseline SPS: profile 66, level 30, then ue fields. pic_width_in_mbs_minus1 = 1024.
        // Bits: sps_id=0 '1', log2_max_frame_num=0 '1', poc_type=2 '011', max_ref=1 '010',
        // gaps '0', width_minus1=1024 '00000000001 0000000001'...
        var bits = "1" + "1" + "011" + "010" + "0"
        bits += String(repeating: "0", count: 10) + "1" + "0000000001"   // ue 1024
        bits += "1" + "1" + "1" + "0" + "1"                               // height 0, frame_mbs_only, direct, no crop, stop
        while bits.count % 8 != 0 { bits += "0" }
        var nal: [UInt8] = [0x67, 66, 0, 30]
        var index = bits.startIndex
        while index < bits.endIndex {
            let next = bits.index(index, offsetBy: 8)
            nal.append(UInt8(bits[index..<next], radix: 2) ?? 0)
            index = next
        }
        #expect(throws: CodecParseError.limitExceeded(field: "pic_width_in_mbs", value: 1025, limit: 1024)) {
            try H264.SequenceParameterSet(nalUnit: nal[...])
        }
    }

    @Test func removesEmulationPrevention() {
        #expect(H264.removeEmulationPrevention([0, 0, 3, 1, 0, 0, 3, 0, 0, 3][...]) == [0, 0, 1, 0, 0, 0, 0])
        #expect(H264.removeEmulationPrevention([0, 3, 0, 0, 4][...]) == [0, 3, 0, 0, 4])
    }

    @Test func firstMBInSlice() {
        #expect(H264.firstMBInSlice([0x65, 0x88, 0x84][...]) == 0)   // '1' -> 0
        #expect(H264.firstMBInSlice([0x41, 0x40][...]) == 1)         // '010' -> 1
        // 23 zero bits, a one, 23 one bits: only decodes right once 00 00 03 loses its 03.
        #expect(H264.firstMBInSlice([0x41, 0x00, 0x00, 0x03, 0x01, 0xff, 0xff, 0xff][...]) == 16_777_214)
        #expect(H264.firstMBInSlice([0x67, 0x80][...]) == nil)       // not a slice
        #expect(H264.firstMBInSlice([0x41][...]) == nil)             // no slice header
    }

    @Test func spropParameterSetsRoundTrip() {
        let value = "Z0LAHtkAoC/5cBEAAAMAAQAAAwA8jxYuSA==,aMuMsg=="
        let sets = H264.parseSpropParameterSets(value)
        #expect(sets == [demoSPS, demoPPS])
        #expect(H264.spropParameterSets(sets) == value)
        #expect(H264.parseSpropParameterSets("!!!,aMuMsg==,") == [demoPPS])
        #expect(H264.parseSpropParameterSets("") == [])
    }

    @Test func keyframePacketDetection() {
        #expect(H264.isKeyframePacket(payload: [0x65, 0x88][...]))                        // IDR single NAL
        #expect(H264.isKeyframePacket(payload: demoSPS[...]))
        #expect(!H264.isKeyframePacket(payload: [0x41, 0x9a][...]))                       // non-IDR
        #expect(!H264.isKeyframePacket(payload: demoPPS[...]))
        #expect(H264.isKeyframePacket(payload: [0x7c, 0x85, 0x88][...]))                 // FU-A start, IDR
        #expect(!H264.isKeyframePacket(payload: [0x7c, 0x05, 0x88][...]))                // FU-A middle
        #expect(!H264.isKeyframePacket(payload: [0x7c, 0x81, 0x88][...]))                // FU-A start, non-IDR
        #expect(H264.isKeyframePacket(payload: [0x78, 0x00, 0x02, 0x09, 0xf0, 0x00, 0x02, 0x67, 0x42][...]))
        #expect(!H264.isKeyframePacket(payload: [0x78, 0x00, 0x09, 0x67][...]))          // STAP-A size overruns
        #expect(!H264.isKeyframePacket(payload: [][...]))
        #expect(!H264.isKeyframePacket(payload: [0x7c][...]))
    }
}
