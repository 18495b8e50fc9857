import RTCBase
import Testing
@testable import RTP

@Suite struct RTCPFeedbackTests {
    // RFC 4585 §6.2.1: PID 100 with BLP bits 0, 2 and 15 → 100, 101, 103, 116.
    @Test func genericNACKByteExact() throws {
        let bytes = hex("81 cd 00 03 00 00 00 01 00 00 00 02 00 64 80 05")
        let nack = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: [100, 101, 103, 116])
        #expect(RTCPCompound.serialize([.genericNACK(nack)]) == bytes)
        #expect(try RTCPCompound.parse(bytes) == [.genericNACK(nack)])
    }

    @Test func genericNACKPacksAcrossWrapAndSplitsFarNumbers() throws {
        let nack = RTCPGenericNACK(senderSSRC: 1, mediaSSRC: 2, lostSequenceNumbers: [65535, 0, 1, 17, 40])
        let bytes = RTCPCompound.serialize([.genericNACK(nack)])
        #expect(bytes == hex("81 cd 00 05 00 00 00 01 00 00 00 02 ff ff 00 03 00 11 00 00 00 28 00 00"))
        #expect(try RTCPCompound.parse(bytes) == [.genericNACK(nack)])
    }

    @Test func genericNACKAtItemCapAndOnePast() throws {
        var limits = RTCPLimits()
        #expect(limits.maxNACKItems == 256)
        func nack(items: Int) -> [UInt8] {
            var bytes: [UInt8] = [0x81, 0xCD]
            bytes.appendUInt16(UInt16(2 + items))
            bytes += hex("00 00 00 01 00 00 00 02")
            for item in 0..<items { bytes.appendUInt16(UInt16(item * 32)); bytes.appendUInt16(0x0001) }
            return bytes
        }
        let atCap = try RTCPCompound.parse(nack(items: 256), limits: limits)
        guard case .genericNACK(let parsed) = atCap.first else {
            Issue.record("not a NACK")
            return
        }
        #expect(parsed.lostSequenceNumbers.count == 512)
        #expect(throws: RTCPParseError.limitExceeded(.nackItems, cap: 256)) {
            try RTCPCompound.parse(nack(items: 257), limits: limits)
        }
        limits.maxNACKItems = 1
        #expect(throws: RTCPParseError.limitExceeded(.nackItems, cap: 1)) {
            try RTCPCompound.parse(nack(items: 2), limits: limits)
        }
    }

    @Test func genericNACKRejectsMissingOrRaggedFCI() {
        #expect(throws: RTCPParseError.invalidField("NACK without FCI entries")) {
            try RTCPCompound.parse(hex("81 cd 00 02 00 00 00 01 00 00 00 02"))
        }
        #expect(throws: RTCPParseError.self) {
            try RTCPCompound.parse(hex("a1 cd 00 03 00 00 00 01 00 00 00 02 00 64 00 02"))
        }
    }

    // RFC 4585 §6.3.1 PLI; alone in a datagram it is reduced-size RTCP (RFC 5506 §3).
    @Test func lonePictureLossIndication() throws {
        let bytes = hex("81 ce 00 02 aa aa aa aa bb bb bb bb")
        let pli = RTCPPictureLossIndication(senderSSRC: 0xAAAA_AAAA, mediaSSRC: 0xBBBB_BBBB)
        #expect(try RTCPCompound.parse(bytes) == [.pictureLossIndication(pli)])
        #expect(RTCPCompound.serialize([.pictureLossIndication(pli)]) == bytes)
        #expect(RTCPPacket.pictureLossIndication(pli).serialized() == bytes)
        #expect(throws: RTCPParseError.truncated) { try RTCPCompound.parse(hex("81 ce 00 01 aa aa aa aa")) }
    }

    // RFC 5104 §4.3.1 FIR: media SSRC 0, FCI = SSRC + seq nr + 3 reserved bytes.
    @Test func fullIntraRequestByteExact() throws {
        let bytes = hex("84 ce 00 06 00 00 00 01 00 00 00 00 12 34 56 78 05 00 00 00 9a bc de f0 ff 00 00 00")
        let fir = RTCPFullIntraRequest(senderSSRC: 1, entries: [.init(ssrc: 0x1234_5678, sequenceNumber: 5),
                                                                 .init(ssrc: 0x9ABC_DEF0, sequenceNumber: 255)])
        #expect(RTCPCompound.serialize([.fullIntraRequest(fir)]) == bytes)
        #expect(try RTCPCompound.parse(bytes) == [.fullIntraRequest(fir)])
        var limits = RTCPLimits()
        limits.maxFIREntries = 2
        #expect(try RTCPCompound.parse(bytes, limits: limits).count == 1)
        limits.maxFIREntries = 1
        #expect(throws: RTCPParseError.limitExceeded(.firEntries, cap: 1)) { try RTCPCompound.parse(bytes, limits: limits) }
        #expect(throws: RTCPParseError.self) { try RTCPCompound.parse(hex("84 ce 00 03 00 00 00 01 00 00 00 00 12 34 56 78")) }
    }

    /// REMB sent by Chrome while receiving a 6 Mb/s stream (as published in pion/rtcp's
    /// receiver_estimated_maximum_bitrate_test.go): exponent 6, mantissa 139487 → 8 927 168 b/s.
    @Test func rembFromChrome() throws {
        let bytes = hex("8f ce 00 05 00 00 00 01 00 00 00 00 52 45 4d 42 01 1a 20 df 48 74 ed 16")
        let remb = RTCPREMB(senderSSRC: 1, bitrate: 8_927_168, ssrcs: [1_215_622_422])
        #expect(try RTCPCompound.parse(bytes) == [.remb(remb)])
        #expect(RTCPCompound.serialize([.remb(remb)]) == bytes)
        // One bit/s less loses the mantissa's low bit: 139486 << 6.
        let lower = RTCPREMB(senderSSRC: 1, bitrate: 8_927_167, ssrcs: [])
        #expect(lower.encodedBitrate.exponent == 6)
        #expect(lower.encodedBitrate.mantissa == 139_486)
    }

    @Test func rembSaturatesAndCapsSSRCs() throws {
        let huge = hex("8f ce 00 04 00 00 00 00 00 00 00 00 52 45 4d 42 00 ff ff ff")
        #expect(try RTCPCompound.parse(huge) == [.remb(RTCPREMB(senderSSRC: 0, bitrate: .max, ssrcs: []))])
        #expect(RTCPREMB(senderSSRC: 0, bitrate: .max, ssrcs: []).encodedBitrate == (exponent: 46, mantissa: 0x3_FFFF))
        var limits = RTCPLimits()
        limits.maxREMBSSRCs = 0
        #expect(throws: RTCPParseError.limitExceeded(.rembSSRCs, cap: 0)) {
            try RTCPCompound.parse(hex("8f ce 00 05 00 00 00 01 00 00 00 00 52 45 4d 42 01 1a 20 df 48 74 ed 16"), limits: limits)
        }
        // SSRC count says 2, only one listed.
        #expect(throws: RTCPParseError.truncated) {
            try RTCPCompound.parse(hex("8f ce 00 05 00 00 00 01 00 00 00 00 52 45 4d 42 02 1a 20 df 48 74 ed 16"))
        }
    }

    @Test func applicationLayerFeedbackWithoutREMBTagIsUnknown() throws {
        let bytes = hex("8f ce 00 03 00 00 00 01 00 00 00 00 41 42 43 44")
        #expect(try RTCPCompound.parse(bytes) == [.unknown(packetType: 206, format: 15, bytes: Array(bytes[4...]))])
    }

    @Test func unknownPacketPadsOnSerialize() {
        let packet = RTCPPacket.unknown(packetType: 207, format: 0, bytes: [1, 2, 3, 4, 5])
        #expect(packet.serialized() == hex("80 cf 00 02 01 02 03 04 05 00 00 00"))
    }
}
