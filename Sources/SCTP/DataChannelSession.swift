import RTCBase

/// WebRTC data channels (RFC 8831) with in-band establishment (DCEP, RFC 8832) on one SCTP
/// association: the layer the WebRTC session feeds with DTLS application data.
///
/// Sans-IO like `SCTPAssociation`, which it wraps: feed `handle(packet:now:)`, `handleTimeout`
/// and API calls, then drain `poll()` until `.timeout`. Stream ids follow RFC 8832 §6: the DTLS
/// client opens even ids, the server odd ones. Messages that do not fit usrsctp's send buffer
/// wait in a bounded queue (`bufferedAmount`); past `maxBufferedBytes` a send is refused.
public final class DataChannelSession {
    public struct Configuration: Sendable, Equatable {
        public var association = SCTPAssociation.Configuration()
        /// True when this side is the DTLS client (it then opens channels with even stream ids).
        public var isDTLSClient = false
        /// Open channels at most (peer OPENs past it are refused with a stream reset).
        public var maxChannels = 256
        /// Longest label or protocol accepted in a peer's OPEN.
        public var maxLabelLength = 1_024
        /// Bytes waiting for usrsctp's send buffer, over all channels.
        public var maxBufferedBytes = 16 << 20
        /// The peer's `a=max-message-size` (RFC 8841 §6): our sends are held to it as well as to
        /// `association.maxMessageSize`; 0: the peer set no limit.
        public var peerMaxMessageSize = 0

        public init() {}
    }

    public struct Channel: Sendable, Equatable {
        public enum State: Sendable, Equatable { case connecting, open, closing, closed }
        public var id: UInt16
        public var label: String
        public var `protocol`: String
        public var ordered: Bool
        public var reliability: SCTPAssociation.Reliability
        public var negotiated: Bool
        public var state: State
    }

    /// One data channel message (RFC 8831 §6.6: text is UTF-8; either may be empty).
    public enum Payload: Sendable, Equatable {
        case text([UInt8])
        case binary([UInt8])

        public var bytes: [UInt8] {
            switch self {
            case .text(let bytes), .binary(let bytes): bytes
            }
        }
    }

    public enum Event: Sendable, Equatable {
        /// The association is up; channels may be opened.
        case connected
        /// A channel is open: the peer opened it, or acknowledged ours.
        case opened(Channel)
        case message(channel: UInt16, Payload)
        case closed(channel: UInt16)
        case ended(reason: String)
    }

    public enum Output: Sendable, Equatable {
        case transmit([UInt8])
        case event(Event)
        case timeout(Instant)
    }

    public enum ChannelError: Error, Sendable, Equatable {
        case notConnected
        case noSuchChannel(UInt16)
        case idInUse(UInt16)
        case tooManyChannels(limit: Int)
        case tooLarge(size: Int, limit: Int)
        case bufferFull(limit: Int)
        case failed(String)
    }

    public struct Counters: Sendable, Equatable {
        public var messagesIn = 0, messagesOut = 0, bytesIn = 0, bytesOut = 0
        /// Messages on a stream no channel was opened on, or malformed DCEP.
        public var dropped = 0
        /// Peer OPENs refused (channel limit, id in use, bad fields).
        public var refusedOpens = 0
    }

    public let configuration: Configuration
    public private(set) var channels: [UInt16: Channel] = [:]
    public private(set) var counters = Counters()
    /// Bytes accepted by `send` that usrsctp has not taken yet.
    public private(set) var bufferedAmount = 0
    public var association: SCTPAssociation { sctp }

    private let sctp: SCTPAssociation
    private var pending: [(channel: UInt16, ppid: UInt32, bytes: [UInt8])] = []
    private var outputs = OutputQueue<Output>()
    private var nextID: UInt16

    public init(configuration: Configuration = .init(), now: Instant) throws(SCTPError) {
        self.configuration = configuration
        sctp = try SCTPAssociation(configuration: configuration.association, now: now)
        nextID = configuration.isDTLSClient ? 0 : 1
    }

    public var isConnected: Bool { sctp.state == .connected }

    public func start(now: Instant) { sctp.start(now: now) }
    public func handle(packet: [UInt8], now: Instant) { sctp.handle(packet: packet, now: now) }
    public func handleTimeout(now: Instant) {
        sctp.handleTimeout(now: now)
        flush()
    }

    /// Opens a channel: in band (DCEP OPEN on a fresh id of our parity) or pre-negotiated on `id`
    /// (RFC 8831 §6.5: both sides create it, no OPEN is sent). Returns its id.
    @discardableResult
    public func open(label: String, protocol name: String = "", ordered: Bool = true,
                     reliability: SCTPAssociation.Reliability = .reliable, negotiatedID: UInt16? = nil)
        throws(ChannelError) -> UInt16 {
        guard channels.count < configuration.maxChannels else { throw .tooManyChannels(limit: configuration.maxChannels) }
        let id: UInt16
        if let negotiatedID {
            guard channels[negotiatedID] == nil else { throw .idInUse(negotiatedID) }
            id = negotiatedID
        } else {
            guard isConnected else { throw .notConnected }
            guard let free = freeID() else { throw .tooManyChannels(limit: configuration.maxChannels) }
            id = free
        }
        var channel = Channel(id: id, label: label, protocol: name, ordered: ordered, reliability: reliability,
                              negotiated: negotiatedID != nil, state: negotiatedID != nil ? .open : .connecting)
        if negotiatedID == nil {
            let open = DataChannelOpen(channelType: Self.channelType(ordered: ordered, reliability: reliability),
                                       reliabilityParameter: Self.parameter(reliability), label: label, protocol: name)
            do {
                try sctp.send(stream: id, ppid: DataChannelMessage.PPID.dcep, payload: DataChannelMessage.open(open).bytes)
            } catch {
                throw .failed("DCEP OPEN: \(error)")
            }
        } else {
            channel.state = .open
        }
        channels[id] = channel
        return id
    }

    /// Sends one message (empty ones as RFC 8831 §6.6 says: one zero byte with the empty PPID).
    public func send(_ payload: Payload, on id: UInt16) throws(ChannelError) {
        guard let channel = channels[id], channel.state == .open || channel.state == .connecting else { throw .noSuchChannel(id) }
        let ours = configuration.association.maxMessageSize
        let peer = configuration.peerMaxMessageSize
        let limit = peer > 0 ? min(ours, peer) : ours
        let bytes = payload.bytes
        guard bytes.count <= limit else { throw .tooLarge(size: bytes.count, limit: limit) }
        let ppid: UInt32
        switch payload {
        case .text(let b): ppid = b.isEmpty ? DataChannelMessage.PPID.emptyString : DataChannelMessage.PPID.string
        case .binary(let b): ppid = b.isEmpty ? DataChannelMessage.PPID.emptyBinary : DataChannelMessage.PPID.binary
        }
        let wire = bytes.isEmpty ? [0] : bytes
        guard bufferedAmount + wire.count <= configuration.maxBufferedBytes else {
            throw .bufferFull(limit: configuration.maxBufferedBytes)
        }
        counters.messagesOut += 1
        counters.bytesOut += bytes.count
        pending.append((id, ppid, wire))
        bufferedAmount += wire.count
        flush()
    }

    /// Closes a channel: resets its outgoing stream (RFC 8831 §6.7); the peer resets its side.
    public func close(_ id: UInt16) {
        guard var channel = channels[id], channel.state != .closing, channel.state != .closed else { return }
        channel.state = .closing
        channels[id] = channel
        sctp.resetStreams([id])
    }

    /// Ends the association (SHUTDOWN, or ABORT when `abort`).
    public func end(abort: Bool = false) { sctp.close(abort: abort) }

    public func poll() -> Output {
        for _ in 0..<100_000 {
            if let output = outputs.popFirst() { return output }
            switch sctp.poll() {
            case .transmit(let packet): return .transmit(packet)
            case .timeout(let deadline): return .timeout(deadline)
            case .event(let event): handle(event)
            }
        }
        return .timeout(.zero)
    }

    private func handle(_ event: SCTPAssociation.Event) {
        switch event {
        case .connected:
            outputs.append(.event(.connected))
            flush()
        case .message(let stream, let ppid, let payload, _):
            message(stream: stream, ppid: ppid, payload: payload)
        case .incomingStreamsReset(let streams):
            for id in streams {
                guard var channel = channels[id] else { continue }
                // The peer closed: reset our side too (unless we started it), then it is gone.
                if channel.state != .closing { sctp.resetStreams([id]) }
                channel.state = .closed
                channels[id] = nil
                pending.removeAll { $0.channel == id }
                outputs.append(.event(.closed(channel: id)))
            }
        case .outgoingStreamsReset:
            break
        case .closed(let reason):
            for id in channels.keys.sorted() { outputs.append(.event(.closed(channel: id))) }
            channels.removeAll()
            pending.removeAll()
            bufferedAmount = 0
            outputs.append(.event(.ended(reason: reason)))
        }
    }

    private func message(stream: UInt16, ppid: UInt32, payload: [UInt8]) {
        if ppid == DataChannelMessage.PPID.dcep {
            dcep(stream: stream, payload: payload)
            return
        }
        guard let channel = channels[stream], channel.state == .open || channel.state == .connecting else {
            counters.dropped += 1
            return
        }
        let delivered: Payload
        switch ppid {
        case DataChannelMessage.PPID.string: delivered = .text(payload)
        case DataChannelMessage.PPID.binary: delivered = .binary(payload)
        case DataChannelMessage.PPID.emptyString: delivered = .text([])
        case DataChannelMessage.PPID.emptyBinary: delivered = .binary([])
        default:
            counters.dropped += 1
            return
        }
        // RFC 8832 §6: data before the ACK implies it.
        if channel.state == .connecting { opened(stream) }
        counters.messagesIn += 1
        counters.bytesIn += delivered.bytes.count
        outputs.append(.event(.message(channel: stream, delivered)))
    }

    private func dcep(stream: UInt16, payload: [UInt8]) {
        let message: DataChannelMessage
        do { message = try DataChannelMessage(parsing: payload, maxFieldLength: configuration.maxLabelLength) } catch {
            counters.dropped += 1
            if case .tooLong = error { counters.refusedOpens += 1; sctp.resetStreams([stream]) }
            return
        }
        switch message {
        case .ack:
            guard channels[stream]?.state == .connecting else { counters.dropped += 1; return }
            opened(stream)
        case .open(let open):
            guard channels[stream] == nil, channels.count < configuration.maxChannels else {
                counters.refusedOpens += 1
                if channels[stream] == nil { sctp.resetStreams([stream]) }
                return
            }
            let channel = Channel(id: stream, label: open.label, protocol: open.protocol,
                                  ordered: open.channelType.isOrdered, reliability: open.reliability,
                                  negotiated: false, state: .open)
            channels[stream] = channel
            do {
                try sctp.send(stream: stream, ppid: DataChannelMessage.PPID.dcep, payload: DataChannelMessage.ack.bytes)
            } catch {
                counters.dropped += 1
            }
            outputs.append(.event(.opened(channel)))
        }
    }

    private func opened(_ id: UInt16) {
        guard var channel = channels[id] else { return }
        channel.state = .open
        channels[id] = channel
        outputs.append(.event(.opened(channel)))
    }

    /// Hands queued messages to usrsctp while it takes them.
    private func flush() {
        guard isConnected else { return }
        while let next = pending.first {
            guard let channel = channels[next.channel] else {
                bufferedAmount -= next.bytes.count
                pending.removeFirst()
                continue
            }
            do {
                try sctp.send(stream: next.channel, ppid: next.ppid, payload: next.bytes, unordered: !channel.ordered,
                              reliability: channel.reliability)
            } catch .wouldBlock {
                return
            } catch {
                counters.dropped += 1
            }
            bufferedAmount -= next.bytes.count
            pending.removeFirst()
        }
    }

    private func freeID() -> UInt16? {
        for _ in 0..<Int(configuration.association.streams) {
            let id = nextID
            nextID = nextID &+ 2
            if nextID >= configuration.association.streams { nextID = configuration.isDTLSClient ? 0 : 1 }
            if channels[id] == nil { return id }
        }
        return nil
    }

    static func channelType(ordered: Bool, reliability: SCTPAssociation.Reliability) -> DataChannelOpen.ChannelType {
        switch (ordered, reliability) {
        case (true, .reliable): .reliable
        case (false, .reliable): .reliableUnordered
        case (true, .maxRetransmits): .partialReliableRexmit
        case (false, .maxRetransmits): .partialReliableRexmitUnordered
        case (true, .maxLifetime): .partialReliableTimed
        case (false, .maxLifetime): .partialReliableTimedUnordered
        }
    }

    static func parameter(_ reliability: SCTPAssociation.Reliability) -> UInt32 {
        switch reliability {
        case .reliable: 0
        case .maxRetransmits(let count): count
        case .maxLifetime(let milliseconds): milliseconds
        }
    }
}
