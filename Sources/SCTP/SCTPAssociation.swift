#if canImport(Glibc)
import Glibc
#endif
import CSCTPShim
import RTCBase

/// One SCTP association over DTLS (RFC 8261) as WebRTC data channels use it (RFC 8831 §6), on
/// usrsctp with AF_CONN sockets: no sockets, threads or clocks of its own.
///
/// Sans-IO: feed `handle(packet:now:)` (a DTLS record's payload), `handleTimeout(now:)` and API
/// calls, then drain `poll()` until it returns `.timeout`. `.transmit` carries one SCTP packet for
/// the DTLS session to send. Both WebRTC peers connect (simultaneous open, RFC 8841 §9.3): call
/// `start` once DTLS is up; packets that arrive before are held (bounded) and handed to usrsctp
/// after the local connect, since usrsctp aborts an INIT race otherwise. Not `Sendable`: use it
/// on one event loop. usrsctp's timers are process-wide (see `SCTPStack`).
public final class SCTPAssociation {
    public struct Configuration: Sendable, Equatable {
        /// `a=sctp-port` of each side (RFC 8841); 5000 unless the SDP says otherwise.
        public var localPort: UInt16 = 5000
        public var remotePort: UInt16 = 5000
        /// Streams offered in each direction (data channel ids are stream ids).
        public var streams: UInt16 = 1024
        /// Largest message accepted from the peer (`a=max-message-size`, RFC 8841 §6); bigger
        /// ones are dropped and counted.
        public var maxMessageSize = 262_144
        public var receiveBuffer: UInt32 = 1 << 20
        public var sendBuffer: UInt32 = 1 << 20
        /// Packets held before `start` (bounded; later ones are dropped and counted).
        public var maxEarlyPackets = 16
        /// Retransmission timeout bounds (RFC 4960 §6.3.1). The maximum bounds the backoff, so a
        /// path that comes back is noticed within it (libwebrtc caps it similarly).
        public var rtoInitial: Duration = .seconds(1)
        public var rtoMin: Duration = .milliseconds(200)
        public var rtoMax: Duration = .seconds(10)
        /// How often usrsctp's timers are advanced while the association lives.
        public var timerInterval: Duration = .milliseconds(10)

        public init() {}
    }

    /// Partial reliability of one message (RFC 3758; RFC 8831 §6.1).
    public enum Reliability: Sendable, Equatable {
        case reliable
        case maxRetransmits(UInt32)
        case maxLifetime(milliseconds: UInt32)
    }

    public enum Event: Sendable, Equatable {
        case connected
        /// One whole message (RFC 8831 §6.6: SCTP keeps message boundaries).
        case message(stream: UInt16, ppid: UInt32, payload: [UInt8], unordered: Bool)
        /// The peer reset these incoming streams (a data channel closed, RFC 8831 §6.7).
        case incomingStreamsReset([UInt16])
        /// Our reset of these outgoing streams completed.
        case outgoingStreamsReset([UInt16])
        case closed(reason: String)
    }

    public enum Output: Sendable, Equatable {
        case transmit([UInt8])
        case event(Event)
        case timeout(Instant)
    }

    public enum SendError: Error, Sendable, Equatable {
        case notConnected
        case tooLarge(size: Int, limit: Int)
        /// usrsctp's send buffer is full; try again after a `poll` (the message was not taken).
        case wouldBlock
        case failed(errno: Int32)
    }

    public enum State: Sendable, Equatable { case idle, connecting, connected, closed }

    public let configuration: Configuration
    public private(set) var state = State.idle
    /// Packets that arrived before `start` beyond `maxEarlyPackets`, or after close.
    public private(set) var droppedPackets = 0
    /// Messages from the peer bigger than `maxMessageSize` (dropped whole).
    public private(set) var droppedMessages = 0
    /// Notifications usrsctp handed over that could not be read.
    public private(set) var malformedNotifications = 0

    private let context: SCTPContext
    private var socket: OpaquePointer?
    private var earlyPackets: [[UInt8]] = []
    private var partial: [UInt16: (bytes: [UInt8], dropping: Bool)] = [:]
    private var outputs = OutputQueue<Output>()
    private var nextTimer: Instant

    public init(configuration: Configuration = .init(), now: Instant) throws(SCTPError) {
        guard configuration.maxMessageSize > 0, configuration.streams > 0 else { throw .invalidConfiguration }
        self.configuration = configuration
        SCTPStack.start()
        SCTPStack.advance(to: now)
        // Held pieces: a message in flight plus what a burst of others may add before a poll.
        context = SCTPContext(maxHeldBytes: configuration.maxMessageSize + Int(configuration.receiveBuffer))
        guard let socket = rtc_sctp_open(context.pointer, configuration.localPort, configuration.streams,
                                         configuration.receiveBuffer, configuration.sendBuffer,
                                         Self.milliseconds(configuration.rtoInitial), Self.milliseconds(configuration.rtoMin),
                                         Self.milliseconds(configuration.rtoMax))
        else { throw .socket(errno: errno) }
        self.socket = socket
        nextTimer = now + configuration.timerInterval
    }

    private static func milliseconds(_ duration: Duration) -> UInt32 {
        UInt32(clamping: max(1, duration.nanosecondsClamped / 1_000_000))
    }

    deinit {
        if let socket { rtc_sctp_close(socket, context.pointer, 1) }
    }

    /// Connects (INIT); packets held so far go to usrsctp afterwards.
    public func start(now: Instant) {
        guard state == .idle, let socket else { return }
        SCTPStack.advance(to: now)
        let result = rtc_sctp_connect(socket, context.pointer, configuration.remotePort)
        guard result == 0 || result == EINPROGRESS else {
            end("connect failed: errno \(result)")
            return
        }
        state = .connecting
        let held = earlyPackets
        earlyPackets = []
        for packet in held { input(packet) }
        collect()
    }

    /// One SCTP packet from the peer (the payload of one DTLS record).
    public func handle(packet: [UInt8], now: Instant) {
        SCTPStack.advance(to: now)
        switch state {
        case .idle:
            if earlyPackets.count < configuration.maxEarlyPackets { earlyPackets.append(packet) } else { droppedPackets += 1 }
        case .connecting, .connected:
            input(packet)
        case .closed:
            droppedPackets += 1
        }
        collect()
    }

    public func handleTimeout(now: Instant) {
        guard state != .closed else { return }
        if now >= nextTimer {
            SCTPStack.advance(to: now)
            nextTimer = now + configuration.timerInterval
        }
        collect()
    }

    /// Sends one message on `stream` (non-empty; RFC 8831 §6.6 maps empty messages to a PPID).
    public func send(stream: UInt16, ppid: UInt32, payload: [UInt8], unordered: Bool = false,
                     reliability: Reliability = .reliable) throws(SendError) {
        guard state == .connected, let socket else { throw .notConnected }
        guard !payload.isEmpty else { throw .tooLarge(size: 0, limit: configuration.maxMessageSize) }
        let (policy, value): (UInt16, UInt32)
        switch reliability {
        case .reliable: (policy, value) = (0, 0)
        case .maxLifetime(let milliseconds): (policy, value) = (1, milliseconds)
        case .maxRetransmits(let count): (policy, value) = (3, count)
        }
        let sent = payload.withUnsafeBytes {
            rtc_sctp_send(socket, stream, ppid, unordered ? 1 : 0, policy, value, $0.baseAddress, $0.count)
        }
        let error = errno
        collect()
        guard sent < 0 else { return }
        if error == EWOULDBLOCK || error == EAGAIN { throw .wouldBlock }
        if error == EMSGSIZE { throw .tooLarge(size: payload.count, limit: Int(configuration.sendBuffer)) }
        throw .failed(errno: error)
    }

    /// Whether a `send` would be accepted now.
    public var isWritable: Bool { state == .connected && socket.map { rtc_sctp_writable($0) != 0 } == true }

    /// Resets the outgoing side of `streams` (closing data channels, RFC 8831 §6.7).
    public func resetStreams(_ streams: [UInt16]) {
        guard state == .connected, let socket, !streams.isEmpty else { return }
        let count = UInt16(clamping: streams.count)
        _ = streams.withUnsafeBufferPointer { rtc_sctp_reset_streams(socket, $0.baseAddress, count) }
        collect()
    }

    /// Ends the association (ABORT to the peer when `abort`, else SHUTDOWN).
    public func close(abort: Bool = false) {
        guard let socket else { return }
        rtc_sctp_close(socket, context.pointer, abort ? 1 : 0)
        self.socket = nil
        collect()
        if state != .closed {
            state = .closed
            outputs.append(.event(.closed(reason: "closed locally")))
        }
    }

    public func poll() -> Output {
        collect()
        if let output = outputs.popFirst() { return output }
        return .timeout(state == .closed ? .distantFuture : nextTimer)
    }

    private func input(_ packet: [UInt8]) {
        packet.withUnsafeBytes { rtc_sctp_input(context.pointer, $0.baseAddress, $0.count) }
    }

    private func end(_ reason: String) {
        guard state != .closed else { return }
        state = .closed
        outputs.append(.event(.closed(reason: reason)))
    }

    /// Moves what usrsctp's callbacks queued into outputs: packets, whole messages, events.
    private func collect() {
        let inbox = context.take()
        droppedMessages += inbox.droppedPieces
        for packet in inbox.packets { outputs.append(.transmit(packet)) }
        for piece in inbox.pieces {
            if piece.flags & Int32(RTC_SCTP_NOTIFICATION) != 0 {
                notification(piece.bytes)
            } else {
                message(piece)
            }
        }
    }

    private func message(_ piece: SCTPContext.Piece) {
        var entry = partial.removeValue(forKey: piece.stream) ?? ([], false)
        if !entry.dropping {
            if entry.bytes.count + piece.bytes.count > configuration.maxMessageSize {
                entry = ([], true)
            } else {
                entry.bytes += piece.bytes
            }
        }
        guard piece.flags & Int32(RTC_SCTP_END_OF_MESSAGE) != 0 else {
            partial[piece.stream] = entry
            return
        }
        if entry.dropping {
            droppedMessages += 1
            return
        }
        outputs.append(.event(.message(stream: piece.stream, ppid: piece.ppid, payload: entry.bytes,
                                       unordered: piece.flags & Int32(RTC_SCTP_UNORDERED) != 0)))
    }

    private static let assocChange: UInt16 = 0x0001, streamResetEvent: UInt16 = 0x0009
    private static let commUp: UInt16 = 1, commLost: UInt16 = 2, restart: UInt16 = 3, shutdownComplete: UInt16 = 4,
                       cantStart: UInt16 = 5
    private static let resetIncoming: UInt16 = 0x0001, resetOutgoing: UInt16 = 0x0002, resetDenied: UInt16 = 0x0004,
                       resetFailed: UInt16 = 0x0008

    private func notification(_ bytes: [UInt8]) {
        var type: UInt16 = 0, flags: UInt16 = 0, count = 0
        var streams = [UInt16](repeating: 0, count: 256)
        let status = bytes.withUnsafeBytes { raw in
            streams.withUnsafeMutableBufferPointer {
                rtc_sctp_notification(raw.baseAddress, raw.count, &type, &flags, $0.baseAddress, $0.count, &count)
            }
        }
        guard status == 0 else {
            malformedNotifications += 1
            return
        }
        switch type {
        case Self.assocChange:
            switch flags {
            case Self.commUp, Self.restart:
                if state == .connecting {
                    state = .connected
                    outputs.append(.event(.connected))
                }
            case Self.commLost: end("association lost (peer unreachable or ABORT)")
            case Self.shutdownComplete: end("peer shut the association down")
            case Self.cantStart: end("association could not start")
            default: break
            }
        case Self.streamResetEvent:
            guard flags & (Self.resetDenied | Self.resetFailed) == 0 else { return }
            let list = Array(streams.prefix(count))
            if flags & Self.resetIncoming != 0 { outputs.append(.event(.incomingStreamsReset(list))) }
            if flags & Self.resetOutgoing != 0 { outputs.append(.event(.outgoingStreamsReset(list))) }
        default:
            break
        }
    }
}

public enum SCTPError: Error, Sendable, Equatable {
    case invalidConfiguration
    case socket(errno: Int32)
}
