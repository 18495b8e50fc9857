/// Why a request was refused. The raw values are short phrases fit for a log line or an HTTP
/// answer: none of them carries a secret.
public enum AuthDenial: String, Sendable, Hashable, Error {
    case missingCredentials = "missing credentials"
    case wrongToken = "wrong token"
    case malformedToken = "malformed token"
    case unsupportedAlgorithm = "unsupported algorithm"
    case wrongAlgorithm = "algorithm does not match the key"
    case unknownKey = "unknown key"
    case badSignature = "bad signature"
    case expired = "token expired"
    case notYetValid = "token not yet valid"
    case wrongIssuer = "wrong issuer"
    case wrongAudience = "wrong audience"
    case pathNotAllowed = "path not allowed by the token"
    case actionNotAllowed = "action not allowed by the token"
    case webhookDenied = "refused by the auth webhook"
    case webhookFailed = "auth webhook unreachable or too slow"
    case rateLimited = "too many failed attempts"
}

/// The outcome of an access check.
public enum AuthDecision: Sendable, Hashable {
    case allow
    case deny(AuthDenial)

    public var isAllowed: Bool { self == .allow }
}
