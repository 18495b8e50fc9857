/// An SRTP protection profile negotiated by DTLS-SRTP (RFC 5764 §4.1.2), identified by its
/// IANA "DTLS-SRTP Protection Profiles" value. AEAD_AES_128_GCM is defined by RFC 7714 §14.2.
public enum SRTPProtectionProfile: UInt16, Sendable, CaseIterable {
    /// SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2): AES-128 counter mode, 80-bit HMAC-SHA1 tag.
    case aes128CMHMACSHA1_80 = 0x0001
    /// SRTP_AEAD_AES_128_GCM (RFC 7714 §14.2): AES-128-GCM with a 16-byte tag.
    case aeadAES128GCM = 0x0007

    /// Master key length in bytes.
    public var masterKeyLength: Int { 16 }

    /// Master salt length in bytes: 112 bits for AES-CM (RFC 3711 §8.2), 96 bits for GCM (RFC 7714 §12).
    public var masterSaltLength: Int {
        switch self {
        case .aes128CMHMACSHA1_80: 14
        case .aeadAES128GCM: 12
        }
    }

    /// Authentication tag length appended to each SRTP packet, in bytes.
    public var rtpTagLength: Int {
        switch self {
        case .aes128CMHMACSHA1_80: 10
        case .aeadAES128GCM: 16
        }
    }

    /// The profile name used by OpenSSL's `use_srtp` extension list.
    public var openSSLName: String {
        switch self {
        case .aes128CMHMACSHA1_80: "SRTP_AES128_CM_SHA1_80"
        case .aeadAES128GCM: "SRTP_AEAD_AES_128_GCM"
        }
    }
}
