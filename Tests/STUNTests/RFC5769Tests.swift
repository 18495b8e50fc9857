import RTCBase
import STUN
import Testing

/// RFC 5769 §2 vectors: parse, integrity, fingerprint, and byte-exact re-encoding.
@Suite struct RFC5769Tests {
    let transactionID = STUNTransactionID(bytes: RFC5769.transactionID)
    let key = STUNMessage.shortTermKey(password: RFC5769.password)

    @Test func sampleRequestParses() throws {
        let message = try STUNMessage(parsing: RFC5769.request)
        #expect(message.type == .bindingRequest)
        #expect(message.transactionID == transactionID)
        #expect(message.attributes == [
            .software("STUN test client"),
            .priority(0x6e00_01ff),
            .iceControlled(tieBreaker: 0x932f_f9b1_5126_3b36),
            .username("evtj:h6vY"),
            .messageIntegrity(RFC5769.requestIntegrity),
            .fingerprint(0xe57a_3bcf),
        ])
        #expect(message.username == "evtj:h6vY")
        #expect(message.priority == 0x6e00_01ff)
        #expect(message.iceControlled == 0x932f_f9b1_5126_3b36)
        #expect(message.iceControlling == nil)
        #expect(!message.hasUseCandidate)
    }

    @Test func sampleRequestIntegrityAndFingerprint() {
        let bytes = RFC5769.request[...]
        #expect(STUNMessage.verifyMessageIntegrity(bytes, key: key))
        #expect(!STUNMessage.verifyMessageIntegrity(bytes, key: STUNMessage.shortTermKey(password: "VOkJxbRl1RmTxUk/WvJxBu")))
        #expect(STUNMessage.verifyFingerprint(bytes))
        #expect(STUNMessage.fingerprintValue(of: bytes.dropLast(8)) == 0xe57a_3bcf)
    }

    @Test func sampleRequestEncodesByteExact() throws {
        let message = STUNMessage(type: .bindingRequest, transactionID: try #require(transactionID), attributes: [
            .software("STUN test client"),
            .priority(0x6e00_01ff),
            .iceControlled(tieBreaker: 0x932f_f9b1_5126_3b36),
            .username("evtj:h6vY"),
        ])
        // RFC 5769 pads with spaces; MESSAGE-INTEGRITY covers the padding, so use the same.
        let bytes = try message.encoded(integrityKey: key, addFingerprint: true, paddingByte: 0x20)
        #expect(bytes == RFC5769.request)
    }

    @Test func ipv4ResponseParsesVerifiesAndEncodes() throws {
        let message = try STUNMessage(parsing: RFC5769.ipv4Response)
        let mapped = try #require(TransportAddress(host: "192.0.2.1", port: 32853))
        #expect(message.type == .bindingSuccess)
        #expect(message.transactionID == transactionID)
        #expect(message.attributes == [
            .software("test vector"),
            .xorMappedAddress(mapped),
            .messageIntegrity(RFC5769.ipv4ResponseIntegrity),
            .fingerprint(0xc07d_4c96),
        ])
        #expect(STUNMessage.verifyMessageIntegrity(RFC5769.ipv4Response[...], key: key))
        #expect(STUNMessage.verifyFingerprint(RFC5769.ipv4Response[...]))

        let built = STUNMessage(type: .bindingSuccess, transactionID: try #require(transactionID),
                                attributes: [.software("test vector"), .xorMappedAddress(mapped)])
        #expect(try built.encoded(integrityKey: key, addFingerprint: true, paddingByte: 0x20) == RFC5769.ipv4Response)
    }

    @Test func ipv6ResponseParsesVerifiesAndEncodes() throws {
        let message = try STUNMessage(parsing: RFC5769.ipv6Response)
        let mapped = try #require(TransportAddress(host: "2001:db8:1234:5678:11:2233:4455:6677", port: 32853))
        #expect(message.type == .bindingSuccess)
        #expect(message.attributes == [
            .software("test vector"),
            .xorMappedAddress(mapped),
            .messageIntegrity(RFC5769.ipv6ResponseIntegrity),
            .fingerprint(0xc8fb_0b4c),
        ])
        #expect(message.xorMappedAddress == mapped)
        #expect(STUNMessage.verifyMessageIntegrity(RFC5769.ipv6Response[...], key: key))
        #expect(STUNMessage.verifyFingerprint(RFC5769.ipv6Response[...]))

        let built = STUNMessage(type: .bindingSuccess, transactionID: try #require(transactionID),
                                attributes: [.software("test vector"), .xorMappedAddress(mapped)])
        #expect(try built.encoded(integrityKey: key, addFingerprint: true, paddingByte: 0x20) == RFC5769.ipv6Response)
    }

    @Test func longTermRequestParsesAndVerifiesWithGivenKey() throws {
        let message = try STUNMessage(parsing: RFC5769.longTermRequest)
        let id = try #require(STUNTransactionID(bytes: RFC5769.longTermTransactionID))
        #expect(message.type == .bindingRequest)
        #expect(message.transactionID == id)
        #expect(message.attributes == [
            .username(RFC5769.longTermUsername),
            .nonce(String(decoding: RFC5769.longTermNonce, as: UTF8.self)),
            .realm(String(decoding: RFC5769.longTermRealm, as: UTF8.self)),
            .messageIntegrity(RFC5769.longTermIntegrity),
        ])
        #expect(message.fingerprint == nil)
        #expect(STUNMessage.verifyMessageIntegrity(RFC5769.longTermRequest[...], key: RFC5769.longTermKey))
        #expect(!STUNMessage.verifyMessageIntegrity(RFC5769.longTermRequest[...], key: key))
        #expect(!STUNMessage.verifyFingerprint(RFC5769.longTermRequest[...]))
        // NONCE and REALM re-encode byte for byte.
        let built = STUNMessage(type: .bindingRequest, transactionID: id, attributes: Array(message.attributes.dropLast()))
        #expect(try built.encoded(integrityKey: RFC5769.longTermKey) == RFC5769.longTermRequest)
    }

    /// RFC 5769 §2.4: the key is MD5(username ":" realm ":" SASLprep(password)), and SASLprep of
    /// the vector's password gives "TheMatrIX".
    @Test func longTermKeyMatchesTheVector() {
        let credentials = STUNLongTermCredentials(username: RFC5769.longTermUsername, password: "TheMatrIX")
        #expect(credentials.key(realm: "example.org") == RFC5769.longTermKey)
    }

    @Test(arguments: [RFC5769.request, RFC5769.ipv4Response, RFC5769.ipv6Response])
    func parsedVectorReencodesVerbatim(vector: [UInt8]) throws {
        let message = try STUNMessage(parsing: vector)
        #expect(try message.encoded(paddingByte: 0x20) == vector)
    }

    @Test func flippingAnyCoveredByteBreaksIntegrityAndFingerprint() {
        for index in 0..<(RFC5769.request.count - 8) where index != 2 && index != 3 {
            var tampered = RFC5769.request
            tampered[index] ^= 0x01
            #expect(!STUNMessage.verifyFingerprint(tampered[...]), "byte \(index)")
            if index < 76 {
                #expect(!STUNMessage.verifyMessageIntegrity(tampered[...], key: key), "byte \(index)")
            }
        }
        var badFingerprint = RFC5769.request
        badFingerprint[107] ^= 0x80
        #expect(!STUNMessage.verifyFingerprint(badFingerprint[...]))
        #expect(STUNMessage.verifyMessageIntegrity(badFingerprint[...], key: key))
    }

    @Test func crc32IsTheIEEEOne() {
        // CRC-32 check value of "123456789" is 0xCBF43926; FINGERPRINT XORs it with "STUN".
        #expect(STUNMessage.fingerprintValue(of: Array("123456789".utf8)[...]) == 0xcbf4_3926 ^ 0x5354_554e)
        #expect(STUNMessage.fingerprintValue(of: [][...]) == 0x5354_554e)
    }
}
