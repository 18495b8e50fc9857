/// A `<type>=<value>` line that has no typed field (`i=`, `u=`, `e=`, `p=`, `b=`, `r=`, `z=`, `k=`
/// and unknown types), kept so it survives a round trip (RFC 8866 §5: unknown types are ignored).
public struct SDPLine: Sendable, Equatable {
    /// The single-letter type.
    public var type: Character
    public var value: String

    public init(type: Character, value: String) {
        self.type = type
        self.value = value
    }
}
