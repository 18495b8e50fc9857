import RTCBase
import STUN

/// Settings of a `ServerReflexiveAgent`.
public struct ServerReflexiveConfiguration: Sendable, Hashable {
    /// A new Binding round after each answer, so a changed NAT mapping is noticed.
    public var refreshInterval: Duration = .seconds(300)
    /// After a round with no answer, the next one starts this much later.
    public var retryInterval: Duration = .seconds(30)
    /// First retransmission timeout, doubled after each attempt (RFC 8489 §6.2.1: 500 ms).
    public var initialRTO: Duration = .milliseconds(500)
    /// Requests sent per round at most (RFC 8489 Rc = 7); values below 1 count as 1.
    public var maxAttempts = 7
    /// Parser caps applied to answers.
    public var stunLimits = STUNLimits()
    public init() {}
}

/// What a `ServerReflexiveAgent` learned.
public enum ServerReflexiveEvent: Sendable, Equatable {
    /// The first mapped address, or a different one than before.
    case mapped(TransportAddress)
    /// A round ended without an answer (or with an error answer); the address known so far is forgotten.
    case failed
}

/// One result of draining `ServerReflexiveAgent.poll()`.
public enum ServerReflexiveOutput: Sendable, Equatable {
    case transmit([UInt8], to: TransportAddress)
    case event(ServerReflexiveEvent)
    /// Nothing more for now; call `handleTimeout(now:)` at this instant.
    case timeout(Instant)
}

/// Learns the gateway's server-reflexive address (RFC 8489 Binding, RFC 8445 §5.1.1.2) from one
/// STUN server, from the socket the sessions use, so an ICE-lite answer can carry it as a `srflx`
/// candidate behind a 1:1 NAT. Sans-IO: the runtime sends what `poll()` hands out from the WebRTC
/// socket, feeds back datagrams for which `isAnswer(_:)` is true, and calls `handleTimeout(now:)`.
/// One transaction at a time; a new round every `refreshInterval` (or `retryInterval` after a
/// failed one). Answers from another address, for another transaction or malformed are dropped
/// and counted.
public struct ServerReflexiveAgent: Sendable {
    struct Transaction: Sendable {
        var id: STUNTransactionID
        var bytes: [UInt8]
        var attempts: Int
        var rto: Duration
        var nextSend: Instant
    }

    public let server: TransportAddress
    public let configuration: ServerReflexiveConfiguration
    /// The address the server last reported, while the latest round did not fail.
    public private(set) var mappedAddress: TransportAddress?
    /// Datagrams offered that were not a valid answer to the current request.
    public private(set) var droppedDatagrams = 0
    /// Binding requests sent (retransmissions included).
    public private(set) var requestsSent = 0
    var transaction: Transaction?
    var nextRound: Instant
    var pending = OutputQueue<ServerReflexiveOutput>()

    /// The first round starts at `now`.
    public init(server: TransportAddress, configuration: ServerReflexiveConfiguration = .init(), now: Instant) {
        self.server = server
        self.configuration = configuration
        self.nextRound = now
        handleTimeout(now: now)
    }

    /// Whether `bytes` is a STUN answer to the request in flight (header and transaction id
    /// only): the transport's demultiplexing test, before `handleDatagram`.
    public func isAnswer(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let transaction, STUNMessage.isSTUN(bytes), bytes.count >= 20 else { return false }
        let start = bytes.startIndex
        guard (bytes[start] & 0x01) == 0x01 else { return false }   // the class's high bit: a response
        return STUNTransactionID(bytes: bytes[(start + 8)..<(start + 20)]) == transaction.id
    }

    /// An answer (or anything else) from `source`.
    public mutating func handleDatagram(_ bytes: ArraySlice<UInt8>, from source: TransportAddress, now: Instant) {
        guard source == server, isAnswer(bytes),
              let message = try? STUNMessage(parsing: bytes, limits: configuration.stunLimits) else {
            droppedDatagrams += 1
            return
        }
        switch message.type {
        case .bindingSuccess:
            guard let mapped = message.xorMappedAddress ?? message.mappedAddress else {
                droppedDatagrams += 1
                return
            }
            transaction = nil
            nextRound = now + configuration.refreshInterval
            if mapped != mappedAddress {
                mappedAddress = mapped
                pending.append(.event(.mapped(mapped)))
            }
        case .bindingError:
            endRoundFailed(now: now)
        default:
            droppedDatagrams += 1
        }
    }

    /// Sends, retransmits or starts a round when due.
    public mutating func handleTimeout(now: Instant) {
        if transaction == nil, now >= nextRound {
            let id = STUNTransactionID.random()
            guard let bytes = try? STUNMessage(type: .bindingRequest, transactionID: id).encoded(addFingerprint: true) else {
                nextRound = now + configuration.retryInterval
                return
            }
            transaction = Transaction(id: id, bytes: bytes, attempts: 0, rto: configuration.initialRTO, nextSend: now)
        }
        guard var current = transaction, now >= current.nextSend else { return }
        if current.attempts >= max(1, configuration.maxAttempts) {
            endRoundFailed(now: now)
            return
        }
        current.attempts += 1
        requestsSent += 1
        pending.append(.transmit(current.bytes, to: server))
        // RFC 8489 §6.2.1: the last request waits 16 × the initial RTO for its answer.
        let isLast = current.attempts >= max(1, configuration.maxAttempts)
        current.nextSend = now + (isLast ? configuration.initialRTO * 16 : current.rto)
        current.rto = current.rto * 2
        transaction = current
    }

    /// Drains outputs; the last one of a batch is always `.timeout`.
    public mutating func poll() -> ServerReflexiveOutput {
        pending.popFirst() ?? .timeout(transaction?.nextSend ?? nextRound)
    }

    private mutating func endRoundFailed(now: Instant) {
        transaction = nil
        nextRound = now + configuration.retryInterval
        if mappedAddress != nil { mappedAddress = nil }
        pending.append(.event(.failed))
    }
}
