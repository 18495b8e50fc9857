/// Why a datagram was not a valid sequence of DTLS records.
public enum DTLSRecordError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case truncatedHeader(offset: Int)
    case unknownContentType(UInt8)
    case unsupportedVersion(UInt16)
    case recordTooLarge(length: Int, limit: Int)
    case truncatedRecord(length: Int, available: Int)
    case tooManyRecords(limit: Int)
    /// A record past epoch 0 shorter than any the negotiated cipher can produce.
    case protectedRecordTooShort(length: Int, minimum: Int)

    public var description: String {
        switch self {
        case .empty: "empty datagram"
        case .truncatedHeader(let offset): "truncated DTLS record header at byte \(offset)"
        case .unknownContentType(let type): "unknown DTLS content type \(type)"
        case .unsupportedVersion(let version): "unsupported DTLS version 0x\(String(version, radix: 16))"
        case .recordTooLarge(let length, let limit): "DTLS record of \(length) bytes exceeds \(limit)"
        case .truncatedRecord(let length, let available):
            "DTLS record claims \(length) bytes, \(available) left in datagram"
        case .tooManyRecords(let limit): "more than \(limit) DTLS records in one datagram"
        case .protectedRecordTooShort(let length, let minimum):
            "protected DTLS record of \(length) bytes, shorter than the cipher's \(minimum)"
        }
    }
}
