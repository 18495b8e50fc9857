/// Session-level typed views (RFC 8843 BUNDLE, RFC 8839 ICE, RFC 8842 DTLS, RFC 8830 msid) and
/// helpers that resolve a media section's value falling back to the session level.
extension SessionDescription {
    /// mids of each `a=group:<semantics> <mid>...` line with the given semantics (RFC 5888 §5).
    public func groups(_ semantics: String) -> [[String]] {
        attributes.values(named: "group").compactMap { value in
            let parts = value.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = parts.first, first == semantics else { return nil }
            return parts.dropFirst().map(String.init)
        }
    }

    /// mids of the first `a=group:BUNDLE` line; the first mid is the BUNDLE tag.
    public var bundleGroup: [String]? { groups("BUNDLE").first }

    /// `a=ice-lite` (RFC 8839 §5.3).
    public var iceLite: Bool {
        get { attributes.contains(named: "ice-lite") }
        set { attributes.setFlag(newValue, named: "ice-lite") }
    }

    /// The media section with `a=mid:<mid>`.
    public func media(mid: String) -> MediaDescription? {
        media.first { $0.mid == mid }
    }

    /// The section whose ICE and DTLS attributes describe the transport: the BUNDLE group's tagged
    /// section (its first mid, RFC 8843 §7.2.1), else the first section not rejected, else the first.
    public var transportSection: MediaDescription? {
        bundleGroup?.first.flatMap { media(mid: $0) } ?? media.first { !$0.isRejected } ?? media.first
    }

    public func iceUfrag(for section: MediaDescription) -> String? { section.iceUfrag ?? iceUfrag }
    public func icePwd(for section: MediaDescription) -> String? { section.icePwd ?? icePwd }
    public func fingerprint(for section: MediaDescription) -> SDPFingerprint? { section.fingerprint ?? fingerprint }
    public func setup(for section: MediaDescription) -> DTLSSetupRole? { section.setup ?? setup }
    /// The section's `c=` value, else the session's (RFC 8866 §5.7).
    public func connection(for section: MediaDescription) -> String? { section.connection ?? connection }

    /// The address of a `c=IN IP4 <addr>[/ttl]` or `IN IP6 <addr>` value, without TTL/count suffix.
    public static func connectionAddress(_ connection: String) -> String? {
        let parts = connection.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[0] == "IN" else { return nil }
        return parts[2].split(separator: "/").first.map(String.init)
    }
}
