import RTCBase
import STUN

/// A TURN client (RFC 8656) for one allocation on one server, over UDP. Sans-IO: feed it the
/// datagrams the server sends and the time, call `allocate`, `createPermission`, `bindChannel`,
/// `send` and `deallocate`, and drain `poll()` until `.timeout`.
///
/// Long-term credentials (RFC 8489 §9.2): the first Allocate goes without them; the 401 answer's
/// REALM and NONCE are kept and every later request carries USERNAME, REALM, NONCE and
/// MESSAGE-INTEGRITY; a 438 (stale nonce) retries with the new nonce. The allocation is refreshed
/// before it expires, permissions every `permissionRefreshInterval`, channels every
/// `channelRefreshInterval`. Data to a peer with a bound channel goes as ChannelData, otherwise
/// as a Send indication (creating the permission first if there is none).
public struct TURNClient: Sendable {
    enum Kind: Sendable, Hashable {
        case allocate
        case refresh(lifetime: UInt32)
        case createPermission(peer: TransportAddress)
        case channelBind(peer: TransportAddress, channel: UInt16)
    }

    struct Transaction: Sendable {
        var kind: Kind
        var message: STUNMessage
        var bytes: [UInt8]
        var attempts = 0
        var rto: Duration
        var nextSend: Instant
        var authRetries = 0
        /// Whether this request carried credentials (a 401 to it means they are wrong).
        var authenticated: Bool
    }

    struct Permission: Sendable {
        var confirmed = false
        var refreshAt: Instant
    }

    struct Channel: Sendable {
        var number: UInt16
        var confirmed = false
        var refreshAt: Instant
    }

    public let server: TransportAddress
    public let configuration: TURNConfiguration
    public internal(set) var state: TURNState = .idle
    /// The relayed transport address, once allocated.
    public internal(set) var relayedAddress: TransportAddress?
    /// Our address as the server saw it (XOR-MAPPED-ADDRESS of the Allocate answer).
    public internal(set) var mappedAddress: TransportAddress?
    /// Datagrams from the server that were malformed, unauthenticated, unexpected or over a cap.
    public internal(set) var droppedDatagrams = 0
    /// Requests sent (retransmissions included).
    public internal(set) var requestsSent = 0
    /// When the allocation answer arrived, for measurements.
    public internal(set) var allocatedAt: Instant?

    let credentials: STUNLongTermCredentials
    var realm: String?
    var nonce: String?
    var key: [UInt8]?
    var transactions: [STUNTransactionID: Transaction] = [:]
    /// Keyed by the peer's IP (port 0): permissions ignore ports (RFC 8656 §9).
    var permissions: [TransportAddress: Permission] = [:]
    var channels: [TransportAddress: Channel] = [:]
    var nextChannel: UInt16 = TURNChannelData.channelRange.lowerBound
    var refreshAt: Instant = .distantFuture
    var pending = OutputQueue<TURNOutput>()

    public init(server: TransportAddress, credentials: STUNLongTermCredentials,
                configuration: TURNConfiguration = .init()) {
        self.server = server
        self.credentials = credentials
        self.configuration = configuration
    }

    // MARK: requests

    /// Asks for a UDP relay (REQUESTED-TRANSPORT 17, RFC 8656 §7.1).
    public mutating func allocate(now: Instant) {
        guard state == .idle || state == .closed || state == .failed else { return }
        state = .allocating
        request(.allocate, attributes: [.requestedTransport(17), .lifetime(lifetimeSeconds)], now: now)
    }

    /// Installs (and keeps refreshing) a permission for `peer`'s IP (RFC 8656 §9). False when not
    /// allocated or the cap is reached.
    @discardableResult
    public mutating func createPermission(_ peer: TransportAddress, now: Instant) -> Bool {
        guard state == .allocated else { return false }
        let ip = Self.ipKey(peer)
        if permissions[ip] == nil {
            guard permissions.count < max(1, configuration.maxPermissions) else { return false }
            permissions[ip] = Permission(refreshAt: .distantFuture)
        }
        request(.createPermission(peer: ip), attributes: [.xorPeerAddress(peer)], now: now)
        return true
    }

    /// Binds a channel to `peer` (RFC 8656 §11), which also installs its permission. False when
    /// not allocated or a cap (channels, channel numbers) is reached.
    @discardableResult
    public mutating func bindChannel(_ peer: TransportAddress, now: Instant) -> Bool {
        guard state == .allocated else { return false }
        let number: UInt16
        if let channel = channels[peer] {
            number = channel.number
        } else {
            guard channels.count < max(1, configuration.maxChannels),
                  TURNChannelData.channelRange.contains(nextChannel) else { return false }
            number = nextChannel
            nextChannel += 1
            channels[peer] = Channel(number: number, refreshAt: .distantFuture)
        }
        request(.channelBind(peer: peer, channel: number), attributes: [.channelNumber(number), .xorPeerAddress(peer)],
                now: now)
        return true
    }

    /// Relays `data` to `peer`: ChannelData on a confirmed channel, else a Send indication (RFC
    /// 8656 §10), creating the permission first when there is none. False when not allocated.
    @discardableResult
    public mutating func send(_ data: ArraySlice<UInt8>, to peer: TransportAddress, now: Instant) -> Bool {
        guard state == .allocated else { return false }
        if let channel = channels[peer], channel.confirmed {
            let message = TURNChannelData(channel: channel.number, data: data)
            guard let bytes = message.encoded(padded: configuration.padChannelData) else { return false }
            emit(.transmit(bytes, to: server))
            return true
        }
        if permissions[Self.ipKey(peer)] == nil { guard createPermission(peer, now: now) else { return false } }
        let indication = STUNMessage(type: STUNMessageType(method: .send, messageClass: .indication),
                                     transactionID: .random(), attributes: [.xorPeerAddress(peer), .data(Array(data))])
        guard let bytes = try? indication.encoded() else { return false }
        emit(.transmit(bytes, to: server))
        return true
    }

    /// Refreshes the allocation now (it is also refreshed before expiry on its own), e.g. after
    /// the owner's network changed.
    public mutating func refresh(now: Instant) {
        guard state == .allocated else { return }
        refreshAt = .distantFuture
        request(.refresh(lifetime: lifetimeSeconds), attributes: [.lifetime(lifetimeSeconds)], now: now)
    }

    /// Ends the allocation: Refresh with LIFETIME 0 (RFC 8656 §7.3).
    public mutating func deallocate(now: Instant) {
        guard state == .allocated else { return }
        state = .deallocating
        transactions = transactions.filter { $0.value.kind == .allocate }
        request(.refresh(lifetime: 0), attributes: [.lifetime(0)], now: now)
    }

    /// Drains outputs; the last one of a batch is always `.timeout`.
    public mutating func poll() -> TURNOutput {
        pending.popFirst() ?? .timeout(nextDeadline)
    }

    var lifetimeSeconds: UInt32 {
        UInt32(clamping: max(0, configuration.requestedLifetime.components.seconds))
    }

    static func ipKey(_ address: TransportAddress) -> TransportAddress {
        var key = address
        key.port = 0
        return key
    }

    /// Starts a request transaction with the current credentials.
    mutating func request(_ kind: Kind, attributes: [STUNAttribute], now: Instant) {
        let method: STUNMethod
        switch kind {
        case .allocate: method = .allocate
        case .refresh: method = .refresh
        case .createPermission: method = .createPermission
        case .channelBind: method = .channelBind
        }
        // One transaction per kind: a refresh replaces the one still in flight.
        transactions = transactions.filter { $0.value.kind != kind }
        guard transactions.count < max(1, configuration.maxTransactions) else {
            emit(.event(.requestFailed(method: method, .timeout)))
            return
        }
        let message = STUNMessage(type: STUNMessageType(method: method, messageClass: .request),
                                  transactionID: .random(), attributes: attributes)
        guard let transaction = makeTransaction(kind: kind, message: message, authRetries: 0, now: now) else { return }
        transactions[transaction.message.transactionID] = transaction
        handleTimeout(now: now)
    }

    /// Adds USERNAME, REALM, NONCE and MESSAGE-INTEGRITY once the server challenged us, and
    /// FINGERPRINT; a fresh transaction id.
    func makeTransaction(kind: Kind, message: STUNMessage, authRetries: Int, now: Instant) -> Transaction? {
        var message = message
        message.transactionID = .random()
        message.attributes.removeAll { [STUNAttributeType.username, .realm, .nonce].contains($0.type) }
        var integrityKey: [UInt8]?
        if let realm, let nonce, let key {
            message.attributes += [.username(credentials.username), .realm(realm), .nonce(nonce)]
            integrityKey = key
        }
        guard let bytes = try? message.encoded(integrityKey: integrityKey, addFingerprint: true) else { return nil }
        return Transaction(kind: kind, message: message, bytes: bytes, rto: configuration.initialRTO, nextSend: now,
                           authRetries: authRetries, authenticated: integrityKey != nil)
    }

    mutating func emit(_ output: TURNOutput) { pending.append(output) }

    mutating func drop() -> Bool {
        droppedDatagrams += 1
        return false
    }
}
