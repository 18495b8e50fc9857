import RTCBase
import SCTP

/// Something that happened on the session's data channels (RFC 8831), carried by
/// `WebRTCSession.Event.dataChannel`.
public enum DataChannelEvent: Sendable, Equatable {
    /// A channel is open (the peer opened it, or acknowledged one we opened).
    case opened(id: UInt16, label: String, protocol: String)
    /// One whole message from the peer (text is UTF-8; either kind may be empty).
    case message(channel: UInt16, label: String, DataChannelSession.Payload)
    case closed(channel: UInt16, label: String)
}

/// Data channels on the session (RFC 8831 over RFC 8261): SCTP packets travel as DTLS
/// application data. The `DataChannelSession` exists when `Configuration.dataChannels` is set
/// (the answer had an `m=application` section); it starts once DTLS is up, its stream-id parity
/// follows the DTLS role, and its timers join the session's `poll()` deadline.
extension WebRTCSession {
    public typealias DataChannelError = DataChannelSession.ChannelError

    /// Channels open now, by id (empty without data channels).
    public var dataChannels: [UInt16: DataChannelSession.Channel] { dataChannelSession?.channels ?? [:] }

    /// Data channel counters (messages and bytes each way, drops, refused opens); nil without data channels.
    public var dataChannelCounters: DataChannelSession.Counters? { dataChannelSession?.counters }

    /// Messages from the peer dropped by SCTP for exceeding `maxMessageSize`.
    public var dataChannelDroppedMessages: Int { dataChannelSession?.association.droppedMessages ?? 0 }

    /// Bytes accepted by `sendData` that SCTP has not taken yet.
    public var dataChannelBufferedAmount: Int { dataChannelSession?.bufferedAmount ?? 0 }

    /// Sends one message on an open channel.
    public func sendData(_ payload: DataChannelSession.Payload, on channel: UInt16, now: Instant) throws(DataChannelError) {
        guard let dataChannelSession, !isClosed else { throw .notConnected }
        try dataChannelSession.send(payload, on: channel)
        drainDataChannels(now: now)
    }

    /// Opens a channel from our side (in band with DCEP, or pre-negotiated on `negotiatedID`).
    @discardableResult
    public func openDataChannel(label: String, protocol name: String = "", ordered: Bool = true,
                                reliability: SCTPAssociation.Reliability = .reliable, negotiatedID: UInt16? = nil,
                                now: Instant) throws(DataChannelError) -> UInt16 {
        guard let dataChannelSession, !isClosed else { throw .notConnected }
        let id = try dataChannelSession.open(label: label, protocol: name, ordered: ordered, reliability: reliability,
                                             negotiatedID: negotiatedID)
        drainDataChannels(now: now)
        return id
    }

    /// Closes a channel (stream reset); `.closed` follows when the peer has reset its side.
    public func closeDataChannel(_ id: UInt16, now: Instant) {
        guard let dataChannelSession, !isClosed else { return }
        dataChannelSession.close(id)
        drainDataChannels(now: now)
    }

    /// DTLS is up: both sides connect SCTP (RFC 8841 §9.3 simultaneous open).
    func startDataChannels(now: Instant) {
        guard let dataChannelSession else { return }
        dataChannelSession.start(now: now)
        drainDataChannels(now: now)
    }

    /// One decrypted DTLS record: an SCTP packet.
    func receiveApplicationData(_ bytes: [UInt8], now: Instant) {
        guard let dataChannelSession else {
            counters.droppedDatagrams += 1
            return
        }
        dataChannelSession.handle(packet: bytes, now: now)
        drainDataChannels(now: now)
    }

    func handleDataChannelTimeout(now: Instant) {
        guard let dataChannelSession, now >= dataChannelDeadline else { return }
        dataChannelSession.handleTimeout(now: now)
        drainDataChannels(now: now)
    }

    /// Moves SCTP packets into DTLS records and channel events into session events, until SCTP
    /// waits; then sends the records DTLS produced.
    func drainDataChannels(now: Instant) {
        guard let dataChannelSession else { return }
        var wrote = false
        loop: for _ in 0..<100_000 {
            switch dataChannelSession.poll() {
            case .transmit(let packet):
                do {
                    try dtls.send(applicationData: packet)
                    wrote = true
                } catch {
                    counters.dataChannelPacketsUnsent += 1
                }
            case .event(let event):
                dataChannelEvent(event)
            case .timeout(let deadline):
                dataChannelDeadline = deadline
                break loop
            }
        }
        // Inside `drainDTLS` (records arrived) its loop sends what we wrote; elsewhere drain here.
        if wrote, !isDrainingDTLS { drainDTLS(now: now) }
    }

    private func dataChannelEvent(_ event: DataChannelSession.Event) {
        switch event {
        case .connected:
            break
        case .opened(let channel):
            dataChannelLabels[channel.id] = channel.label
            outputs.append(.event(.dataChannel(.opened(id: channel.id, label: channel.label, protocol: channel.protocol))))
        case .message(let id, let payload):
            outputs.append(.event(.dataChannel(.message(channel: id, label: dataChannelLabels[id] ?? "", payload))))
        case .closed(let id):
            let label = dataChannelLabels.removeValue(forKey: id) ?? ""
            outputs.append(.event(.dataChannel(.closed(channel: id, label: label))))
        case .ended:
            // The association is gone (peer ABORT/SHUTDOWN); media may go on.
            dataChannelDeadline = .distantFuture
        }
    }
}
