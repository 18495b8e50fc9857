/// The ERROR-CODE attribute value (RFC 8489 §14.8): a code 300–699 and a reason phrase.
public struct STUNErrorCode: Sendable, Hashable, CustomStringConvertible {
    /// The numeric code, class × 100 + number; always in 300...699.
    public let code: UInt16
    public var reason: String

    /// Nil unless `code` is in 300...699 (classes 3–6 of RFC 8489 §14.8).
    public init?(code: UInt16, reason: String) {
        guard (300...699).contains(code) else { return nil }
        self.code = code
        self.reason = reason
    }

    public static let badRequest = STUNErrorCode(validCode: 400, reason: "Bad Request")
    public static let unauthorized = STUNErrorCode(validCode: 401, reason: "Unauthorized")
    public static let unknownAttribute = STUNErrorCode(validCode: 420, reason: "Unknown Attribute")
    /// TURN (RFC 8656 §19).
    public static let forbidden = STUNErrorCode(validCode: 403, reason: "Forbidden")
    public static let allocationMismatch = STUNErrorCode(validCode: 437, reason: "Allocation Mismatch")
    public static let staleNonce = STUNErrorCode(validCode: 438, reason: "Stale Nonce")
    public static let wrongCredentials = STUNErrorCode(validCode: 441, reason: "Wrong Credentials")
    public static let unsupportedTransportProtocol = STUNErrorCode(validCode: 442, reason: "Unsupported Transport Protocol")
    public static let allocationQuotaReached = STUNErrorCode(validCode: 486, reason: "Allocation Quota Reached")
    public static let insufficientCapacity = STUNErrorCode(validCode: 508, reason: "Insufficient Capacity")
    public static let roleConflict = STUNErrorCode(validCode: 487, reason: "Role Conflict")

    private init(validCode: UInt16, reason: String) {
        self.code = validCode
        self.reason = reason
    }

    public var description: String { "\(code) \(reason)" }
}
