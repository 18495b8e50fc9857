import ICE
import RTCBase

/// Full ICE (RFC 8445) for a session instead of ICE-lite: the agent's role, our host candidate(s)
/// and the peer's candidates (more may be trickled with `WebRTCSession.addRemoteCandidate`).
/// A session has one socket, so every datagram is attributed to the first local candidate's base.
public struct FullICEParameters: Sendable {
    /// `.controlling` for the offering client (RFC 8445 §6.1.1: the full agent facing a lite
    /// one controls; an offerer facing a full agent controls too); `.controlled` for a server.
    public var role: ICERole
    public var localCandidates: [ICECandidate]
    public var remoteCandidates: [ICECandidate]
    public var configuration: ICEAgentConfiguration
    /// Tie-breaker for tests that force a role conflict's outcome; nil: random.
    public var tieBreaker: UInt64?

    public init(role: ICERole, localCandidates: [ICECandidate], remoteCandidates: [ICECandidate] = [],
                configuration: ICEAgentConfiguration = .init(), tieBreaker: UInt64? = nil) {
        self.role = role
        self.localCandidates = localCandidates
        self.remoteCandidates = remoteCandidates
        self.configuration = configuration
        self.tieBreaker = tieBreaker
    }
}

/// What a session's ICE part reports, the same for both agents.
enum SessionICEOutput {
    case transmit([UInt8], to: TransportAddress)
    /// The first nominated address.
    case connected(TransportAddress)
    /// ICE cannot carry media any more (consent expired, every pair failed); the reason.
    case failed(String)
    case other
    case timeout(Instant)
}

/// The ICE agent a `WebRTCSession` runs: ICE-lite (the gateway's answers, the default) or a full
/// agent (the WHIP/WHEP client, controlling; optionally a server, controlled). Exactly one of the
/// two is set; both are mutated in place through optional chaining (no copy per call).
struct SessionICE {
    private(set) var lite: ICELiteAgent?
    private(set) var full: ICEAgent?
    /// The local base every datagram of a full agent is attributed to.
    private let base: TransportAddress?
    private var hasConnected = false

    init(configuration: WebRTCSession.Configuration, now: Instant) {
        guard let parameters = configuration.fullICE else {
            lite = ICELiteAgent(local: configuration.localCredentials, remote: configuration.remoteCredentials,
                                configuration: configuration.ice, now: now)
            base = nil
            return
        }
        var agent = ICEAgent(role: parameters.role, local: configuration.localCredentials,
                             remote: configuration.remoteCredentials, tieBreaker: parameters.tieBreaker,
                             configuration: parameters.configuration, now: now)
        for candidate in parameters.localCandidates { agent.addLocalCandidate(candidate, now: now) }
        for candidate in parameters.remoteCandidates { agent.addRemoteCandidate(candidate, now: now) }
        full = agent
        base = parameters.localCandidates.first?.base
    }

    var local: ICECredentials { lite?.local ?? full?.local ?? ICECredentials(ufrag: "", password: "") }

    var selectedAddress: TransportAddress? {
        if let lite { return lite.selectedAddress }
        guard let full, full.state != .failed else { return nil }
        return full.selectedPair?.remote.address
    }

    func isValidated(_ address: TransportAddress) -> Bool {
        lite?.isValidated(address) ?? full?.isValidated(address) ?? false
    }

    /// False when the datagram was dropped (counted by the agent).
    mutating func handleSTUN(_ datagram: ArraySlice<UInt8>, from source: TransportAddress, now: Instant) -> Bool {
        if lite != nil { return lite?.handleSTUN(datagram, from: source, now: now) ?? false }
        guard let base else { return false }
        return full?.handleSTUN(datagram, from: source, to: base, now: now) ?? false
    }

    mutating func handleTimeout(now: Instant) {
        lite?.handleTimeout(now: now)
        full?.handleTimeout(now: now)
    }

    mutating func restart(local: ICECredentials, remote: ICECredentials, now: Instant) {
        lite?.restart(local: local, remote: remote, now: now)
        full?.restart(local: local, remote: remote, now: now)
    }

    /// Trickled remote candidate; false for an ICE-lite session (it learns addresses from checks)
    /// or when the agent refused it (known, over its cap).
    mutating func addRemoteCandidate(_ candidate: ICECandidate, now: Instant) -> Bool {
        full?.addRemoteCandidate(candidate, now: now) ?? false
    }

    mutating func poll() -> SessionICEOutput {
        if let output = lite?.poll() {
            switch output {
            case .transmit(let bytes, let to): return .transmit(bytes, to: to)
            case .event(.connected(let address)): return .connected(address)
            case .event(.consentExpired): return .failed("ICE consent expired")
            case .event: return .other
            case .timeout(let deadline): return .timeout(deadline)
            }
        }
        guard let output = full?.poll() else { return .timeout(.distantFuture) }
        switch output {
        case .transmit(let bytes, _, let to): return .transmit(bytes, to: to)
        case .event(.selectedPairChanged(let pair)):
            guard !hasConnected else { return .other }
            hasConnected = true
            return .connected(pair.remote.address)
        case .event(.stateChanged(.failed)):
            return .failed(hasConnected ? "ICE consent expired" : "ICE failed: no candidate pair answered")
        case .event: return .other
        case .timeout(let deadline): return .timeout(deadline)
        }
    }
}
