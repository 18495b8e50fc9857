// libFuzzer target for the DTLS record scanner (RFC 6347 §4.1), which vets every datagram before
// OpenSSL sees it.
//
// Single source file on purpose: a plain `swift build` compiles it as the executable's main file
// (an empty program), while `--sanitize=fuzzer` builds it as a library whose entry point is
// libFuzzer's driver calling `LLVMFuzzerTestOneInput`. See Fuzz/README.md.
import DTLS

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    DTLSFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Scans the input as one datagram, with the session's caps and with caps cut to what the
/// datagram needs, and checks the answer against an independent walk over the record headers.
/// Traps when an invariant breaks.
enum DTLSFuzzHarness {
    /// The caps `DTLSSession` uses for inbound datagrams are of this order.
    static let maxRecordSize = 1 << 14 + 2048
    static let maxRecords = 32

    /// One record header as the walk sees it.
    struct Record {
        var offset: Int
        var contentType: UInt8
        var version: UInt16
        var length: Int
    }

    static func run(_ datagram: [UInt8]) {
        let records = walk(datagram)
        let result = Result { () throws(DTLSRecordError) in
            try DTLSRecordScanner.validate(datagram, maxRecordSize: maxRecordSize, maxRecords: maxRecords)
        }
        check(result, datagram, records, maxRecordSize: maxRecordSize, maxRecords: maxRecords)

        // The tightest caps that still accept an accepted datagram, and one below each.
        guard case .success(let count) = result, count > 0 else { return }
        let largest = records.map(\.length).max() ?? 0
        for (recordCap, countCap) in [(largest, count), (largest - 1, count), (largest, count - 1)] where recordCap >= 0 {
            let tight = Result { () throws(DTLSRecordError) in
                try DTLSRecordScanner.validate(datagram, maxRecordSize: recordCap, maxRecords: countCap)
            }
            check(tight, datagram, records, maxRecordSize: recordCap, maxRecords: countCap)
        }
    }

    /// Record headers back to back from the start, as far as 13-byte headers are present.
    static func walk(_ datagram: [UInt8]) -> [Record] {
        var records: [Record] = []
        var offset = 0
        while datagram.count - offset >= DTLSRecordScanner.headerLength {
            let length = Int(datagram[offset + 11]) << 8 | Int(datagram[offset + 12])
            records.append(Record(offset: offset, contentType: datagram[offset],
                                  version: UInt16(datagram[offset + 1]) << 8 | UInt16(datagram[offset + 2]),
                                  length: length))
            offset += DTLSRecordScanner.headerLength + length
        }
        return records
    }

    /// What the scanner must answer, from the walk: the first rule that the records break, in the
    /// order the scanner checks them record by record.
    static func expected(_ datagram: [UInt8], _ records: [Record], maxRecordSize: Int,
                         maxRecords: Int) -> Result<Int, DTLSRecordError> {
        guard !datagram.isEmpty else { return .failure(.empty) }
        var end = 0
        for (index, record) in records.enumerated() {
            guard index < maxRecords else { return .failure(.tooManyRecords(limit: maxRecords)) }
            guard (20...23).contains(record.contentType) else { return .failure(.unknownContentType(record.contentType)) }
            guard record.version == 0xFEFF || record.version == 0xFEFD else {
                return .failure(.unsupportedVersion(record.version))
            }
            guard record.length <= maxRecordSize else {
                return .failure(.recordTooLarge(length: record.length, limit: maxRecordSize))
            }
            let available = datagram.count - record.offset - DTLSRecordScanner.headerLength
            guard record.length <= available else {
                return .failure(.truncatedRecord(length: record.length, available: available))
            }
            end = record.offset + DTLSRecordScanner.headerLength + record.length
        }
        guard end < datagram.count else { return .success(records.count) }
        guard records.count < maxRecords else { return .failure(.tooManyRecords(limit: maxRecords)) }
        return .failure(.truncatedHeader(offset: end))
    }

    static func check(_ result: Result<Int, DTLSRecordError>, _ datagram: [UInt8], _ records: [Record],
                      maxRecordSize: Int, maxRecords: Int) {
        let want = expected(datagram, records, maxRecordSize: maxRecordSize, maxRecords: maxRecords)
        guard result == want else {
            fatalError("scanner answered \(result) for \(datagram.count) bytes with caps \(maxRecordSize)/\(maxRecords); "
                       + "the record walk says \(want)")
        }
        if case .success(let count) = result, count < 1 || count > maxRecords {
            fatalError("scanner accepted \(count) records with a cap of \(maxRecords)")
        }
    }
}
