import COpenSSL

/// State OpenSSL's C callbacks reach through a `void *` (BIO data and SSL ex-data slot 0):
/// the datagram being fed in, the datagrams written out, the fingerprint pin and the first
/// retransmission timeout. Owned by the `DTLSSession`, which frees the SSL (and so the BIO)
/// before this object goes away; the C side holds it unretained.
final class DTLSCallbackContext {
    /// The datagram OpenSSL may read; valid only during `DTLSSession.handle(datagram:now:)`.
    var input: UnsafeRawBufferPointer?
    /// Datagrams OpenSSL wrote, oldest first; one `BIO_write` is one datagram.
    var written: [[UInt8]] = []
    /// Set when the verify callback saw a leaf certificate that does not match the pin.
    var fingerprintMismatch = false
    let pin: FingerprintPin
    let initialRetransmitMicroseconds: UInt32

    init(pin: FingerprintPin, initialRetransmitMicroseconds: UInt32) {
        self.pin = pin
        self.initialRetransmitMicroseconds = initialRetransmitMicroseconds
    }

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> DTLSCallbackContext? {
        guard let pointer else { return nil }
        return Unmanaged<DTLSCallbackContext>.fromOpaque(pointer).takeUnretainedValue()
    }

    static func from(ssl: OpaquePointer?) -> DTLSCallbackContext? {
        guard let ssl else { return nil }
        return from(SSL_get_ex_data(ssl, 0))
    }
}

/// RFC 6347 §4.2.4.1 timer: the configured initial value, doubling per retransmission, at most
/// 60 s. OpenSSL calls it with 0 when a flight's timer starts fresh.
let dtlsRetransmitTimerCallback: @convention(c) (OpaquePointer?, UInt32) -> UInt32 = { ssl, previous in
    let maximum: UInt32 = 60_000_000
    guard previous > 0 else {
        return DTLSCallbackContext.from(ssl: ssl)?.initialRetransmitMicroseconds ?? 1_000_000
    }
    let (doubled, overflow) = previous.multipliedReportingOverflow(by: 2)
    return overflow ? maximum : min(doubled, maximum)
}

/// Certificate verification for self-signed WebRTC certificates (RFC 8827 §6.5): the chain is not
/// checked against any trust store; the leaf (depth 0) must match the remote fingerprint. OpenSSL
/// may call this several times per certificate (once per chain error); each call re-checks.
let dtlsVerifyCallback: @convention(c) (Int32, OpaquePointer?) -> Int32 = { _, store in
    guard let store,
          let ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()),
          let context = DTLSCallbackContext.from(ssl: OpaquePointer(ssl))
    else { return 0 }
    guard X509_STORE_CTX_get_error_depth(store) == 0 else { return 1 }
    guard let leaf = X509_STORE_CTX_get_current_cert(store), context.pin.matches(leaf) else {
        context.fingerprintMismatch = true
        X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED)  // peer gets bad_certificate
        return 0
    }
    return 1
}
