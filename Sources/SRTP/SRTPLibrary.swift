import CSRTP

/// Process-wide libsrtp2 initialization. `srtp_init()` must run once before any session is
/// created; a Swift `static let` is initialized lazily and exactly once, thread-safely.
enum SRTPLibrary {
    /// The `srtp_err_status_t` returned by the single `srtp_init()` call.
    static let initializationStatus: Int32 = Int32(srtp_init().rawValue)

    /// `SRTP_MAX_TRAILER_LEN`: tailroom libsrtp may write after an RTP packet when protecting.
    static let maxRTPTrailerLength = Int(SRTP_MAX_TAG_LEN) + Int(SRTP_MAX_MKI_LEN)

    /// Tailroom for SRTCP: the RTP trailer plus the 4-byte E-flag/SRTCP index word (RFC 3711 §3.4).
    static let maxRTCPTrailerLength = maxRTPTrailerLength + 4
}
