import RTCBase
import STUN

/// An ICE-lite agent (RFC 8445 §2.5, §7.3) for one WebRTC session: always controlled, one component
/// (BUNDLE + rtcp-mux), host candidates only, never sends checks. Sans-IO: feed it STUN datagrams
/// and time, then drain `poll()` until it returns `.timeout`.
///
/// It answers a Binding request only when USERNAME is "localUfrag:remoteUfrag", MESSAGE-INTEGRITY
/// verifies with the local password and FINGERPRINT, when present, is right; anything else is
/// dropped silently and counted. Each authenticated check validates its source address and counts
/// as consent (RFC 7675: a lite agent treats received checks as consent); USE-CANDIDATE nominates
/// (RFC 8445 §8.2). A later nomination of another address moves the selection there once that
/// address has answered a check of ours (the only check a lite agent sends): a source address can
/// be spoofed, an answer authenticated with the peer's password from that address cannot.
public struct ICELiteAgent: Sendable {
    /// A validated remote address and when it last sent an authenticated check.
    struct ValidatedAddress: Sendable {
        var address: TransportAddress
        var lastCheck: Instant
    }

    /// A nominated address waiting to answer our check before media moves there.
    struct AddressProbe: Sendable {
        var address: TransportAddress
        var request: [UInt8]
        var transaction: STUNTransactionID
        var attempts: Int
        var nextSend: Instant
    }

    public private(set) var local: ICECredentials
    public private(set) var remote: ICECredentials?
    public let configuration: ICELiteConfiguration
    /// Datagrams dropped by `handleSTUN` (malformed, unauthenticated, not a Binding request, …).
    public private(set) var droppedRequests = 0
    /// Why the most recent drop happened, for logs and metrics.
    public private(set) var lastDropReason: ICEDropReason?
    /// True once consent expired (until a `restart`). The agent then answers nothing.
    public private(set) var isConsentExpired = false
    /// Nominations of a new address that never answered our check (media stayed where it was).
    public private(set) var movesRefused = 0
    /// Times the selection moved to a new address that answered our check.
    public internal(set) var addressChanges = 0
    /// Checks of our own sent to nominated addresses (every attempt counts).
    public internal(set) var probesSent = 0
    /// Nominations of a new address not probed: the address was probed within
    /// `addressProbeCooldown`, or the session's probe budget was spent.
    public internal(set) var probesSuppressed = 0

    /// Where media goes now: the latest nominated address; nil before nomination or after expiry.
    public var selectedAddress: TransportAddress? { selected }

    var selected: TransportAddress?
    /// When the selected address last sent an authenticated check.
    var selectedLastCheck: Instant
    /// When any authenticated check last arrived (creation or restart time before the first).
    var lastAuthenticatedCheck: Instant
    var validated: [ValidatedAddress] = []
    var hasConnected = false
    var probe: AddressProbe?
    /// When each recently claimed address was last probed (at most `maxValidatedAddresses`
    /// entries, the oldest forgotten first), for `addressProbeCooldown`.
    var probeRounds: [(address: TransportAddress, started: Instant)] = []
    /// Probes this session may still send (`addressProbeBurst`, refilled per second).
    var probeBudget: TokenBucket
    /// ICE-CONTROLLED tie-breaker of our probes (RFC 8445 §7.1.1).
    let tieBreaker = UInt64(SecureRandom.uint32()) << 32 | UInt64(SecureRandom.uint32())
    /// `local.password` as the MESSAGE-INTEGRITY key, kept to avoid converting per check.
    var localKey: [UInt8]
    var pending = OutputQueue<ICEOutput>()

    public init(local: ICECredentials, remote: ICECredentials?, configuration: ICELiteConfiguration = .init(),
                now: Instant) {
        self.local = local
        self.remote = remote
        self.configuration = configuration
        self.localKey = STUNMessage.shortTermKey(password: local.password)
        self.probeBudget = TokenBucket(capacity: max(1, configuration.addressProbeBurst),
                                       ratePerSecond: max(1, configuration.addressProbesPerSecond))
        self.selectedLastCheck = now
        self.lastAuthenticatedCheck = now
    }

    /// Sets or replaces the remote credentials (from the SDP offer); the remote ufrag is checked
    /// from then on.
    public mutating func setRemoteCredentials(_ remote: ICECredentials) {
        self.remote = remote
    }

    /// May media from `address` be accepted: it sent an authenticated check and consent holds.
    public func isValidated(_ address: TransportAddress) -> Bool {
        guard !isConsentExpired else { return false }
        return address == selected || validated.contains { $0.address == address }
    }

    /// ICE restart (RFC 8445 §9, signalled by PATCH per RFC 8839 §4.4.1.1.1): new credentials on
    /// both sides. Addresses validated under the old credentials are forgotten, except the selected
    /// one, which stays selected (and validated) so media keeps flowing until a nomination under
    /// the new credentials arrives. Consent is timed afresh from `now`, also after an expiry.
    public mutating func restart(local: ICECredentials, remote: ICECredentials, now: Instant) {
        self.local = local
        self.remote = remote
        localKey = STUNMessage.shortTermKey(password: local.password)
        isConsentExpired = false
        validated.removeAll(keepingCapacity: true)
        if let selected {
            validated.append(ValidatedAddress(address: selected, lastCheck: now))
        }
        probe = nil
        selectedLastCheck = now
        lastAuthenticatedCheck = now
        emit(.event(.restarted))
    }

    /// Applies deadlines that have passed: consent expiry and ageing of unselected addresses.
    public mutating func handleTimeout(now: Instant) {
        guard !isConsentExpired else { return }
        if now >= consentDeadline {
            isConsentExpired = true
            selected = nil
            probe = nil
            validated.removeAll()
            emit(.event(.consentExpired))
            return
        }
        let timeout = configuration.consentTimeout
        validated.removeAll { $0.address != selected && now >= $0.lastCheck + timeout }
        if let current = probe, now >= current.nextSend {
            if current.attempts >= configuration.addressProbeAttempts || !probeBudget.take(1, at: now) {
                probe = nil
                movesRefused += 1
            } else {
                probe?.attempts += 1
                probe?.nextSend = now + configuration.addressProbeInterval
                probesSent += 1
                emit(.transmit(current.request, to: current.address))
            }
        }
    }

    /// Next output. After each input or API call, drain until `.timeout`; `.timeout(.distantFuture)`
    /// means nothing is scheduled (consent expired).
    public mutating func poll() -> ICEOutput {
        if let output = pending.popFirst() { return output }
        return .timeout(nextDeadline)
    }

    /// The ufrag a datagram is addressed to (USERNAME "localUfrag:remoteUfrag"), found without
    /// verifying anything: for routing it to the session that owns that ufrag.
    public static func localUfrag(in datagram: ArraySlice<UInt8>) -> String? {
        guard STUNMessage.isSTUN(datagram), let username = STUNMessage.username(in: datagram) else { return nil }
        return ICECredentials.localUfrag(fromUsername: username)
    }

    // MARK: deadlines

    /// When consent lapses: consentTimeout after the last check on the selected address, or, before
    /// any nomination, after the last authenticated check (or creation).
    var consentDeadline: Instant {
        (selected == nil ? lastAuthenticatedCheck : selectedLastCheck) + configuration.consentTimeout
    }

    var nextDeadline: Instant {
        guard !isConsentExpired else { return .distantFuture }
        var deadline = consentDeadline
        for entry in validated where entry.address != selected {
            deadline = min(deadline, entry.lastCheck + configuration.consentTimeout)
        }
        if let probe { deadline = min(deadline, probe.nextSend) }
        return deadline
    }

    mutating func emit(_ output: ICEOutput) {
        pending.append(output)
    }

    /// Counts a dropped datagram; always false, for `return drop(…)`.
    mutating func drop(_ reason: ICEDropReason) -> Bool {
        droppedRequests += 1
        lastDropReason = reason
        return false
    }
}
