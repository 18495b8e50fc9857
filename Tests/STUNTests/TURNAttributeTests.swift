import RTCBase
import STUN
import Testing

/// TURN methods and attributes (RFC 8656 §17–§18), long-term credentials (RFC 8489 §9.2) and
/// ChannelData framing (RFC 8656 §12.4): round trips, caps at the limit and one past, garbage.
@Suite struct TURNAttributeTests {
    let peer = TransportAddress(host: "198.51.100.7", port: 40_000)!
    let relayed = TransportAddress(host: "2001:db8::1", port: 50_001)!

    @Test func turnMethodsEncodeAsRFC8656Types() {
        // Allocate request 0x0003, success 0x0103, error 0x0113; Send indication 0x0016,
        // Data indication 0x0017, CreatePermission 0x0008, ChannelBind 0x0009, Refresh 0x0004.
        #expect(STUNMessageType(method: .allocate, messageClass: .request).rawValue == 0x0003)
        #expect(STUNMessageType(method: .allocate, messageClass: .successResponse).rawValue == 0x0103)
        #expect(STUNMessageType(method: .allocate, messageClass: .errorResponse).rawValue == 0x0113)
        #expect(STUNMessageType(method: .send, messageClass: .indication).rawValue == 0x0016)
        #expect(STUNMessageType(method: .data, messageClass: .indication).rawValue == 0x0017)
        #expect(STUNMessageType(method: .createPermission, messageClass: .request).rawValue == 0x0008)
        #expect(STUNMessageType(method: .channelBind, messageClass: .request).rawValue == 0x0009)
        #expect(STUNMessageType(method: .refresh, messageClass: .request).rawValue == 0x0004)
        #expect(STUNMessageType(rawValue: 0x0017).method == .data)
        #expect(STUNMethod.channelBind.description == "ChannelBind")
    }

    @Test func turnAttributesRoundTrip() throws {
        let attributes: [STUNAttribute] = [
            .requestedTransport(17), .lifetime(600), .xorPeerAddress(peer), .xorRelayedAddress(relayed),
            .channelNumber(0x4001), .data([1, 2, 3, 4, 5]), .dontFragment, .realm("example.org"), .nonce("abc123"),
            .errorCode(.staleNonce),
        ]
        let message = STUNMessage(type: STUNMessageType(method: .allocate, messageClass: .successResponse),
                                  transactionID: .random(), attributes: attributes)
        let bytes = try message.encoded(integrityKey: [1, 2, 3], addFingerprint: true)
        let parsed = try STUNMessage(parsing: bytes)
        #expect(Array(parsed.attributes.prefix(attributes.count)) == attributes)
        #expect(parsed.lifetime == 600)
        #expect(parsed.xorPeerAddress == peer)
        #expect(parsed.xorRelayedAddress == relayed)
        #expect(parsed.channelNumber == 0x4001)
        #expect(parsed.data == [1, 2, 3, 4, 5])
        #expect(parsed.realm == "example.org")
        #expect(parsed.nonce == "abc123")
        #expect(parsed.errorCode?.code == 438)
        #expect(STUNMessage.verifyMessageIntegrity(bytes[...], key: [1, 2, 3]))
        // REQUESTED-TRANSPORT is protocol then three RFFU bytes.
        let requested = try STUNMessage(type: .bindingRequest, transactionID: .random(),
                                        attributes: [.requestedTransport(17)]).encoded()
        #expect(Array(requested[20...]) == [0x00, 0x19, 0x00, 0x04, 17, 0, 0, 0])
    }

    @Test func realmNonceAndDataCapsAtTheLimitAndOnePast() throws {
        let limits = STUNLimits(maxRealmLength: 8, maxNonceLength: 8, maxDataLength: 8)
        for type: UInt16 in [0x0014, 0x0015, 0x0013] {
            #expect(throws: Never.self) {
                try STUNMessage(parsing: message(with: [(type, Array("12345678".utf8))]), limits: limits)
            }
            #expect(throws: STUNParseError.self) {
                try STUNMessage(parsing: message(with: [(type, Array("123456789".utf8))]), limits: limits)
            }
        }
        #expect(STUNLimits().maxRealmLength == 763)
        #expect(STUNLimits().maxNonceLength == 763)
    }

    @Test(arguments: [
        RawAttribute(0x000c, [0x40, 0x00]),          // CHANNEL-NUMBER needs 4 bytes
        RawAttribute(0x000d, [0, 0, 2]),             // LIFETIME needs 4 bytes
        RawAttribute(0x0019, [17]),                  // REQUESTED-TRANSPORT needs 4 bytes
        RawAttribute(0x001a, [0]),                   // DONT-FRAGMENT is empty
        RawAttribute(0x0012, [0, 3, 0, 0, 1, 2, 3, 4]),  // XOR-PEER-ADDRESS family 3
        RawAttribute(0x0016, [0, 1, 0, 0, 1, 2]),    // XOR-RELAYED-ADDRESS too short
        RawAttribute(0x0014, [0xff, 0xfe]),          // REALM not UTF-8
    ])
    func malformedTURNAttributesAreRejected(attribute: RawAttribute) {
        #expect(throws: STUNParseError.self) {
            try STUNMessage(parsing: message(with: [(attribute.type, attribute.value)]))
        }
    }

    @Test func turnRESTEphemeralCredentials() throws {
        // base64(HMAC-SHA1("north", "1700000000:alice")), computed independently with Python's hmac.
        let credentials = try #require(STUNLongTermCredentials.ephemeral(secret: "north", user: "alice",
                                                                         expiresAtUnixSeconds: 1_700_000_000))
        #expect(credentials.username == "1700000000:alice")
        #expect(credentials.password == "Cd/49soE35ICqcJF/bCTn8Z4OyE=")
        #expect(!"\(credentials)".contains(credentials.password))
    }

    @Test func channelDataRoundTripAndCaps() throws {
        let data: [UInt8] = [9, 8, 7, 6, 5]
        let unpadded = try #require(TURNChannelData(channel: 0x4000, data: data[...]).encoded())
        #expect(unpadded == [0x40, 0x00, 0x00, 0x05, 9, 8, 7, 6, 5])
        let padded = try #require(TURNChannelData(channel: 0x4fff, data: data[...]).encoded(padded: true))
        #expect(padded.count == 12)
        #expect(TURNChannelData.isChannelData(padded[...]))
        #expect(!TURNChannelData.isChannelData([0x00, 0x01][...]))
        let parsed = try #require(TURNChannelData(parsing: padded[...], maxDataLength: 5))
        #expect(parsed.channel == 0x4fff && Array(parsed.data) == data)
        // At the cap it parses, one past it does not.
        #expect(TURNChannelData(parsing: unpadded[...], maxDataLength: 5) != nil)
        #expect(TURNChannelData(parsing: unpadded[...], maxDataLength: 4) == nil)
        // Truncated, channel outside 0x4000–0x4FFF, too much trailing padding, empty.
        #expect(TURNChannelData(parsing: unpadded.dropLast(), maxDataLength: 100) == nil)
        #expect(TURNChannelData(parsing: ([0x50, 0x00, 0x00, 0x00] as [UInt8])[...], maxDataLength: 100) == nil)
        #expect(TURNChannelData(parsing: (unpadded + [0, 0, 0, 0])[...], maxDataLength: 100) == nil)
        #expect(TURNChannelData(parsing: [][...], maxDataLength: 100) == nil)
    }

    @Test func garbageNeverTraps() {
        var random = SeededBytes(seed: 0x7475_726e)
        for length in 0..<200 {
            var bytes = random.bytes(length)
            if bytes.count >= 2 { bytes[0] = 0x40 }
            _ = TURNChannelData(parsing: bytes[...], maxDataLength: 100)
            if bytes.count >= 20 {
                bytes[0] = 0x01
                bytes[1] = 0x13
                bytes[4...7] = [0x21, 0x12, 0xa4, 0x42]
                fixLength(&bytes)
            }
            _ = try? STUNMessage(parsing: bytes)
        }
    }
}
