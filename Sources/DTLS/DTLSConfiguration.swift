import SRTP

/// Settings for one `DTLSSession`. Defaults suit WebRTC (RFC 8827, RFC 8842).
public struct DTLSConfiguration: Sendable {
    /// Largest DTLS datagram OpenSSL should build (UDP payload bytes; RFC 6347 §4.1.1).
    /// OpenSSL 3.0 may overshoot by ~23 bytes on the last flight.
    public var mtu = 1200
    /// The handshake fails with "handshake timeout" if not connected this long after `init`.
    public var handshakeTimeout: Duration = .seconds(10)
    /// SRTP profiles offered (client) or accepted (server), most preferred first (RFC 5764 §4.1.1).
    public var profiles: [SRTPProtectionProfile] = [.aeadAES128GCM, .aes128CMHMACSHA1_80]
    /// First retransmission timeout (RFC 6347 §4.2.4.1 recommends 1 s); it doubles up to 60 s.
    /// Values are clamped to `minimumRetransmitTimeout`...60 s.
    public var initialRetransmitTimeout: Duration = .seconds(1)
    /// Largest record length accepted from the wire: 2^14 + 2048 (RFC 6347 §4.1, RFC 5246 §6.2.3).
    public var maxRecordSize = 16_384 + 2_048
    /// Most records accepted in one datagram; more and the datagram is dropped.
    public var maxRecordsPerDatagram = 32
    /// Largest payload `send(applicationData:)` accepts (2^14, RFC 5246 §6.2.1).
    public var maxApplicationDataSize = 16_384

    /// OpenSSL 3.0 treats a timer less than 15 ms from expiry as expired, so shorter initial
    /// timeouts would retransmit on every read.
    public static let minimumRetransmitTimeout: Duration = .milliseconds(25)

    public init() {}
}
