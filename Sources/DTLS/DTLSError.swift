/// Errors thrown by the DTLS API calls (setup and sending). Handshake failures are reported as
/// `DTLSEvent.failed` instead, because they happen while handling input.
public enum DTLSError: Error, Sendable, Equatable, CustomStringConvertible {
    case certificateGeneration(String)
    case invalidCommonName
    case unsupportedFingerprint(DTLSFingerprint)
    case noProtectionProfiles
    case setupFailed(String)
    case notConnected
    case applicationDataSize(Int, limit: Int)
    case writeFailed(String)

    public var description: String {
        switch self {
        case .certificateGeneration(let reason): "certificate generation failed: \(reason)"
        case .invalidCommonName: "certificate common name must be 1...64 ASCII characters"
        case .unsupportedFingerprint(let fingerprint):
            "unsupported remote fingerprint (need sha-1/224/256/384/512 with a matching digest length): \(fingerprint.algorithm)"
        case .noProtectionProfiles: "no SRTP protection profiles configured"
        case .setupFailed(let reason): "DTLS setup failed: \(reason)"
        case .notConnected: "DTLS session is not connected"
        case .applicationDataSize(let size, let limit): "application data of \(size) bytes outside 1...\(limit)"
        case .writeFailed(let reason): "DTLS write failed: \(reason)"
        }
    }
}
