import SRTP

/// Something that happened in a `DTLSSession`.
public enum DTLSEvent: Sendable, Equatable {
    /// Handshake complete, peer fingerprint verified, SRTP keys exported (RFC 5764 §4.2).
    case connected(SRTPKeyingMaterial)
    /// Decrypted application data (one DTLS record's payload; SCTP packets for data channels).
    case applicationData([UInt8])
    /// The session ended with an error; the string says why.
    case failed(String)
    /// The peer sent close_notify (RFC 5246 §7.2.1).
    case closed
}
