import DTLS
import Testing

@Suite("DTLS record framing (RFC 6347 §4.1)")
struct DTLSRecordScannerTests {
    static func record(type: UInt8 = 22, version: UInt16 = 0xFEFD, length: Int, declared: Int? = nil) -> [UInt8] {
        let declaredLength = declared ?? length
        var bytes: [UInt8] = [type, UInt8(version >> 8), UInt8(version & 0xFF), 0, 0, 0, 0, 0, 0, 0, 1]
        bytes += [UInt8(declaredLength >> 8), UInt8(declaredLength & 0xFF)]
        bytes += Array(repeating: 0xAA, count: length)
        return bytes
    }

    @Test func countsRecords() throws {
        let datagram = Self.record(length: 10) + Self.record(type: 20, length: 1) + Self.record(type: 23, version: 0xFEFF, length: 0)
        #expect(try DTLSRecordScanner.validate(datagram, maxRecordSize: 100, maxRecords: 8) == 3)
    }

    @Test func recordSizeCapAndOnePast() throws {
        #expect(try DTLSRecordScanner.validate(Self.record(length: 100), maxRecordSize: 100, maxRecords: 8) == 1)
        #expect(throws: DTLSRecordError.recordTooLarge(length: 101, limit: 100)) {
            try DTLSRecordScanner.validate(Self.record(length: 101), maxRecordSize: 100, maxRecords: 8)
        }
    }

    @Test func recordCountCapAndOnePast() throws {
        let four = Array(repeating: Self.record(length: 2), count: 4).flatMap { $0 }
        #expect(try DTLSRecordScanner.validate(four, maxRecordSize: 100, maxRecords: 4) == 4)
        let five = four + Self.record(length: 2)
        #expect(throws: DTLSRecordError.tooManyRecords(limit: 4)) {
            try DTLSRecordScanner.validate(five, maxRecordSize: 100, maxRecords: 4)
        }
    }

    /// Records past epoch 0 must be as long as the cipher's overhead (at the minimum and one
    /// below); epoch-0 records are not affected.
    @Test func protectedRecordsShorterThanTheCipherOverheadAreRejected() throws {
        func epochOne(length: Int) -> [UInt8] {
            var bytes = Self.record(type: 21, length: length)
            bytes[4] = 1
            return bytes
        }
        #expect(try DTLSRecordScanner.validate(epochOne(length: 24), maxRecordSize: 100, maxRecords: 8,
                                               minimumProtectedLength: 24) == 1)
        #expect(throws: DTLSRecordError.protectedRecordTooShort(length: 23, minimum: 24)) {
            try DTLSRecordScanner.validate(Self.record(length: 30) + epochOne(length: 23), maxRecordSize: 100, maxRecords: 8,
                                           minimumProtectedLength: 24)
        }
        #expect(try DTLSRecordScanner.validate(Self.record(type: 21, length: 2), maxRecordSize: 100, maxRecords: 8,
                                               minimumProtectedLength: 24) == 1)
    }

    @Test func rejectsMalformedFraming() {
        let cases: [([UInt8], DTLSRecordError)] = [
            ([], .empty),
            (Array(Self.record(length: 0).prefix(12)), .truncatedHeader(offset: 0)),
            (Self.record(length: 4) + [22, 0xFE], .truncatedHeader(offset: 17)),
            (Self.record(type: 24, length: 1), .unknownContentType(24)),
            (Self.record(type: 19, length: 1), .unknownContentType(19)),
            (Self.record(version: 0x0303, length: 1), .unsupportedVersion(0x0303)),
            (Self.record(length: 3, declared: 5), .truncatedRecord(length: 5, available: 3)),
        ]
        for (datagram, expected) in cases {
            #expect(throws: expected) {
                try DTLSRecordScanner.validate(datagram, maxRecordSize: 100, maxRecords: 8)
            }
        }
        #expect(DTLSRecordError.truncatedRecord(length: 5, available: 3).description
            == "DTLS record claims 5 bytes, 3 left in datagram")
    }
}
