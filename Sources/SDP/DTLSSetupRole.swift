/// The `a=setup` attribute: which side opens the DTLS association (RFC 8842 §5, RFC 4145 §4).
public enum DTLSSetupRole: String, Sendable, CaseIterable {
    case active, passive, actpass, holdconn
}
