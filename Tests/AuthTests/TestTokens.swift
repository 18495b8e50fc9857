import Foundation
import JWTKit

/// Test keys and hand-built tokens: every header, payload and signature is under the test's
/// control, so `none`, algorithm confusion and tampering can be expressed directly.
enum TestTokens {
    /// A 2048-bit RSA key generated for these tests only (`openssl genrsa 2048`).
    static let rsaPEM = """
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCy54h1N5CG0EgY
kk207QQBK/YMHZzGcH/3KkYWnP4hOgcba8Z5Y70QG69NNtZjP+AITsj11WLACAkQ
Q3VDxCBlE/43fb3BKTy5KOXiB2rQPBwc5X7ZgQWSw0YTG+5xNPZBsqCAlBhPWrde
zF1yHY0sVaBch150do1xiL5/uF1DdTRWtSs5KhmDNx4JVqbB47hYoqaBV0XImncr
A+yu45ez67vdcuR7QMsRgIffIAMv5dXSqv/okCM0tVv2cCrfXOcro7KaJLjWR8BG
stMgkRxqQVoFbjIvyRZxar1SJCsBT9via1HKJvU8eehp7t7BkmpWacLjQvRNXFac
N44yxdr3AgMBAAECggEAC8uqOphERi87Yatbxj8OUYl1eo0FRiwqs8AsyNbnBofN
6ifr+RrzXzmEEGI6NmcCvWl8ZIECNskQ1+qqs6IdxKxRyZTXywGOCGNC7OkySLJ9
5AXZnDueg3Oujhn8Wah1SBWf8XpSNAE2L+DnlFuQcEjg/tjKCIG8h6zNapxcQdM+
/6Xk9XljBKSAl12e3Sbci8f8XDshAhmkPI38DHX6m1L6ZWl6hZY8JbW1l25nXS0S
nGPcECsU+rRng97dINOwUWIWrNjBzhPbUylN8DJL6oL4v/lkysik7FJx4oietInW
H0qxTw6elXyWvHYY+Ivt/F9r30sYgLek79Yjlc1vKQKBgQDztDBD+JnD1t14lpkv
z1VmjUOOs8PLVQYMeBwu18EtxQJTVI7THC0XLZr2CeFleObdgIZDZqah3O4hwl0u
63sj1scpAzqb+wpAiTAheDuYLcyLc3Dpb5Yd7dPuF2NFvPeu53tHSwUCN+cC18rV
u2uHKq3MEyRG3r46EiNfQGBdhQKBgQC77lwbP3oWol24aiMOoSs4OLUMxUCyuJ8e
yy7M6+2QEcXRfqYZ1vHyz/CDIbsaZHDpbD4vYgeIs7Rfztw9yvQ9MgBCUioAA3zt
V+0m/kkRfSi4WzztgIslPxRWqoUaSEgj6HbJ/jfzXfcRWbCKQnhCXEqc5SdmDWMQ
bL9v8VQxSwKBgQDQsJe4TRWXr9KdphDt8RVHqWaVt/jNkTSJzv0LW/TwNcmlBD7+
Jx2xwHr3gESEuYCxY5MV+rxs1Z0SSbe0KzCa4xxPUZWJ5vLDivctYiFeUrHbJPMm
40hgvr2CIIMBQC21mEJoLaTPXoGzXIk0d7c/21tS631gNvQdFFU4Bw++ZQKBgFTs
8lKd7N4toYyk6hLCYnWVqruKqCIbrEyOJSgVtdVVMr/pK8ahi9TegyG/LH5QxXW2
pKNk+WKdUvW41W5XOOguoE9YMgKvkNTw1wq3/u0YUj59fJsXa8n5J4fCp0OpRnBz
rLq7Vy1zWSNOFKlmQFI8wrsEEzna8tmJSzmbJSDhAoGAJuMds9d4on2bVjTUZLbz
HO94scK3lbrqSVSjNvybPR6zE4Gvv0xCgcKtLSKEgbuKFTYF0bLCFNxjiqCtBFBe
1ACrI+aL2Fi9rkV9G/HXAznr8hAI6dZoRc2t7Emp7t/kbNOJnlSRqoiY/2noSPkF
CXmuJmky3Tk1pKGlYT1YaNQ=
-----END PRIVATE KEY-----
"""
    static let secret = "0123456789abcdef0123456789abcdef-test"
    static let now = 1_800_000_000.0

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// `header.payload.signature`, signed with `algorithm` (nil: an empty signature).
    static func token(header: String, payload: String, signer: (any JWTAlgorithm)?) throws -> String {
        let input = base64URL(Array(header.utf8)) + "." + base64URL(Array(payload.utf8))
        let signature = try signer.map { try $0.sign(Array(input.utf8)) } ?? []
        return input + "." + base64URL(signature)
    }

    static func payload(exp: Double? = now + 300, nbf: Double? = nil, read: [String] = ["cam*"], publish: [String] = ["door"],
                        api: Bool = false, extra: String = "") -> String {
        var fields: [String] = []
        if let exp { fields.append("\"exp\":\(exp)") }
        if let nbf { fields.append("\"nbf\":\(nbf)") }
        let reads = read.map { "\"\($0)\"" }.joined(separator: ",")
        let publishes = publish.map { "\"\($0)\"" }.joined(separator: ",")
        fields.append("\"rtcbridge\":{\"read\":[\(reads)],\"publish\":[\(publishes)],\"api\":\(api)}")
        if !extra.isEmpty { fields.append(extra) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func hmacSigner(_ secret: String = secret) async throws -> any JWTAlgorithm {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: "k")
        return try await keys.getKey(for: "k", alg: "HS256")
    }

    static func rsaKey() throws -> Insecure.RSA.PrivateKey { try Insecure.RSA.PrivateKey(pem: rsaPEM) }

    static func rsaSigner() async throws -> any JWTAlgorithm {
        let keys = JWTKeyCollection()
        let key = try rsaKey()
        await keys.add(rsa: key, digestAlgorithm: .sha256, kid: "r")
        return try await keys.getKey(for: "r", alg: "RS256")
    }

    static func ecSigner(_ key: ES256PrivateKey) async throws -> any JWTAlgorithm {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: "e")
        return try await keys.getKey(for: "e", alg: "ES256")
    }

    /// A public JWKS with the RSA key as `rsa1` and `ec` as `ec1`.
    static func jwks(ec: ES256PrivateKey) throws -> String {
        let (modulus, exponent) = try rsaKey().publicKey.getKeyPrimitives()
        guard let parameters = ec.parameters else { throw JWTKeySetTestError() }
        return """
        {"keys": [
          {"kty": "RSA", "kid": "rsa1", "alg": "RS256", "use": "sig", "n": "\(base64URL(modulus))", "e": "\(base64URL(exponent))"},
          {"kty": "EC", "kid": "ec1", "crv": "P-256", "x": "\(parameters.x)", "y": "\(parameters.y)"}
        ]}
        """
    }
}

struct JWTKeySetTestError: Error {}
