import Foundation
import JWTKit

/// The keys JWTs are checked with: an HS256 secret and RS256/ES256 public keys from a JWKS
/// document, each with the one algorithm it may verify (so an HS256 token can never be checked
/// against an RSA key's bytes: algorithm confusion). Loaded once at start; verifying is then
/// synchronous (jwt-kit's `JWTAlgorithm.verify`), with no clock and no IO.
public struct JWTKeySet: Sendable {
    /// One verification key and the `alg` a token must name to use it.
    public struct Key: Sendable {
        public let algorithm: String
        let verifier: any JWTAlgorithm
    }

    /// Algorithms accepted at all; anything else (`none` included) is refused before any key is looked at.
    public static let supportedAlgorithms: Set<String> = ["HS256", "RS256", "ES256"]
    /// Keys one JWKS document may hold.
    public static let maxKeys = 64
    /// Bytes of a JWKS document at most.
    public static let maxJWKSBytes = 1 << 20

    /// JWKS keys by `kid`.
    public private(set) var keys: [String: Key] = [:]
    /// The HS256 secret, used by tokens without a `kid` (or whose `kid` is not in the JWKS).
    public private(set) var secret: Key?

    public init() {}

    /// Reads a JWKS document (`{"keys": [...]}`) and an HS256 secret (either may be nil).
    /// Every JWKS key needs a `kid`; its algorithm is its `alg`, else RS256 for RSA keys and
    /// ES256 for EC P-256 keys. Errors say which key is unusable, never a secret.
    public static func load(jwksJSON: String?, secret: String?) async throws -> JWTKeySet {
        var set = JWTKeySet()
        if let secret {
            guard secret.utf8.count >= 32 else { throw JWTKeySetError("the JWT secret must be at least 32 bytes") }
            let collection = JWTKeyCollection()
            await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: "secret")
            set.secret = Key(algorithm: "HS256", verifier: try await collection.getKey(for: "secret", alg: "HS256"))
        }
        guard let jwksJSON else { return set }
        guard jwksJSON.utf8.count <= maxJWKSBytes else { throw JWTKeySetError("the JWKS document is larger than \(maxJWKSBytes) bytes") }
        let jwks: JWKS
        do { jwks = try JSONDecoder().decode(JWKS.self, from: Data(jwksJSON.utf8)) } catch {
            throw JWTKeySetError("the JWKS document is not a JSON object with a \"keys\" list of JWKs")
        }
        guard jwks.keys.count <= maxKeys else { throw JWTKeySetError("the JWKS document has more than \(maxKeys) keys") }
        for (index, original) in jwks.keys.enumerated() {
            guard let kid = original.keyIdentifier?.string, !kid.isEmpty else {
                throw JWTKeySetError("JWKS key #\(index + 1) has no \"kid\"")
            }
            guard set.keys[kid] == nil else { throw JWTKeySetError("JWKS key id '\(kid)' appears twice") }
            var jwk = original
            let algorithm: String
            switch (jwk.algorithm?.rawValue, jwk.keyType) {
            case (let alg?, _): algorithm = alg
            case (nil, .rsa): algorithm = "RS256"
            case (nil, .ecdsa) where jwk.curve == .ecdsa(.p256): algorithm = "ES256"
            default: throw JWTKeySetError("JWKS key '\(kid)': no \"alg\" and not an RSA or P-256 key")
            }
            guard algorithm == "RS256" && jwk.keyType == .rsa || algorithm == "ES256" && jwk.keyType == .ecdsa,
                  let jwkAlgorithm = JWK.Algorithm(rawValue: algorithm) else {
                throw JWTKeySetError("JWKS key '\(kid)': algorithm \(algorithm) with key type \(jwk.keyType.rawValue) is not supported (RS256 with RSA, ES256 with EC P-256)")
            }
            jwk.algorithm = jwkAlgorithm
            let collection = JWTKeyCollection()
            do {
                try await collection.add(jwk: jwk)
                set.keys[kid] = Key(algorithm: algorithm, verifier: try await collection.getKey(for: JWKIdentifier(string: kid), alg: algorithm))
            } catch {
                throw JWTKeySetError("JWKS key '\(kid)' is not a usable \(algorithm) key")
            }
        }
        return set
    }

    /// The key a token with this header verifies with, or why there is none.
    func key(algorithm: String, kid: String?) -> Result<Key, AuthDenial> {
        guard Self.supportedAlgorithms.contains(algorithm) else { return .failure(.unsupportedAlgorithm) }
        if let kid, let key = keys[kid] {
            return key.algorithm == algorithm ? .success(key) : .failure(.wrongAlgorithm)
        }
        if algorithm == "HS256" {
            if let secret { return .success(secret) }
            return .failure(keys.isEmpty ? .unknownKey : .wrongAlgorithm)
        }
        if kid != nil { return .failure(.unknownKey) }
        // No kid: the one key of that algorithm, if there is exactly one.
        let candidates = keys.values.filter { $0.algorithm == algorithm }
        guard candidates.count == 1, let only = candidates.first else {
            return .failure(candidates.isEmpty && secret != nil ? .wrongAlgorithm : .unknownKey)
        }
        return .success(only)
    }
}

/// A JWKS document or secret that cannot be used; the text never holds key material.
public struct JWTKeySetError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
