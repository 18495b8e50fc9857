import COpenSSL
import CRTCShim
import SRTP

extension DTLSSession {
    /// ECDHE with ECDSA or RSA signatures and AEAD ciphers only. Both roles offer the RSA suites:
    /// some peers sign with RSA (GStreamer), some accept only ECDSA (aiortc).
    static let cipherList = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    static let groupList = "X25519:P-256:P-384"

    /// A DTLS 1.2-only SSL_CTX with the certificate, ciphers, verify callback and use_srtp list.
    static func makeContext(
        certificate: DTLSCertificate, configuration: DTLSConfiguration
    ) throws(DTLSError) -> OpaquePointer {
        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(DTLS_method()) else {
            throw .setupFailed(OpenSSLErrorQueue.drain("SSL_CTX_new"))
        }
        let srtpProfiles = configuration.profiles.map(\.openSSLName).joined(separator: ":")
        let failedStep: String? =
            if rtc_ssl_ctx_set_dtls12_only(context) != 1 { "DTLS 1.2 version bounds" }
            else if SSL_CTX_set_cipher_list(context, cipherList) != 1 { "cipher list" }
            else if rtc_ssl_ctx_set_groups(context, groupList) != 1 { "groups" }
            else if SSL_CTX_use_certificate(context, certificate.certificate) != 1 { "certificate" }
            else if SSL_CTX_use_PrivateKey(context, certificate.privateKey) != 1 { "private key" }
            else if SSL_CTX_check_private_key(context) != 1 { "key does not match certificate" }
            else if SSL_CTX_set_tlsext_use_srtp(context, srtpProfiles) != 0 { "use_srtp \(srtpProfiles)" }  // 0 = success
            else { nil }
        if let failedStep {
            SSL_CTX_free(context)
            throw .setupFailed(OpenSSLErrorQueue.drain(failedStep))
        }
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, dtlsVerifyCallback)
        // Shared by every session of the certificate: no session cache (WebRTC never resumes).
        // SSL_MODE_RELEASE_BUFFERS is not set: OpenSSL 3.0 ignores it for DTLS (measured: the
        // ~33 KiB of record buffers stay); `DTLSSession` frees them itself once connected.
        _ = SSL_CTX_ctrl(context, SSL_CTRL_SET_SESS_CACHE_MODE, Int(SSL_SESS_CACHE_OFF), nil)
        return context
    }

    /// An SSL object on a datagram BIO, with the callbacks context in ex-data slot 0, our
    /// retransmission timer, a fixed link MTU and the role's connect/accept state.
    static func makeSSL(
        context: OpaquePointer, callbacks: DTLSCallbackContext, role: DTLSRole, mtu: Int
    ) throws(DTLSError) -> OpaquePointer {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context) else { throw .setupFailed(OpenSSLErrorQueue.drain("SSL_new")) }
        guard let bio = DatagramBIO.make(context: callbacks) else {
            SSL_free(ssl)
            throw .setupFailed(OpenSSLErrorQueue.drain("datagram BIO"))
        }
        SSL_set_bio(ssl, bio, bio)  // one BIO for both directions; the SSL owns its reference
        guard SSL_set_ex_data(ssl, 0, callbacks.opaque) == 1,
              rtc_dtls_configure_mtu(ssl, mtu) == 1
        else {
            SSL_free(ssl)
            throw .setupFailed(OpenSSLErrorQueue.drain("MTU \(mtu)"))
        }
        DTLS_set_timer_cb(ssl, dtlsRetransmitTimerCallback)
        switch role {
        case .client: SSL_set_connect_state(ssl)
        case .server: SSL_set_accept_state(ssl)
        }
        return ssl
    }
}
