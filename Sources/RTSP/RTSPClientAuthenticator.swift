import RTCBase

/// Client side of RTSP authentication: answers one challenge with `Authorization` values
/// (RFC 7617 §2 Basic; RFC 7616 §3.4 Digest with qop=auth, cnonce and a nonce count).
public struct RTSPClientAuthenticator: Sendable {
    public let credentials: RTSPCredentials
    public let challenge: RTSPAuthChallenge
    /// Requests answered with the current nonce so far (the `nc` value of the last one).
    public private(set) var nonceCount: UInt32 = 0

    public init(credentials: RTSPCredentials, challenge: RTSPAuthChallenge) {
        self.credentials = credentials
        self.challenge = challenge
    }

    /// The `Authorization` value for one request. `cnonce` defaults to 16 random bytes in hex.
    public mutating func authorization(method: RTSPMethod, uri: String, cnonce: String? = nil) -> String {
        switch challenge {
        case .basic:
            return "Basic " + Base64.encode(Array("\(credentials.username):\(credentials.password)".utf8))
        case .digest(let d):
            nonceCount &+= 1
            let useQOP = d.supportsAuthQOP
            let nc = Self.nonceCountText(nonceCount)
            let cnonceValue = cnonce ?? SecureRandom.bytes(16).hexString
            let response = DigestComputation.response(
                algorithm: d.algorithm, username: credentials.username, realm: d.realm, password: credentials.password,
                method: method.rawValue, uri: uri, nonce: d.nonce, nc: useQOP ? nc : nil,
                cnonce: useQOP || d.algorithm.isSession ? cnonceValue : nil, qop: useQOP ? "auth" : nil)
            var parts = [
                "username=\"\(RTSPAuthParameters.escape(credentials.username))\"",
                "realm=\"\(RTSPAuthParameters.escape(d.realm))\"",
                "nonce=\"\(RTSPAuthParameters.escape(d.nonce))\"",
                "uri=\"\(RTSPAuthParameters.escape(uri))\"",
                "response=\"\(response)\"",
            ]
            if d.algorithm != .md5 { parts.append("algorithm=\(d.algorithm.rawValue)") }
            if let opaque = d.opaque { parts.append("opaque=\"\(RTSPAuthParameters.escape(opaque))\"") }
            if useQOP {
                parts.append("qop=auth")
                parts.append("nc=\(nc)")
                parts.append("cnonce=\"\(cnonceValue)\"")
            }
            return "Digest " + parts.joined(separator: ", ")
        }
    }

    static func nonceCountText(_ count: UInt32) -> String {
        let hex = String(count, radix: 16)
        return String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }
}
