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
    public static let roleConflict = STUNErrorCode(validCode: 487, reason: "Role Conflict")

    private init(validCode: UInt16, reason: String) {
        self.code = validCode
        self.reason = reason
    }

    public var description: String { "\(code) \(reason)" }
}
