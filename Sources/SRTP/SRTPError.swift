import CSRTP

/// A libsrtp2 failure: the `srtp_err_status_t` value and the operation that returned it.
public struct SRTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int32
    public var operation: String

    public init(status: Int32, operation: String) {
        self.status = status
        self.operation = operation
    }

    /// Status used when keying material has the wrong lengths for its profile.
    public static let badParameterStatus = Int32(srtp_err_status_bad_param.rawValue)

    /// The packet failed authentication (forged, corrupted, or wrong key).
    public var isAuthenticationFailure: Bool { status == Int32(srtp_err_status_auth_fail.rawValue) }

    /// The packet was a replay or too old for the replay window (RFC 3711 §3.3.2).
    public var isReplay: Bool {
        status == Int32(srtp_err_status_replay_fail.rawValue)
            || status == Int32(srtp_err_status_replay_old.rawValue)
    }

    public var description: String { "SRTP \(operation) failed: \(statusName) (\(status))" }

    private var statusName: String {
        switch status {
        case 1: "failure"
        case 2: "bad parameter"
        case 3: "allocation failed"
        case 5: "initialization failed"
        case 7: "authentication failed"
        case 8: "cipher failed"
        case 9: "replayed packet"
        case 10: "packet too old for replay window"
        case 13: "no context for SSRC"
        case 21: "parse error"
        case 26: "packet index too old"
        case 27: "packet index advanced too far"
        default: "error"
        }
    }
}
