import COpenSSL
import RTCBase

/// Digest hash algorithms (RFC 7616 §3.3, §6.1): MD5 and SHA-256, each with a `-sess` variant.
public enum RTSPDigestAlgorithm: String, Sendable, CaseIterable {
    case md5 = "MD5"
    case md5Session = "MD5-sess"
    case sha256 = "SHA-256"
    case sha256Session = "SHA-256-sess"

    /// Parses the `algorithm` parameter (case-insensitive); nil for unsupported ones (e.g. SHA-512-256).
    public init?(token: some StringProtocol) {
        switch token.lowercased() {
        case "md5": self = .md5
        case "md5-sess": self = .md5Session
        case "sha-256": self = .sha256
        case "sha-256-sess": self = .sha256Session
        default: return nil
        }
    }

    public var isSession: Bool { self == .md5Session || self == .sha256Session }

    /// Preference when a server offers several challenges: SHA-256 first (RFC 7616 §3.7).
    var strength: Int { self == .sha256 || self == .sha256Session ? 2 : 1 }

    /// Lower-case hex of the hash of `text` (the `H()` / `KD()` building block of RFC 7616 §3.4).
    public func hashHex(_ text: String) -> String {
        let bytes = Array(text.utf8)
        let md: OpaquePointer? = (self == .md5 || self == .md5Session) ? EVP_md5() : EVP_sha256()
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, md, nil)
            }
        }
        guard ok == 1 else { return "" }
        return out.prefix(Int(length)).hexString
    }
}

/// Digest computations shared by the client and the server (RFC 7616 §3.4.1–§3.4.3).
enum DigestComputation {
    /// `response` for qop=auth (or legacy RFC 2069 without qop when `qop` is nil).
    static func response(algorithm: RTSPDigestAlgorithm, username: String, realm: String, password: String,
                         method: String, uri: String, nonce: String, nc: String?, cnonce: String?,
                         qop: String?) -> String {
        var ha1 = algorithm.hashHex("\(username):\(realm):\(password)")
        if algorithm.isSession { ha1 = algorithm.hashHex("\(ha1):\(nonce):\(cnonce ?? "")") }
        let ha2 = algorithm.hashHex("\(method):\(uri)")
        if let qop, let nc, let cnonce {
            return algorithm.hashHex("\(ha1):\(nonce):\(nc):\(cnonce):\(qop):\(ha2)")
        }
        return algorithm.hashHex("\(ha1):\(nonce):\(ha2)")
    }

}
