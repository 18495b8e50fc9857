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
    /// Nothing is published yet but a source may start on demand: an authorized DESCRIBE asks the
    /// runtime to start it (`.wake`), an unauthorized one never does.
    public var startsOnDemand: Bool

    public init(description: SessionDescription? = nil, authentication: RTSPAuthPolicy? = nil,
                allowsPublishing: Bool = false, startsOnDemand: Bool = false) {
        self.description = description
        self.authentication = authentication
        self.allowsPublishing = allowsPublishing
        self.startsOnDemand = startsOnDemand
    }
}
