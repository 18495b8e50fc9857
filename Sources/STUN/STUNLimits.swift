/// Caps applied while parsing STUN from the wire (house rule: every size and count is bounded).
public struct STUNLimits: Sendable, Hashable {
    /// Largest accepted message, header included. 1500 bytes: one Ethernet MTU; ICE checks are
    /// ~100–200 bytes and RFC 8489 §6.1 keeps STUN over UDP below the path MTU.
    public var maxMessageSize: Int = 1500
    /// Most attributes walked in one message (ignored ones after MESSAGE-INTEGRITY included).
    public var maxAttributes: Int = 64
    /// Longest USERNAME value: RFC 8489 §14.3 requires fewer than 509 bytes.
    public var maxUsernameLength: Int = 508
    /// Longest REALM and NONCE values: RFC 8489 §14.9–§14.10 allow fewer than 128 characters,
    /// at most 763 bytes.
    public var maxRealmLength: Int = 763
    public var maxNonceLength: Int = 763
    /// Longest DATA value (RFC 8656 §18.4); also bounded by `maxMessageSize`.
    public var maxDataLength: Int = 1500

    public init() {}

    public init(maxMessageSize: Int = 1500, maxAttributes: Int = 64, maxUsernameLength: Int = 508,
                maxRealmLength: Int = 763, maxNonceLength: Int = 763, maxDataLength: Int = 1500) {
        self.maxMessageSize = maxMessageSize
        self.maxAttributes = maxAttributes
        self.maxUsernameLength = maxUsernameLength
        self.maxRealmLength = maxRealmLength
        self.maxNonceLength = maxNonceLength
        self.maxDataLength = maxDataLength
    }
}
