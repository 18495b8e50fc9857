import RTCBase
import STUN

/// Settings of a `TURNClient` (RFC 8656). Counts are caps; values below 1 count as 1.
public struct TURNConfiguration: Sendable, Hashable {
    /// LIFETIME asked for in Allocate and Refresh (RFC 8656 §7.2: the server's default is 10 min).
    public var requestedLifetime: Duration = .seconds(600)
    /// Refresh the allocation this long before it expires (at half its lifetime when shorter).
    public var refreshMargin: Duration = .seconds(60)
    /// Permissions last 5 min (RFC 8656 §9); refresh them this often.
    public var permissionRefreshInterval: Duration = .seconds(240)
    /// Channel bindings last 10 min (RFC 8656 §12); refresh them this often.
    public var channelRefreshInterval: Duration = .seconds(540)
    /// Request retransmission over UDP (RFC 8489 §6.2.1): first RTO, doubling up to `maxRTO`,
    /// `maxAttempts` sends in all.
    public var initialRTO: Duration = .milliseconds(500)
    public var maxRTO: Duration = .seconds(4)
    public var maxAttempts = 7
    /// 401/438 answers one request may retry after (RFC 8489 §9.2.5, RFC 8656 §7.4).
    public var maxAuthRetries = 3
    public var maxPermissions = 64
    public var maxChannels = 64
    public var maxTransactions = 32
    /// Parser caps for what the server sends; DATA of relayed media can fill a datagram.
    public var stunLimits = STUNLimits(maxMessageSize: 4096, maxDataLength: 4000)
    /// Largest ChannelData payload accepted.
    public var maxChannelDataLength = 4000
    /// Over TCP ChannelData is padded to 4 bytes (RFC 8656 §12.5); split the stream with
    /// `TURNStreamFramer`. Over UDP it is sent unpadded.
    public var padChannelData = false

    public init() {}
}

/// Where a `TURNClient`'s allocation stands.
public enum TURNState: String, Sendable, Hashable {
    case idle, allocating, allocated, deallocating, closed, failed
}

/// Why a TURN request or allocation failed.
public enum TURNError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 401 again after answering the challenge: wrong username or password.
    case unauthorized
    /// 401/438 more than `maxAuthRetries` times.
    case tooManyChallenges
    /// The server answered with this error (437, 441, 442, 486, 508, …).
    case server(STUNErrorCode)
    /// No answer after every retransmission.
    case timeout
    /// A success response without the attribute it must carry.
    case malformedResponse

    public var description: String {
        switch self {
        case .unauthorized: "TURN server refused the credentials (401)"
        case .tooManyChallenges: "TURN server kept challenging (401/438)"
        case .server(let code): "TURN server error \(code)"
        case .timeout: "TURN server did not answer"
        case .malformedResponse: "TURN response lacks a required attribute"
        }
    }
}

/// What a `TURNClient` reports.
public enum TURNEvent: Sendable, Hashable {
    /// The allocation exists: peers reach us at `relayed`; the server saw us at `mapped`.
    case allocated(relayed: TransportAddress, mapped: TransportAddress?, lifetime: Duration)
    case refreshed(lifetime: Duration)
    case permissionCreated(peer: TransportAddress)
    case channelBound(peer: TransportAddress, channel: UInt16)
    /// A datagram a peer sent to our relayed address.
    case data([UInt8], from: TransportAddress)
    case deallocated
    /// The allocation is gone (allocation or refresh failed).
    case failed(TURNError)
    /// A permission or channel request failed; the allocation stays.
    case requestFailed(method: STUNMethod, TURNError)
}

/// One result of draining `TURNClient.poll()`.
public enum TURNOutput: Sendable, Hashable {
    /// Send these bytes to the TURN server.
    case transmit([UInt8], to: TransportAddress)
    case event(TURNEvent)
    /// Nothing more for now; call `handleTimeout(now:)` at this instant.
    case timeout(Instant)
}
