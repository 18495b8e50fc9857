import STUN

/// Settings of a full `ICEAgent` (RFC 8445, RFC 7675). Every count is a cap on memory a peer can
/// make the agent use; values below 1 count as 1.
public struct ICEAgentConfiguration: Sendable, Hashable {
    /// Ta: one new check (or gathering request) per this interval (RFC 8445 §14.2: 50 ms).
    public var pacingInterval: Duration = .milliseconds(50)
    /// First retransmission timeout of a check or gathering request; doubles per attempt up to
    /// `maxRTO` (RFC 8489 §6.2.1, RFC 8445 §14.3).
    public var initialRTO: Duration = .milliseconds(250)
    public var maxRTO: Duration = .seconds(2)
    /// Sends of one check before its pair fails (RFC 8489 Rc is 7).
    public var maxCheckAttempts = 7
    /// Sends of one server-reflexive gathering request before giving up on that server.
    public var maxGatherAttempts = 5
    /// Regular nomination (controlling): once a pair is valid, wait at most this long for pairs of
    /// higher priority still being checked before nominating the best valid one.
    public var nominationWait: Duration = .milliseconds(200)
    /// Consent freshness (RFC 7675 §5.1): a consent check on the selected pair about every this
    /// long (randomized ±20 %); no answer for `disconnectedTimeout` reports disconnected, for
    /// `consentTimeout` failed (media must stop).
    public var consentInterval: Duration = .seconds(5)
    public var disconnectedTimeout: Duration = .seconds(10)
    public var consentTimeout: Duration = .seconds(30)
    /// Caps: local candidates, remote candidates (signalled and peer-reflexive), candidate pairs
    /// (the lowest-priority pairs are pruned, RFC 8445 §6.1.2.5) and STUN transactions in flight.
    public var maxLocalCandidates = 16
    public var maxRemoteCandidates = 64
    public var maxPairs = 128
    public var maxTransactions = 64
    /// Parser caps applied to every datagram.
    public var stunLimits = STUNLimits()

    public init() {}
}
