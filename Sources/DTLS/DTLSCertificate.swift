import COpenSSL
import CRTCShim
import RTCBase
import Synchronization

/// A self-signed ECDSA P-256 certificate and its private key, as WebRTC endpoints use for
/// DTLS-SRTP (RFC 8827 §6.5); peers authenticate it by fingerprint only (RFC 8122).
///
/// `@unchecked Sendable`: the X509 and EVP_PKEY objects are never mutated after `generate`,
/// and OpenSSL reference-counts them atomically when a session's SSL_CTX takes them.
public final class DTLSCertificate: @unchecked Sendable {
    /// SHA-256 of the certificate's DER encoding, for `a=fingerprint`.
    public let fingerprint: DTLSFingerprint
    let certificate: OpaquePointer
    let privateKey: OpaquePointer
    /// One configured SSL_CTX per SRTP profile list, made on first use and shared by every session
    /// of this certificate (SSL_CTX is safe to share once configured); each session holds a reference.
    private let contexts = Mutex<[String: OpaquePointer]>([:])

    private init(certificate: OpaquePointer, privateKey: OpaquePointer, fingerprint: DTLSFingerprint) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.fingerprint = fingerprint
    }

    deinit {
        for context in contexts.withLock({ Array($0.values) }) { SSL_CTX_free(context) }
        X509_free(certificate)
        EVP_PKEY_free(privateKey)
    }

    /// The shared SSL_CTX for `configuration`, with a reference the caller must release
    /// (SSL_CTX_free).
    func sharedContext(configuration: DTLSConfiguration) throws(DTLSError) -> OpaquePointer {
        let key = configuration.profiles.map(\.openSSLName).joined(separator: ":")
        let context = try contexts.withLock { cache throws(DTLSError) -> OpaquePointer in
            if let context = cache[key] { return context }
            let context = try DTLSSession.makeContext(certificate: self, configuration: configuration)
            cache[key] = context
            return context
        }
        SSL_CTX_up_ref(context)
        return context
    }

    /// Validity: from one day ago (peer clock skew) to 30 days from now.
    public static let validityDays = 30

    /// Generates a fresh key pair and a self-signed X.509 v3 certificate with a random
    /// positive 64-bit serial number, signed with ECDSA-SHA256.
    public static func generate(commonName: String = "rtcbridge") throws(DTLSError) -> DTLSCertificate {
        guard (1...64).contains(commonName.utf8.count),
              commonName.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f })
        else { throw .invalidCommonName }
        OpenSSLErrorQueue.clear()
        guard let key = rtc_generate_p256_key() else {
            throw .certificateGeneration(OpenSSLErrorQueue.drain("P-256 key generation"))
        }
        guard let x509 = X509_new() else {
            EVP_PKEY_free(key)
            throw .certificateGeneration(OpenSSLErrorQueue.drain("X509_new"))
        }
        guard fill(x509, key: key, commonName: commonName),
              let digest = FingerprintPin.digest(of: x509, function: EVP_sha256())
        else {
            X509_free(x509)
            EVP_PKEY_free(key)
            throw .certificateGeneration(OpenSSLErrorQueue.drain("self-signed certificate"))
        }
        return DTLSCertificate(
            certificate: x509, privateKey: key,
            fingerprint: DTLSFingerprint(algorithm: "sha-256", digest: digest))
    }

    private static func fill(_ x509: OpaquePointer, key: OpaquePointer, commonName: String) -> Bool {
        var serial = SecureRandom.bytes(8)
        serial[0] = (serial[0] & 0x7f) | 0x01  // positive and non-zero (RFC 5280 §4.1.2.2)
        let serialNumber = serial.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let secondsPerDay = 86_400
        guard X509_set_version(x509, 2) == 1,  // v3
              ASN1_INTEGER_set_uint64(X509_get_serialNumber(x509), serialNumber) == 1,
              X509_gmtime_adj(X509_getm_notBefore(x509), -secondsPerDay) != nil,
              X509_gmtime_adj(X509_getm_notAfter(x509), validityDays * secondsPerDay) != nil,
              let name = X509_get_subject_name(x509),
              rtc_x509_name_add_common_name(name, commonName) == 1,
              X509_set_issuer_name(x509, name) == 1,
              X509_set_pubkey(x509, key) == 1,
              X509_sign(x509, key, EVP_sha256()) > 0
        else { return false }
        return true
    }
}
