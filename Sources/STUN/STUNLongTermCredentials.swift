import COpenSSL
import RTCBase

/// Long-term credentials (RFC 8489 §9.2), as TURN uses them: a username and password, with the
/// realm and nonce the server hands out in its 401 answer.
public struct STUNLongTermCredentials: Sendable, Hashable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// Ephemeral credentials of the TURN REST API (draft-uberti-behave-turn-rest, as coturn's
    /// `use-auth-secret` expects): username "expiry:user" with `expiry` in Unix seconds, password
    /// base64(HMAC-SHA1(secret, username)). Nil only if OpenSSL fails.
    public static func ephemeral(secret: String, user: String, expiresAtUnixSeconds expiry: UInt64)
        -> STUNLongTermCredentials? {
        let username = user.isEmpty ? "\(expiry)" : "\(expiry):\(user)"
        let message = Array(username.utf8)
        var mac = [UInt8](repeating: 0, count: STUNIntegrity.length)
        let ok = message.withUnsafeBufferPointer { input in
            mac.withUnsafeMutableBufferPointer { output in
                STUNIntegrity.hmacSHA1(key: Array(secret.utf8), message: input, into: output)
            }
        }
        guard ok else { return nil }
        return STUNLongTermCredentials(username: username, password: Base64.encode(mac))
    }

    /// The MESSAGE-INTEGRITY key: MD5(username ":" realm ":" password) (RFC 8489 §9.2.2; the
    /// SASLprep/OpaqueString step changes nothing for ASCII). Nil only if OpenSSL fails.
    public func key(realm: String) -> [UInt8]? {
        let input = Array("\(username):\(realm):\(password)".utf8)
        var out = [UInt8](repeating: 0, count: 16)
        var length: UInt32 = 0
        let ok = input.withUnsafeBufferPointer { bytes in
            out.withUnsafeMutableBufferPointer { digest in
                EVP_Digest(bytes.baseAddress, bytes.count, digest.baseAddress, &length, EVP_md5(), nil)
            }
        }
        guard ok == 1, length == 16 else { return nil }
        return out
    }

    public var description: String { "STUNLongTermCredentials(username: \(username), password: <redacted>)" }
}
