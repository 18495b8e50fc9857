import RTCBase
import Testing

@Suite struct RTCBaseTests {
    @Test func instantArithmeticSaturates() {
        let t = Instant(nanoseconds: 1_000)
        #expect((t + .seconds(1)).nanoseconds == 1_000_001_000)
        #expect((t - .seconds(1)).nanoseconds == 0)
        #expect((Instant.distantFuture + .seconds(1)) == .distantFuture)
        #expect(Instant(nanoseconds: 3_000_000_000) - Instant(nanoseconds: 1_000_000_000) == .seconds(2))
        #expect(Instant(nanoseconds: 1_000_000_000) - Instant(nanoseconds: 3_000_000_000) == .seconds(-2))
    }

    @Test func parsesAndPrintsAddresses() throws {
        let v4 = try #require(TransportAddress(host: "127.0.0.1", port: 8189))
        #expect(v4.ip == [127, 0, 0, 1] && v4.description == "127.0.0.1:8189")
        let v6 = try #require(TransportAddress(host: "::1", port: 9))
        #expect(v6.ip == Array(repeating: 0, count: 15) + [1] && v6.description == "[0:0:0:0:0:0:0:1]:9")
        let full = try #require(TransportAddress(host: "fe80::1:2", port: 1))
        #expect(full.ip[0] == 0xfe && full.ip[1] == 0x80 && full.ip[13] == 1 && full.ip[15] == 2)
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "::1::2", "12345::", "a.b.c.d", "1:2:3:4:5:6:7:8:9"] {
            #expect(TransportAddress(host: bad, port: 1) == nil, "\(bad)")
        }
        #expect(TransportAddress(ip: [1, 2, 3], port: 1) == nil)
    }

    @Test func byteReaderNeverReadsPastTheEnd() throws {
        var reader = ByteReader([0x01, 0x02, 0x03, 0x04, 0x05])
        #expect(try reader.readUInt16() == 0x0102)
        #expect(try reader.readUInt24() == 0x030405)
        #expect(reader.isAtEnd)
        #expect(throws: TruncatedInput(needed: 1, available: 0)) { try reader.readUInt8() }
        var short = ByteReader([0xff, 0xff, 0xff])
        #expect(throws: TruncatedInput.self) { try short.readUInt32() }
        #expect(throws: TruncatedInput.self) { try short.readBytes(-1) }
        #expect(short.remaining == 3)
    }

    @Test func writesBigEndian() {
        var out: [UInt8] = []
        out.appendUInt16(0x0102); out.appendUInt24(0x030405); out.appendUInt32(0x06070809); out.appendUInt64(1)
        #expect(out == [1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect([0x0a, 0xff].hexString == "0aff")
    }

    @Test func randomTokensUseTheirAlphabet() {
        let token = SecureRandom.token(32)
        #expect(token.count == 32 && token.allSatisfy { $0.isLetter || $0.isNumber })
        #expect(SecureRandom.token(32) != token)
        #expect(SecureRandom.iceString(24).count == 24)
    }
}

/// The one base64 (RFC 4648 §4 vectors; padding, garbage and caps).
@Suite struct Base64Tests {
    @Test func rfc4648Vectors() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded)
            #expect(Base64.decode(encoded) == Array(plain.utf8))
            #expect(Base64.decode(String(encoded.filter { $0 != "=" })) == Array(plain.utf8))
        }
    }

    @Test func invalidInputIsRefused() {
        #expect(Base64.decode("Zm9v!") == nil)        // outside the alphabet
        #expect(Base64.decode("Zg==Zg==") == nil)     // data after padding
        #expect(Base64.decode("Zm9vY") == nil)        // a dangling sextet
        #expect(Base64.decode("Zm9vYmFy", maxBytes: 6) == [0x66, 0x6F, 0x6F, 0x62, 0x61, 0x72])   // at the cap
        #expect(Base64.decode("Zm9vYmFy", maxBytes: 5) == nil)                                    // one past it
    }
}
