import COpenSSL
import RTCBase

/// Stateless Digest nonces: `<issued-at hex><binding hex>` + HMAC-SHA256 tag under a server secret,
/// so expiry needs no table (RFC 7616 §3.3 "nonce", §5.4). The binding names the connection the
/// nonce was issued on: presented on another one it is stale, so a captured `Authorization` header
/// cannot be replayed elsewhere; replays on the same connection are caught by the verifier's nonce
/// counts (RFC 7616 §5.5).
public struct RTSPNonceIssuer: Sendable {
    public enum Validity: Sendable, Equatable { case valid, stale, invalid }

    /// Long enough for a 401 round trip; connections authenticate once per path and access.
    public static let defaultLifetime: Duration = .seconds(30)

    private let secret: [UInt8]
    public var lifetime: Duration

    /// `secret` should be 32 random bytes shared by the server's connections.
    public init(secret: [UInt8] = SecureRandom.bytes(32), lifetime: Duration = defaultLifetime) {
        self.secret = secret
        self.lifetime = lifetime
    }

    public func issue(now: Instant, binding: UInt64 = 0) -> String {
        var stamp: [UInt8] = []
        stamp.appendUInt64(now.nanoseconds)
        stamp.appendUInt64(binding)
        return stamp.hexString + tag(stamp)
    }

    public func validate(_ nonce: String, now: Instant, binding: UInt64 = 0) -> Validity {
        let bytes = Array(nonce.utf8)
        guard bytes.count == 64,
              let issuedValue = UInt64(String(decoding: bytes[0..<16], as: UTF8.self), radix: 16),
              let bindingValue = UInt64(String(decoding: bytes[16..<32], as: UTF8.self), radix: 16) else {
            return .invalid
        }
        var stamp: [UInt8] = []
        stamp.appendUInt64(issuedValue)
        stamp.appendUInt64(bindingValue)
        guard constantTimeEquals(String(decoding: bytes[32...], as: UTF8.self), tag(stamp)) else {
            return .invalid
        }
        guard bindingValue == binding else { return .stale }
        let issued = Instant(nanoseconds: issuedValue)
        guard issued <= now, now - issued <= lifetime else { return .stale }
        return .valid
    }

    private func tag(_ stamp: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = secret.withUnsafeBufferPointer { key in
            stamp.withUnsafeBufferPointer { data in
                out.withUnsafeMutableBufferPointer { md in
                    HMAC(EVP_sha256(), key.baseAddress, Int32(clamping: key.count), data.baseAddress, data.count, md.baseAddress, &length)
                }
            }
        }
        return out.prefix(16).hexString
    }
}
