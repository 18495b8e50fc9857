import COpenSSL
import RTCBase

/// Stateless Digest nonces: `<issued-at hex>` + HMAC-SHA256 tag under a server secret, so any
/// connection can check a nonce and expiry needs no table (RFC 7616 §3.3 "nonce", §5.4).
public struct RTSPNonceIssuer: Sendable {
    public enum Validity: Sendable, Equatable { case valid, stale, invalid }

    private let secret: [UInt8]
    public var lifetime: Duration

    /// `secret` should be 32 random bytes shared by the server's connections.
    public init(secret: [UInt8] = SecureRandom.bytes(32), lifetime: Duration = .seconds(300)) {
        self.secret = secret
        self.lifetime = lifetime
    }

    public func issue(now: Instant) -> String {
        var stamp: [UInt8] = []
        stamp.appendUInt64(now.nanoseconds)
        return stamp.hexString + tag(stamp)
    }

    public func validate(_ nonce: String, now: Instant) -> Validity {
        let bytes = Array(nonce.utf8)
        guard bytes.count == 48, let stampValue = UInt64(String(decoding: bytes[0..<16], as: UTF8.self), radix: 16) else {
            return .invalid
        }
        var stamp: [UInt8] = []
        stamp.appendUInt64(stampValue)
        guard DigestComputation.constantTimeEqual(String(decoding: bytes[16...], as: UTF8.self), tag(stamp)) else {
            return .invalid
        }
        let issued = Instant(nanoseconds: stampValue)
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
