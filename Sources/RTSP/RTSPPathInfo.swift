import SDP

/// Reading or publishing a path.
public enum RTSPAccess: Sendable, Hashable { case read, publish }

/// The runtime's answer to a `.lookup`: what the path holds and who may use it.
public struct RTSPPathInfo: Sendable, Equatable {
    /// The path's description for readers; nil when nothing is published (DESCRIBE → 404).
    public var description: SessionDescription?
    /// nil means open access.
    public var authentication: RTSPAuthPolicy?
    /// Whether ANNOUNCE/RECORD may publish here (else 403).
    public var allowsPublishing: Bool

    public init(description: SessionDescription? = nil, authentication: RTSPAuthPolicy? = nil,
                allowsPublishing: Bool = false) {
        self.description = description
        self.authentication = authentication
        self.allowsPublishing = allowsPublishing
    }
}
