import Testing
@testable import RTP

/// Inputs found by Fuzz/FuzzRTP (see Fuzz/README.md), kept so the bugs stay fixed.
@Suite struct RTCPFuzzRegressionTests {
    /// The text octets of the first BYE reason or SDES item in `bytes` (length octet at `offset`).
    static func wireText(_ bytes: [UInt8], lengthAt offset: Int) -> [UInt8] {
        Array(bytes[(offset + 1)..<(offset + 1 + Int(bytes[offset]))])
    }

    /// Found by FuzzRTP: a BYE reason of invalid UTF-8 decodes with U+FFFD (3 bytes per bad
    /// byte) and grew past 255 bytes; the writer cut it inside a scalar, sending invalid UTF-8.
    /// RFC 3550 §6.6: the reason is UTF-8 text of at most 255 octets.
    @Test func byeReasonFromInvalidUTF8IsCutAtAScalarBoundary() throws {
        // BYE, no SSRC, reason "a" + 100 × 0xFF, padded to 32 bits (1 + 1 + 100 + 2 = 104 bytes).
        let input: [UInt8] = [0x80, 0xcb, 0x00, 0x1a, 0x65, 0x61] + Array(repeating: 0xff, count: 100) + [0, 0]
        let parsed = try RTCPCompound.parse(input)
        guard case .bye(let bye) = parsed.first else { Issue.record("not a BYE: \(parsed)"); return }
        #expect(bye.reason?.utf8.count == 1 + 300)

        let written = RTCPCompound.serialize(parsed)
        let text = Self.wireText(written, lengthAt: 4)
        #expect(text.count == 1 + 84 * 3)  // "a" and the 84 whole U+FFFD that fit in 255 bytes
        #expect(String(validating: text, as: UTF8.self) != nil)
        let again = try RTCPCompound.parse(written)
        #expect(again == [.bye(RTCPBye(ssrcs: [], reason: "a" + String(repeating: "\u{FFFD}", count: 84)))])
        #expect(RTCPCompound.serialize(again) == written)
    }

    /// The same cut applied to a valid reason: 254 ASCII bytes and "é" (2 bytes) keep the 254.
    @Test func byeReasonOverTheLimitDropsTheScalarThatDoesNotFit() throws {
        let ascii = String(repeating: "x", count: 254)
        let written = RTCPPacket.bye(RTCPBye(ssrcs: [7], reason: ascii + "é")).serialized()
        #expect(Self.wireText(written, lengthAt: 8) == Array(ascii.utf8))
        #expect(try RTCPCompound.parse(written) == [.bye(RTCPBye(ssrcs: [7], reason: ascii))])
        // Exactly 255 bytes still fit whole.
        let full = RTCPBye(ssrcs: [7], reason: String(repeating: "x", count: 253) + "é")
        #expect(try RTCPCompound.parse(RTCPPacket.bye(full).serialized()) == [.bye(full)])
    }

    /// SDES items share the writer: a CNAME of 254 ASCII bytes and "€" (3 bytes) keeps the 254.
    @Test func sourceDescriptionTextIsCutAtAScalarBoundary() throws {
        let ascii = String(repeating: "c", count: 254)
        let written = RTCPPacket.sourceDescription(RTCPSourceDescription(cname: ascii + "€", ssrc: 9)).serialized()
        #expect(Self.wireText(written, lengthAt: 9) == Array(ascii.utf8))
        #expect(try RTCPCompound.parse(written) == [.sourceDescription(RTCPSourceDescription(cname: ascii, ssrc: 9))])
    }
}
