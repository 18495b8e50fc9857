import RTCBase
import STUN
import Testing

/// encode → parse round trips for every modelled attribute (RFC 8489 §14, RFC 8445 §7.1).
@Suite struct STUNRoundTripTests {
    static let v4 = TransportAddress(host: "203.0.113.9", port: 50_000)
    static let v6 = TransportAddress(host: "2001:db8::42", port: 3478)

    @Test func everyAttributeRoundTripsWithIntegrityAndFingerprint() throws {
        let v4 = try #require(Self.v4)
        let v6 = try #require(Self.v6)
        let attributes: [STUNAttribute] = [
            .mappedAddress(v4),
            .mappedAddress(v6),
            .xorMappedAddress(v4),
            .xorMappedAddress(v6),
            .username("remote:local"),
            .errorCode(try #require(STUNErrorCode(code: 487, reason: "Role Conflict"))),
            .unknownAttributes([0x0031, 0x0032, 0x0033]),
            .software("RTCBridge"),
            .priority(0x6e7f_1eff),
            .useCandidate,
            .iceControlled(tieBreaker: 0x0102_0304_0506_0708),
            .iceControlling(tieBreaker: 0xffff_ffff_ffff_fffe),
            .other(type: 0xc057, value: [0, 1, 0, 0x0a, 9]),
            .other(type: 0x7fff, value: []),
        ]
        let message = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: attributes)
        let key = STUNMessage.shortTermKey(password: "0123456789abcdefghijkl")
        let bytes = try message.encoded(integrityKey: key, addFingerprint: true)
        #expect(bytes.count % 4 == 0)
        let parsed = try STUNMessage(parsing: bytes)
        #expect(parsed.type == message.type)
        #expect(parsed.transactionID == message.transactionID)
        #expect(Array(parsed.attributes.dropLast(2)) == attributes)
        #expect(parsed.fingerprint != nil)
        #expect(parsed.messageIntegrity?.count == 20)
        #expect(STUNMessage.verifyMessageIntegrity(bytes[...], key: key))
        #expect(STUNMessage.verifyFingerprint(bytes[...]))
        #expect(parsed.unknownComprehensionRequiredTypes == [0x7fff])
        // Re-encoding the parsed message verbatim gives the same bytes.
        #expect(try parsed.encoded() == bytes)
    }

    @Test func messageIntegritySHA256IsParsedButNotComputed() throws {
        let mac = [UInt8](repeating: 0x5a, count: 32)
        let message = STUNMessage(type: .bindingRequest, transactionID: STUNTransactionID(high: 7, low: 8),
                                  attributes: [.username("a:b"), .messageIntegritySHA256(mac)])
        let bytes = try message.encoded(addFingerprint: true)
        let parsed = try STUNMessage(parsing: bytes)
        #expect(parsed.attributes == [.username("a:b"), .messageIntegritySHA256(mac), .fingerprint(try #require(parsed.fingerprint))])
        #expect(STUNMessage.verifyFingerprint(bytes[...]))
        #expect(!STUNMessage.verifyMessageIntegrity(bytes[...], key: [1]))
    }

    @Test func errorCodeWireFormat() throws {
        let message = STUNMessage(type: .bindingError, transactionID: STUNTransactionID(high: 0, low: 0),
                                  attributes: [.errorCode(.unknownAttribute), .unknownAttributes([0x0031])])
        let bytes = try message.encoded()
        // 0x0111 error response; ERROR-CODE 0x0009 len 21: 00 00 04 14 "Unknown Attribute" + 3 padding.
        #expect(Array(bytes[0..<2]) == [0x01, 0x11])
        #expect(Array(bytes[20..<28]) == [0x00, 0x09, 0x00, 0x15, 0x00, 0x00, 0x04, 0x14])
        #expect(Array(bytes[45..<48]) == [0, 0, 0])
        #expect(Array(bytes[48...]) == [0x00, 0x0a, 0x00, 0x02, 0x00, 0x31, 0x00, 0x00])
        let parsed = try STUNMessage(parsing: bytes)
        #expect(parsed.errorCode?.code == 420)
        #expect(parsed.errorCode?.reason == "Unknown Attribute")
        #expect(STUNErrorCode(code: 299, reason: "") == nil)
        #expect(STUNErrorCode(code: 700, reason: "") == nil)
    }

    @Test func messageTypeBitsInterleave() {
        // RFC 8489 §5: Binding request 0x0001, indication 0x0011, success 0x0101, error 0x0111.
        #expect(STUNMessageType.bindingRequest.rawValue == 0x0001)
        #expect(STUNMessageType.bindingIndication.rawValue == 0x0011)
        #expect(STUNMessageType.bindingSuccess.rawValue == 0x0101)
        #expect(STUNMessageType.bindingError.rawValue == 0x0111)
        // TURN Allocate (0x003) error response is 0x0113 (RFC 8656).
        #expect(STUNMessageType(method: STUNMethod(rawValue: 0x003), messageClass: .errorResponse).rawValue == 0x0113)
        for method in stride(from: UInt16(0), through: 0x0fff, by: 37) {
            for messageClass in STUNClass.allCases {
                let type = STUNMessageType(method: STUNMethod(rawValue: method), messageClass: messageClass)
                #expect(STUNMessageType(rawValue: type.rawValue) == type)
                #expect(type.rawValue & 0xc000 == 0)
            }
        }
    }

    @Test func transactionIDBytes() throws {
        let id = try #require(STUNTransactionID(bytes: RFC5769.transactionID))
        #expect(id.bytes == RFC5769.transactionID)
        #expect(id.high == 0xb7e7_a701)
        #expect(STUNTransactionID(bytes: [1, 2, 3]) == nil)
        #expect(STUNTransactionID.random() != STUNTransactionID.random())
    }
}
