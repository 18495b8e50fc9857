/// Who may read or publish a path and how they prove it (server side of RFC 7617 / RFC 7616).
public struct RTSPAuthPolicy: Sendable, Equatable {
    public var realm: String
    public var users: [RTSPCredentials]
    /// Offer and accept Basic (only sensible over TLS or on trusted networks).
    public var allowsBasic: Bool
    /// Digest algorithms offered, in challenge order (ffmpeg, VLC and live555 only know MD5).
    public var digestAlgorithms: [RTSPDigestAlgorithm]

    public init(realm: String, users: [RTSPCredentials], allowsBasic: Bool = false,
                digestAlgorithms: [RTSPDigestAlgorithm] = [.md5]) {
        self.realm = realm
        self.users = users
        self.allowsBasic = allowsBasic
        self.digestAlgorithms = digestAlgorithms
    }
}
