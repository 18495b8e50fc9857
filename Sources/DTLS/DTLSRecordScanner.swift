import RTCBase

/// Checks that a datagram is a sequence of whole DTLS records (RFC 6347 §4.1) before OpenSSL
/// sees it, so malformed datagrams are dropped and counted rather than handed to the library.
public enum DTLSRecordScanner {
    /// type(1) version(2) epoch(2) sequence_number(6) length(2), RFC 6347 §4.1.
    public static let headerLength = 13

    /// Returns the number of records. Accepts content types 20...23 (RFC 5246 §6.2.1) and
    /// versions 0xFEFF (DTLS 1.0, seen in first ClientHellos) and 0xFEFD (DTLS 1.2). Records past
    /// epoch 0 (protected) must be at least `minimumProtectedLength` bytes long.
    public static func validate(
        _ datagram: [UInt8], maxRecordSize: Int, maxRecords: Int, minimumProtectedLength: Int = 0
    ) throws(DTLSRecordError) -> Int {
        guard !datagram.isEmpty else { throw .empty }
        var reader = ByteReader(datagram)
        var records = 0
        while !reader.isAtEnd {
            guard records < maxRecords else { throw .tooManyRecords(limit: maxRecords) }
            let offset = reader.offset
            let header: (contentType: UInt8, version: UInt16, epoch: UInt16, length: Int)
            do { header = try readHeader(&reader) } catch { throw .truncatedHeader(offset: offset) }
            guard (20...23).contains(header.contentType) else { throw .unknownContentType(header.contentType) }
            guard header.version == 0xFEFF || header.version == 0xFEFD else {
                throw .unsupportedVersion(header.version)
            }
            guard header.length <= maxRecordSize else {
                throw .recordTooLarge(length: header.length, limit: maxRecordSize)
            }
            guard header.epoch == 0 || header.length >= minimumProtectedLength else {
                throw .protectedRecordTooShort(length: header.length, minimum: minimumProtectedLength)
            }
            do { try reader.skip(header.length) } catch {
                throw .truncatedRecord(length: header.length, available: reader.remaining)
            }
            records += 1
        }
        return records
    }

    private static func readHeader(
        _ reader: inout ByteReader
    ) throws(TruncatedInput) -> (contentType: UInt8, version: UInt16, epoch: UInt16, length: Int) {
        let contentType = try reader.readUInt8()
        let version = try reader.readUInt16()
        let epoch = try reader.readUInt16()
        try reader.skip(6)  // sequence_number(6)
        let length = Int(try reader.readUInt16())
        return (contentType, version, epoch, length)
    }
}
