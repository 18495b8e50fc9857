import RTCBase
import Testing
@testable import RTP

@Suite struct RTCPReportTests {
    /// A compound RR + SDES + BYE + PLI + RRR + APP captured from Firefox (bytes as published in
    /// pion/rtcp's packet_test.go "realPacket").
    static let firefoxCompound = hex("""
        81 c9 00 07 90 2f 9e 2e bc 5e 9a 40 00 00 00 00 00 00 46 e1 00 00 01 11 09 f3 64 32 00 02 4a 79
        81 ca 00 0c 90 2f 9e 2e 01 26 7b 39 63 30 30 65 62 39 32 2d 31 61 66 62 2d 39 64 34 39 2d 61 34
        37 64 2d 39 31 66 36 34 65 65 65 36 39 66 35 7d 00 00 00 00
        81 cb 00 01 90 2f 9e 2e
        81 ce 00 02 90 2f 9e 2e 90 2f 9e 2e
        85 cd 00 02 90 2f 9e 2e 90 2f 9e 2e
        80 cc 00 03 4b aa e1 ab 4e 41 4d 45 41 42 43 44
        """)

    @Test func parsesFirefoxCompoundAndReserializesIdentically() throws {
        let packets = try RTCPCompound.parse(Self.firefoxCompound)
        let block = RTCPReceptionReport(ssrc: 0xBC5E_9A40, fractionLost: 0, cumulativeLost: 0,
                                        extendedHighestSequence: 0x46E1, jitter: 273,
                                        lastSenderReport: 0x09F3_6432, delaySinceLastSenderReport: 150_137)
        #expect(packets == [
            .receiverReport(RTCPReceiverReport(ssrc: 0x902F_9E2E, reports: [block])),
            .sourceDescription(RTCPSourceDescription(cname: "{9c00eb92-1afb-9d49-a47d-91f64eee69f5}", ssrc: 0x902F_9E2E)),
            .bye(RTCPBye(ssrcs: [0x902F_9E2E])),
            .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 0x902F_9E2E, mediaSSRC: 0x902F_9E2E)),
            .unknown(packetType: 205, format: 5, bytes: hex("90 2f 9e 2e 90 2f 9e 2e")),
            .unknown(packetType: 204, format: 0, bytes: hex("4b aa e1 ab 4e 41 4d 45 41 42 43 44")),
        ])
        #expect(RTCPCompound.serialize(packets) == Self.firefoxCompound)
    }

    /// SR (no blocks) + SDES CNAME as sent by a real endpoint (pion/rtcp issue #447 capture).
    static let senderReportCompound = hex("""
        80 c8 00 06 2b 7e c0 c5 e0 20 a2 a9 52 a5 3f c0 2e 48 a5 52 00 00 00 46 00 00 12 1d
        81 ca 00 06 2b 7e c0 c5 01 10 4c 63 49 66 7a 58 6f 6e 44 6f 72 64 53 65 57 36 00 00
        """)

    @Test func senderReportWithCNAMEMatchesCapture() throws {
        let sr = RTCPSenderReport(ssrc: 0x2B7E_C0C5, ntpTimestamp: 0xE020_A2A9_52A5_3FC0, rtpTimestamp: 0x2E48_A552,
                                  packetCount: 70, octetCount: 4637)
        let sdes = RTCPSourceDescription(cname: "LcIfzXonDordSeW6", ssrc: 0x2B7E_C0C5)
        #expect(RTCPCompound.serialize([.senderReport(sr), .sourceDescription(sdes)]) == Self.senderReportCompound)
        #expect(try RTCPCompound.parse(Self.senderReportCompound) == [.senderReport(sr), .sourceDescription(sdes)])
        #expect(sdes.cname(for: 0x2B7E_C0C5) == "LcIfzXonDordSeW6")
        #expect(sdes.cname(for: 1) == nil)
    }

    // RFC 3550 §6.4.1 layout, one report block with negative cumulative loss (duplicates).
    @Test func senderReportWithBlockByteExact() throws {
        let bytes = hex("""
            81 c8 00 0c 90 2f 9e 2e da 8b d1 fc dd dd a0 5a aa f4 ed d5 00 00 00 01 00 00 00 02
            bc 5e 9a 40 19 ff ff fe 00 01 46 e1 00 00 01 11 09 f3 64 32 00 02 4a 79
            """)
        let sr = RTCPSenderReport(
            ssrc: 0x902F_9E2E, ntpTimestamp: 0xDA8B_D1FC_DDDD_A05A, rtpTimestamp: 0xAAF4_EDD5, packetCount: 1, octetCount: 2,
            reports: [RTCPReceptionReport(ssrc: 0xBC5E_9A40, fractionLost: 25, cumulativeLost: -2,
                                          extendedHighestSequence: 0x1_46E1, jitter: 273,
                                          lastSenderReport: 0x09F3_6432, delaySinceLastSenderReport: 150_137)])
        #expect(try RTCPCompound.parse(bytes) == [.senderReport(sr)])
        #expect(RTCPCompound.serialize([.senderReport(sr)]) == bytes)
    }

    @Test func cumulativeLostClampsToTwentyFourBits() throws {
        let rr = RTCPReceiverReport(ssrc: 1, reports: [
            RTCPReceptionReport(ssrc: 2, cumulativeLost: 10_000_000), RTCPReceptionReport(ssrc: 3, cumulativeLost: -10_000_000),
        ])
        let bytes = RTCPCompound.serialize([.receiverReport(rr)])
        #expect(Array(bytes[13..<16]) == [0x7F, 0xFF, 0xFF])
        #expect(Array(bytes[37..<40]) == [0x80, 0x00, 0x00])
        guard case .receiverReport(let parsed) = try RTCPCompound.parse(bytes).first else {
            Issue.record("not an RR")
            return
        }
        #expect(parsed.reports.map(\.cumulativeLost) == [0x7F_FFFF, -0x80_0000])
    }

    @Test func emptyReceiverReportIsEightBytes() throws {
        let bytes = RTCPCompound.serialize([.receiverReport(RTCPReceiverReport(ssrc: 0xABCD_EF01))])
        #expect(bytes == hex("80 c9 00 01 ab cd ef 01"))
        #expect(try RTCPCompound.parse(bytes) == [.receiverReport(RTCPReceiverReport(ssrc: 0xABCD_EF01))])
    }

    // RFC 3550 §6.4.2: more than 31 blocks continue in further RR packets.
    @Test func moreThanThirtyOneBlocksSplit() throws {
        let blocks = (0..<40).map { RTCPReceptionReport(ssrc: UInt32($0), jitter: UInt32($0)) }
        let sr = RTCPSenderReport(ssrc: 9, ntpTimestamp: 1, rtpTimestamp: 2, packetCount: 3, octetCount: 4, reports: blocks)
        let bytes = RTCPCompound.serialize([.senderReport(sr)])
        #expect(bytes[0] == 0x9F)  // RC = 31
        #expect(bytes.count == 28 + 31 * 24 + 8 + 9 * 24)
        let parsed = try RTCPCompound.parse(bytes)
        var first = sr
        first.reports = Array(blocks.prefix(31))
        #expect(parsed == [.senderReport(first), .receiverReport(RTCPReceiverReport(ssrc: 9, reports: Array(blocks.suffix(9))))])
    }

    @Test func sourceDescriptionItemsAndChunks() throws {
        let sdes = RTCPSourceDescription(chunks: [
            .init(ssrc: 1, items: [.init(type: .cname, text: "a@b"), .init(type: .tool, text: "RTCBridge")]),
            .init(ssrc: 2, items: []),
        ])
        let bytes = RTCPCompound.serialize([.sourceDescription(sdes)])
        // Chunk 1: ssrc, CNAME(3), TOOL(9), null, pad to 24; chunk 2: ssrc + null item + 3 zeros.
        #expect(bytes == hex("""
            82 ca 00 08 00 00 00 01 01 03 61 40 62 06 09 52 54 43 42 72 69 64 67 65 00 00 00 00
            00 00 00 02 00 00 00 00
            """))
        #expect(try RTCPCompound.parse(bytes) == [.sourceDescription(sdes)])
    }

    // RFC 3550 §6.6: BYE with a reason string, padded to 32 bits.
    @Test func byeWithReason() throws {
        let bye = RTCPBye(ssrcs: [0x1234_5678], reason: "camera")
        let bytes = hex("81 cb 00 03 12 34 56 78 06 63 61 6d 65 72 61 00")
        #expect(RTCPCompound.serialize([.bye(bye)]) == bytes)
        #expect(try RTCPCompound.parse(bytes) == [.bye(bye)])
        #expect(try RTCPCompound.parse(hex("80 cb 00 00")) == [.bye(RTCPBye(ssrcs: []))])
    }

    @Test func roundTripTimeFromReceptionReport() {
        // Sent SR at NTP middle 0x0001_0000 (1 s); receiver held it 0.25 s; reply arrives at 1.5 s.
        let block = RTCPReceptionReport(ssrc: 1, lastSenderReport: 0x0001_0000, delaySinceLastSenderReport: 0x4000)
        let arrival = NTPTimestamp(seconds: 1, fraction: 0x8000_0000)
        #expect(block.roundTripTime(arrival: arrival) == .milliseconds(250))
        #expect(RTCPReceptionReport(ssrc: 1).roundTripTime(arrival: arrival) == nil)
        let early = NTPTimestamp(seconds: 1, fraction: 0)
        #expect(block.roundTripTime(arrival: early) == nil)
    }
}
