import COpenSSL

/// The expected peer certificate digest (RFC 8122 §5) and the hash that produces it. DTLS-SRTP
/// peers use self-signed certificates, so this pin is the whole of peer authentication.
struct FingerprintPin {
    let expected: [UInt8]
    private let digestFunction: OpaquePointer

    /// nil for hash names other than sha-1/224/256/384/512 or a digest of the wrong length.
    init?(_ fingerprint: DTLSFingerprint) {
        guard let function = Self.digestFunction(named: fingerprint.algorithm),
              let digest = fingerprint.digest,
              Int(EVP_MD_get_size(function)) == digest.count
        else { return nil }
        expected = digest
        digestFunction = function
    }

    /// The digest of `certificate`'s DER encoding with `digestFunction`.
    static func digest(of certificate: OpaquePointer, function: OpaquePointer) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(certificate, function, &buffer, &length) == 1,
              length > 0, Int(length) <= buffer.count
        else { return nil }
        return Array(buffer[0..<Int(length)])
    }

    /// Constant-time comparison of the certificate's digest with the expected one.
    func matches(_ certificate: OpaquePointer) -> Bool {
        guard let actual = Self.digest(of: certificate, function: digestFunction),
              actual.count == expected.count
        else { return false }
        return actual.withUnsafeBytes { a in
            expected.withUnsafeBytes { b in CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
        }
    }

    static func digestFunction(named name: String) -> OpaquePointer? {
        switch name.lowercased() {
        case "sha-1": EVP_sha1()
        case "sha-224": EVP_sha224()
        case "sha-256": EVP_sha256()
        case "sha-384": EVP_sha384()
        case "sha-512": EVP_sha512()
        default: nil
        }
    }
}
