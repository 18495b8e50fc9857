/// A Digest challenge (RFC 7616 §3.3).
public struct RTSPDigestChallenge: Sendable, Equatable {
    public var realm: String
    public var nonce: String
    public var opaque: String?
    public var algorithm: RTSPDigestAlgorithm
    /// `qop` options offered (e.g. `["auth"]`); empty for RFC 2069-style servers (most cameras).
    public var qop: [String]
    public var stale: Bool

    public init(realm: String, nonce: String, opaque: String? = nil, algorithm: RTSPDigestAlgorithm = .md5,
                qop: [String] = [], stale: Bool = false) {
        self.realm = realm
        self.nonce = nonce
        self.opaque = opaque
        self.algorithm = algorithm
        self.qop = qop
        self.stale = stale
    }

    init?(_ parameters: RTSPAuthParameters) {
        guard let nonce = parameters["nonce"] else { return nil }
        var algorithm = RTSPDigestAlgorithm.md5
        if let token = parameters["algorithm"] {
            guard let a = RTSPDigestAlgorithm(token: token) else { return nil }
            algorithm = a
        }
        self.init(realm: parameters["realm"] ?? "", nonce: nonce, opaque: parameters["opaque"], algorithm: algorithm,
                  qop: (parameters["qop"] ?? "").split(separator: ",").map { String($0.trimmingSpaces).lowercased() }
                    .filter { !$0.isEmpty },
                  stale: parameters["stale"]?.lowercased() == "true")
    }

    public var supportsAuthQOP: Bool { qop.contains("auth") }

    public var headerValue: String {
        var parts = ["realm=\"\(RTSPAuthParameters.escape(realm))\"", "nonce=\"\(RTSPAuthParameters.escape(nonce))\""]
        if let opaque { parts.append("opaque=\"\(RTSPAuthParameters.escape(opaque))\"") }
        parts.append("algorithm=\(algorithm.rawValue)")
        if !qop.isEmpty { parts.append("qop=\"\(RTSPAuthParameters.escape(qop.joined(separator: ",")))\"") }
        if stale { parts.append("stale=TRUE") }
        return "Digest " + parts.joined(separator: ", ")
    }
}
