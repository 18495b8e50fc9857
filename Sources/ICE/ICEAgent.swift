import RTCBase
import STUN

/// A full ICE agent (RFC 8445) for one component, controlling or controlled, with consent
/// freshness as a sender (RFC 7675). Sans-IO: the owner adds local candidates (host; relayed ones
/// from a `TURNClient`), asks for server-reflexive ones (`gatherServerReflexive`), adds remote
/// candidates whenever they arrive (trickle), feeds every STUN datagram with the local base it
/// arrived on and the time, and drains `poll()` until `.timeout`.
///
/// Checks are paced one per `pacingInterval` (triggered checks first), retransmitted with a
/// doubling RTO, and the controlling agent nominates regularly: once a pair is valid (and no
/// better pair is still being checked, or `nominationWait` passed) it repeats the check on the
/// best valid pair with USE-CANDIDATE. Role conflicts are resolved by tie-breaker (487).
public struct ICEAgent: Sendable {
    enum PairState: Sendable, Hashable { case frozen, waiting, inProgress, succeeded, failed }

    struct Pair: Sendable {
        var local: ICECandidate
        var remote: ICECandidate
        var priority: UInt64
        var state: PairState
        /// The local candidate the peer saw (peer-reflexive when the mapped address differs).
        var validLocal: ICECandidate?
        var nominated = false
        /// Controlled: USE-CANDIDATE arrived before our own check on this pair succeeded.
        var nominateOnSuccess = false

        var foundation: String { local.foundation + "/" + remote.foundation }
        func matches(base: TransportAddress, remote address: TransportAddress) -> Bool {
            local.base == base && remote.address == address
        }
    }

    enum TransactionKind: Sendable, Hashable {
        case check(useCandidate: Bool)
        case consent
        case gather
    }

    struct Transaction: Sendable {
        var id: STUNTransactionID
        var kind: TransactionKind
        var bytes: [UInt8]
        var from: TransportAddress
        var to: TransportAddress
        var attempts: Int
        var maxAttempts: Int
        var rto: Duration
        var nextSend: Instant
        /// The role a check was sent with (a 487 answer switches away from it).
        var controlling = false
    }

    public let configuration: ICEAgentConfiguration
    public internal(set) var role: ICERole
    public internal(set) var state: ICEConnectionState = .new
    public internal(set) var local: ICECredentials
    public internal(set) var remote: ICECredentials?
    /// The RFC 8445 §7.3.1.1 tie-breaker.
    public let tieBreaker: UInt64
    public internal(set) var localCandidates: [ICECandidate] = []
    public internal(set) var remoteCandidates: [ICECandidate] = []
    /// Where media goes; nil before the first nomination and after consent failed.
    public internal(set) var selectedPair: ICECandidatePair?

    // Counters.
    /// Connectivity checks sent (retransmissions included), consent checks not counted.
    public internal(set) var checksSent = 0
    public internal(set) var consentChecksSent = 0
    /// Datagrams ignored (malformed, unauthenticated, unexpected, over a cap).
    public internal(set) var droppedDatagrams = 0
    public internal(set) var lastDropReason: ICEDropReason?
    /// Role conflicts seen (487 sent or received, or a switch on a request).
    public internal(set) var roleConflicts = 0
    /// When the agent first connected, for connect-time measurements.
    public internal(set) var connectedAt: Instant?

    var pairs: [Pair] = []
    var triggered: [(base: TransportAddress, remote: TransportAddress)] = []
    var transactions: [Transaction] = []
    var lastPacedSend: Instant?
    var firstValidAt: Instant?
    var lastConsent: Instant
    var nextConsent: Instant = .distantFuture
    var localKey: [UInt8]
    var remoteKey: [UInt8]?
    var jitterState: UInt64
    var pending = OutputQueue<ICEAgentOutput>()

    /// `tieBreaker` nil draws one from the CSPRNG; tests pass one to force a conflict's outcome.
    public init(role: ICERole, local: ICECredentials, remote: ICECredentials? = nil, tieBreaker: UInt64? = nil,
                configuration: ICEAgentConfiguration = .init(), now: Instant) {
        self.role = role
        self.local = local
        self.remote = remote
        self.configuration = configuration
        self.tieBreaker = tieBreaker ?? (UInt64(SecureRandom.uint32()) << 32 | UInt64(SecureRandom.uint32()))
        self.localKey = STUNMessage.shortTermKey(password: local.password)
        self.remoteKey = remote.map { STUNMessage.shortTermKey(password: $0.password) }
        self.lastConsent = now
        self.jitterState = self.tieBreaker | 1
    }

    // MARK: inputs

    /// A local candidate the owner gathered: host (base = address) or relayed (base = the relayed
    /// address; the owner sends its datagrams through the TURN client). Server-reflexive ones come
    /// from `gatherServerReflexive`. False when the cap is reached or it is known already.
    @discardableResult
    public mutating func addLocalCandidate(_ candidate: ICECandidate, now: Instant) -> Bool {
        guard localCandidates.count < max(1, configuration.maxLocalCandidates),
              !localCandidates.contains(where: { $0.address == candidate.address && $0.base == candidate.base })
        else { return false }
        localCandidates.append(candidate)
        if candidate.type != .serverReflexive {
            for remoteCandidate in remoteCandidates { addPair(local: candidate, remote: remoteCandidate) }
            startChecking()
        }
        handleTimeout(now: now)
        return true
    }

    /// The peer's credentials (from its offer or answer); pairs form once they are known.
    public mutating func setRemoteCredentials(_ credentials: ICECredentials, now: Instant) {
        remote = credentials
        remoteKey = STUNMessage.shortTermKey(password: credentials.password)
        rebuildPairs()
        handleTimeout(now: now)
    }

    /// A remote candidate (signalled or trickled); pairs it with every local base. False when
    /// the cap is reached or it is known already (a peer-reflexive one with that address is
    /// upgraded to the signalled one's priority and foundation).
    @discardableResult
    public mutating func addRemoteCandidate(_ candidate: ICECandidate, now: Instant) -> Bool {
        if let index = remoteCandidates.firstIndex(where: { $0.address == candidate.address }) {
            guard remoteCandidates[index].type == .peerReflexive else { return false }
            remoteCandidates[index] = candidate
            return false
        }
        guard remoteCandidates.count < max(1, configuration.maxRemoteCandidates) else { return false }
        remoteCandidates.append(candidate)
        for localCandidate in localCandidates where localCandidate.type != .serverReflexive {
            addPair(local: localCandidate, remote: candidate)
        }
        startChecking()
        handleTimeout(now: now)
        return true
    }

    /// Asks `server` for our server-reflexive address as seen from `base` (a host candidate's
    /// address) with a plain Binding request (RFC 8445 §5.1.1.2); the answer adds a
    /// `.serverReflexive` candidate and reports it as `.localCandidate`.
    public mutating func gatherServerReflexive(server: TransportAddress, base: TransportAddress, now: Instant) {
        let id = STUNTransactionID.random()
        let request = STUNMessage(type: .bindingRequest, transactionID: id)
        guard let bytes = try? request.encoded(addFingerprint: true) else { return }
        startTransaction(Transaction(id: id, kind: .gather, bytes: bytes, from: base, to: server, attempts: 0,
                                     maxAttempts: max(1, configuration.maxGatherAttempts),
                                     rto: configuration.initialRTO, nextSend: now), now: now)
        handleTimeout(now: now)
    }

    /// ICE restart (RFC 8445 §9): new local credentials, the peer's new ones when known. Remote
    /// candidates, pairs and checks start over; local candidates stay; media keeps flowing on the
    /// selected pair until the new checks select one.
    public mutating func restart(local newLocal: ICECredentials, remote newRemote: ICECredentials?, now: Instant) {
        local = newLocal
        localKey = STUNMessage.shortTermKey(password: newLocal.password)
        remote = newRemote
        remoteKey = newRemote.map { STUNMessage.shortTermKey(password: $0.password) }
        remoteCandidates.removeAll()
        pairs.removeAll()
        triggered.removeAll()
        transactions.removeAll { $0.kind != .gather }
        firstValidAt = nil
        lastPacedSend = nil
        if selectedPair != nil {
            // Consent resumes with the new credentials once a pair is selected again.
            lastConsent = now
            nextConsent = .distantFuture
        }
        setState(.checking)
        handleTimeout(now: now)
    }

    /// Drains outputs; the last one of a batch is always `.timeout`.
    public mutating func poll() -> ICEAgentOutput {
        pending.popFirst() ?? .timeout(nextDeadline)
    }

    // MARK: pairs

    /// Pair priority (RFC 8445 §6.1.2.3): 2^32·min(G,D) + 2·max(G,D) + (G > D ? 1 : 0).
    func pairPriority(local: ICECandidate, remote: ICECandidate) -> UInt64 {
        let g = UInt64(role == .controlling ? local.priority : remote.priority)
        let d = UInt64(role == .controlling ? remote.priority : local.priority)
        return (min(g, d) << 32) + 2 * max(g, d) + (g > d ? 1 : 0)
    }

    /// Adds a pair in priority order, pruning the lowest one past `maxPairs` (RFC 8445 §6.1.2.5);
    /// same address family only; nothing without remote credentials.
    @discardableResult
    mutating func addPair(local: ICECandidate, remote: ICECandidate) -> Int? {
        guard self.remote != nil, local.base.isIPv4 == remote.address.isIPv4 else { return nil }
        if let index = pairIndex(base: local.base, remote: remote.address) { return index }
        let pair = Pair(local: local, remote: remote, priority: pairPriority(local: local, remote: remote),
                        state: pairs.contains { $0.foundation == local.foundation + "/" + remote.foundation }
                            ? .frozen : .waiting)
        let index = pairs.firstIndex { $0.priority < pair.priority } ?? pairs.endIndex
        pairs.insert(pair, at: index)
        if pairs.count > max(1, configuration.maxPairs) {
            // Never the pair just added if it is the lowest: then it simply is not kept.
            let dropped = pairs.removeLast()
            triggered.removeAll { dropped.matches(base: $0.base, remote: $0.remote) }
            if index == pairs.endIndex { return nil }
        }
        return index
    }

    func pairIndex(base: TransportAddress, remote: TransportAddress) -> Int? {
        pairs.firstIndex { $0.matches(base: base, remote: remote) }
    }

    mutating func rebuildPairs() {
        for localCandidate in localCandidates where localCandidate.type != .serverReflexive {
            for remoteCandidate in remoteCandidates { addPair(local: localCandidate, remote: remoteCandidate) }
        }
        startChecking()
    }

    /// Recomputes pair priorities after a role switch (they depend on who controls).
    mutating func reprioritize() {
        for index in pairs.indices {
            pairs[index].priority = pairPriority(local: pairs[index].local, remote: pairs[index].remote)
        }
        pairs.sort { $0.priority > $1.priority }
    }

    mutating func startChecking() {
        if !pairs.isEmpty, state == .new || state == .failed { setState(.checking) }
    }

    mutating func setState(_ newState: ICEConnectionState) {
        guard newState != state else { return }
        state = newState
        emit(.event(.stateChanged(newState)))
    }

    mutating func emit(_ output: ICEAgentOutput) { pending.append(output) }

    /// Counts a dropped datagram; always false, for `return drop(…)`.
    mutating func drop(_ reason: ICEDropReason) -> Bool {
        droppedDatagrams += 1
        lastDropReason = reason
        return false
    }
}
