import RTCBase
import STUN
import Testing

/// Truncated, garbage and over-limit inputs throw typed errors and never trap (RFC 8489 §6, §14).
@Suite struct STUNMalformedTests {
    @Test(arguments: [RFC5769.request, RFC5769.ipv4Response, RFC5769.ipv6Response, RFC5769.longTermRequest])
    func everyTruncationThrows(vector: [UInt8]) {
        for length in 0..<vector.count {
            #expect(throws: STUNParseError.self, "prefix \(length)") {
                try STUNMessage(parsing: vector[0..<length])
            }
            #expect(!STUNMessage.verifyFingerprint(vector[0..<length]))
            #expect(!STUNMessage.verifyMessageIntegrity(vector[0..<length], key: []))
        }
    }

    @Test func headerErrorsAreSpecific() {
        #expect(throws: STUNParseError.tooShort(length: 19)) { try STUNMessage(parsing: Array(RFC5769.request.prefix(19))) }
        var topBits = RFC5769.request
        topBits[0] = 0x80
        #expect(throws: STUNParseError.notSTUN(firstByte: 0x80)) { try STUNMessage(parsing: topBits) }
        var cookie = RFC5769.request
        cookie[4] = 0x20
        #expect(throws: STUNParseError.badMagicCookie(0x2012_a442)) { try STUNMessage(parsing: cookie) }
        var longer = RFC5769.request
        longer.append(contentsOf: [0, 0, 0, 0])
        #expect(throws: STUNParseError.lengthMismatch(declared: 88, available: 92)) { try STUNMessage(parsing: longer) }
        var unaligned = Array(RFC5769.request.prefix(22))
        fixLength(&unaligned)
        #expect(throws: STUNParseError.lengthMismatch(declared: 2, available: 2)) { try STUNMessage(parsing: unaligned) }
    }

    @Test func attributeRunningPastTheEndThrows() {
        // Cut the request inside USERNAME (which starts at offset 60) and fix the header length.
        var cut = Array(RFC5769.request.prefix(68))
        fixLength(&cut)
        #expect(throws: STUNParseError.attributeTruncated(type: 0x0006)) { try STUNMessage(parsing: cut) }
        #expect(STUNMessage.username(in: cut[...]) == nil)
        // Declared length not counting the padding also runs past the end.
        var unpadded = header(type: 0x0001) + [0x80, 0x22, 0x00, 0x01, 0x61, 0x00, 0x00]
        fixLength(&unpadded)
        #expect(throws: STUNParseError.self) { try STUNMessage(parsing: unpadded) }
    }

    @Test func seededGarbageNeverTraps() {
        var random = SeededBytes(seed: 0x5354_554e)
        var parsed = 0
        for round in 0..<2000 {
            var bytes = random.bytes(Int(random.next() % 120))
            if round % 2 == 0, bytes.count >= 20 {
                // Make half of them look like STUN so that the attribute walk gets exercised.
                bytes.replaceSubrange(0..<8, with: [0x00, 0x01, 0, 0, 0x21, 0x12, 0xa4, 0x42])
                bytes.removeLast(bytes.count % 4)
                fixLength(&bytes)
            }
            if (try? STUNMessage(parsing: bytes)) != nil { parsed += 1 }
            _ = STUNMessage.verifyFingerprint(bytes[...])
            _ = STUNMessage.verifyMessageIntegrity(bytes[...], key: [1, 2, 3])
            _ = STUNMessage.username(in: bytes[...])
        }
        #expect(parsed < 2000)
        #expect(throws: STUNParseError.badMagicCookie(0)) { try STUNMessage(parsing: [UInt8](repeating: 0, count: 64)) }
        #expect(throws: STUNParseError.notSTUN(firstByte: 0xff)) { try STUNMessage(parsing: [UInt8](repeating: 0xff, count: 64)) }
    }

    /// (type, value) pairs with the wrong size or content for their type.
    static let invalidAttributes: [RawAttribute] = [
        RawAttribute(0x0024, [UInt8](repeating: 1, count: 3)), // PRIORITY needs 4
        RawAttribute(0x0025, [1, 2, 3, 4]), // USE-CANDIDATE is empty
        RawAttribute(0x8029, [UInt8](repeating: 1, count: 4)), // ICE-CONTROLLED needs 8
        RawAttribute(0x802a, [UInt8](repeating: 1, count: 12)), // ICE-CONTROLLING needs 8
        RawAttribute(0x0008, [UInt8](repeating: 1, count: 19)), // MESSAGE-INTEGRITY needs 20
        RawAttribute(0x001c, [UInt8](repeating: 1, count: 12)), // MESSAGE-INTEGRITY-SHA256 ≥ 16
        RawAttribute(0x001c, [UInt8](repeating: 1, count: 18)), // … in steps of 4
        RawAttribute(0x8028, [1, 2]), // FINGERPRINT needs 4
        RawAttribute(0x0020, [0, 3, 0, 1, 1, 2, 3, 4]), // family 3
        RawAttribute(0x0020, [0, 1, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8]), // IPv4 family, 8 address bytes
        RawAttribute(0x0001, [0, 2, 0, 1, 1, 2, 3, 4]), // IPv6 family, 4 address bytes
        RawAttribute(0x0009, [0, 0, 7, 1]), // error class 7
        RawAttribute(0x0009, [0, 0, 4, 100]), // error number 100
        RawAttribute(0x0009, [0, 0, 4]), // error code too short
        RawAttribute(0x000a, [0, 1, 2]), // UNKNOWN-ATTRIBUTES odd
        RawAttribute(0x0006, [0x61, 0xff, 0x62]), // USERNAME not UTF-8
        RawAttribute(0x8022, [0xc3]), // SOFTWARE not UTF-8
    ]

    @Test(arguments: invalidAttributes)
    func invalidAttributeValuesThrow(attribute: RawAttribute) {
        let bytes = message(with: [(attribute.type, attribute.value)])
        #expect(throws: STUNParseError.self) { try STUNMessage(parsing: bytes) }
    }

    @Test func fingerprintMustBeLast() throws {
        var bytes = RFC5769.request
        bytes.append(contentsOf: [0x80, 0x22, 0x00, 0x00])
        fixLength(&bytes)
        #expect(throws: STUNParseError.fingerprintNotLast) { try STUNMessage(parsing: bytes) }
        #expect(!STUNMessage.verifyFingerprint(bytes[...]))
    }

    @Test func attributesAfterIntegrityAreIgnored() throws {
        let base = STUNMessage(type: .bindingRequest, transactionID: STUNTransactionID(high: 1, low: 2),
                               attributes: [.username("a:b")])
        var bytes = try base.encoded(integrityKey: [1, 2, 3])
        bytes.append(contentsOf: [0x00, 0x25, 0x00, 0x00]) // USE-CANDIDATE smuggled after the HMAC
        fixLength(&bytes)
        let parsed = try STUNMessage(parsing: bytes)
        #expect(!parsed.hasUseCandidate)
        #expect(parsed.attributes.count == 2)
        // The check still covers only what precedes MESSAGE-INTEGRITY.
        #expect(STUNMessage.verifyMessageIntegrity(bytes[...], key: [1, 2, 3]))
    }

    // MARK: limits at the cap and one past it

    @Test func messageSizeLimit() throws {
        let atCap = STUNLimits(maxMessageSize: RFC5769.request.count)
        #expect(throws: Never.self) { try STUNMessage(parsing: RFC5769.request, limits: atCap) }
        let belowSize = STUNLimits(maxMessageSize: RFC5769.request.count - 1)
        #expect(throws: STUNParseError.messageTooLarge(size: 108, limit: 107)) {
            try STUNMessage(parsing: RFC5769.request, limits: belowSize)
        }
        // Default cap 1500: a 1500-byte message parses, 1504 does not.
        #expect(throws: Never.self) { try STUNMessage(parsing: message(with: [(0x8000, [UInt8](repeating: 7, count: 1476))])) }
        #expect(throws: STUNParseError.messageTooLarge(size: 1504, limit: 1500)) {
            try STUNMessage(parsing: message(with: [(0x8000, [UInt8](repeating: 7, count: 1480))]))
        }
        #expect(STUNLimits().maxMessageSize == 1500)
    }

    @Test func attributeCountLimit() throws {
        let sixtyFour = message(with: Array(repeating: (0x8000, [1]), count: 64))
        #expect(try STUNMessage(parsing: sixtyFour).attributes.count == 64)
        let sixtyFive = message(with: Array(repeating: (0x8000, [1]), count: 65))
        #expect(throws: STUNParseError.tooManyAttributes(limit: 64)) { try STUNMessage(parsing: sixtyFive) }
        #expect(throws: STUNParseError.tooManyAttributes(limit: 3)) {
            try STUNMessage(parsing: message(with: Array(repeating: (0x8000, []), count: 4)), limits: STUNLimits(maxAttributes: 3))
        }
    }

    @Test func usernameLengthLimit() throws {
        let atCap = [UInt8](repeating: 0x61, count: 508)
        #expect(try STUNMessage(parsing: message(with: [(0x0006, atCap)])).username?.utf8.count == 508)
        #expect(STUNMessage.username(in: message(with: [(0x0006, atCap)])[...])?.utf8.count == 508)
        let overCap = [UInt8](repeating: 0x61, count: 509)
        #expect(throws: STUNParseError.usernameTooLong(length: 509, limit: 508)) {
            try STUNMessage(parsing: message(with: [(0x0006, overCap)]))
        }
        #expect(STUNMessage.username(in: message(with: [(0x0006, overCap)])[...]) == nil)
    }

    @Test func errorsDescribeThemselves() {
        #expect(STUNParseError.tooManyAttributes(limit: 64).description == "STUN message has more than 64 attributes")
        #expect(STUNParseError.badMagicCookie(0x1234).description == "bad STUN magic cookie 0x1234")
        #expect(STUNEncodingError.messageTooLong(length: 70000).description == "STUN message body of 70000 bytes exceeds 65535")
    }

    @Test func oversizedAttributeCannotBeEncoded() {
        let message = STUNMessage(type: .bindingIndication, transactionID: STUNTransactionID(high: 0, low: 0),
                                  attributes: [.other(type: 0x8001, value: [UInt8](repeating: 0, count: 65536))])
        #expect(throws: STUNEncodingError.attributeTooLong(type: 0x8001, length: 65536)) { try message.encoded() }
        let tooMany = STUNMessage(type: .bindingIndication, transactionID: STUNTransactionID(high: 0, low: 0),
                                  attributes: Array(repeating: .other(type: 0x8001, value: [UInt8](repeating: 0, count: 40000)), count: 2))
        #expect(throws: STUNEncodingError.messageTooLong(length: 80008)) { try tooMany.encoded() }
    }
}

/// A 20-byte Binding header with a fixed transaction id and a zero length.
func header(type: UInt16) -> [UInt8] {
    [UInt8(type >> 8), UInt8(type & 0xff), 0, 0, 0x21, 0x12, 0xa4, 0x42] + [UInt8](repeating: 0xab, count: 12)
}

/// A Binding request with raw (type, value) attributes, zero-padded, length field set.
func message(with attributes: [(UInt16, [UInt8])]) -> [UInt8] {
    var bytes = header(type: 0x0001)
    for (type, value) in attributes {
        bytes += [UInt8(type >> 8), UInt8(type & 0xff), UInt8(value.count >> 8), UInt8(value.count & 0xff)]
        bytes += value
        bytes += [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
    }
    fixLength(&bytes)
    return bytes
}

/// One attribute as raw type and value, for parameterized tests.
struct RawAttribute: Sendable, CustomTestStringConvertible {
    var type: UInt16
    var value: [UInt8]
    init(_ type: UInt16, _ value: [UInt8]) { self.type = type; self.value = value }
    var testDescription: String { "0x\(String(type, radix: 16)) \(value)" }
}
