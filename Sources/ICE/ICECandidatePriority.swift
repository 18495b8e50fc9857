/// Candidate priority (RFC 8445 §5.1.2.1):
/// `2^24 × type preference + 2^8 × local preference + (256 − component ID)`.
public enum ICECandidatePriority {
    /// Recommended type preferences (RFC 8445 §5.1.2.2).
    public static let hostTypePreference: UInt8 = 126
    public static let peerReflexiveTypePreference: UInt8 = 110
    public static let serverReflexiveTypePreference: UInt8 = 100
    public static let relayedTypePreference: UInt8 = 0

    /// Priority of a host candidate (type preference 126). `component` is clamped to 1...256.
    public static func host(localPreference: UInt16, component: Int = 1) -> UInt32 {
        priority(typePreference: hostTypePreference, localPreference: localPreference, component: component)
    }

    /// Priority for any type preference (0...126; larger values are clamped to 126).
    public static func priority(typePreference: UInt8, localPreference: UInt16, component: Int = 1) -> UInt32 {
        let type = UInt32(min(typePreference, 126))
        let componentID = UInt32(min(max(component, 1), 256))
        return type << 24 | UInt32(localPreference) << 8 | (256 - componentID)
    }
}
