import DTLS
import ICE
import RTCBase
import RTP
import SCTP
import SRTP
import STUN

/// One WebRTC peer connection on the gateway side (sans-IO): ICE-lite + DTLS + SRTP + RTCP
/// feedback over one BUNDLEd, rtcp-muxed transport (RFC 8829 / RFC 8843 / RFC 5761 / RFC 7983).
///
/// Feed datagrams and timeouts in, then drain `poll()` until it returns `.timeout`. Media leaves
/// through `protectRTP`, which returns the datagram directly (no queueing on the hot path).
public final class WebRTCSession {
    public struct Configuration: Sendable {
        public var certificate: DTLSCertificate
        public var localCredentials: ICECredentials
        public var remoteCredentials: ICECredentials
        public var remoteFingerprint: DTLSFingerprint
        public var dtlsRole: DTLSRole
        public var ice = ICELiteConfiguration()
        /// Full ICE instead of ICE-lite (the offering client; optionally a server); nil: ICE-lite.
        public var fullICE: FullICEParameters?
        /// A session not connected (ICE and DTLS done) this long after it was created is closed,
        /// giving its slot back; consent alone would keep a half-open session for 30 s or more.
        public var setupTimeout: Duration = .seconds(10)
        public var dtls = DTLSConfiguration()
        /// How often each outbound stream sends an RTCP sender report.
        public var senderReportInterval: Duration = .seconds(1)
        /// RTCP CNAME sent in SDES with every report.
        public var cname: String
        /// Maps the engine's monotonic clock to wall-clock time for RTCP NTP timestamps:
        /// `wallClockAnchor.unixSeconds` was the wall-clock time at `wallClockAnchor.instant`.
        public var wallClockAnchor: (instant: Instant, unixSeconds: Double)
        public var limits = WebRTCLimits()
        /// SSRC we put in RTCP feedback we originate (RR, NACK, PLI) when we only receive.
        public var feedbackSSRC: UInt32 = SecureRandom.uint32()
        /// Loss tracking for NACKs on inbound streams.
        public var nack = NACKGenerator.Configuration()
        /// Transport-wide feedback and REMB for what we receive (`enableBandwidthFeedback`).
        public var bandwidth = BandwidthFeedbackConfiguration()
        /// Data channels (the answer has an `m=application` section); nil: none. Its
        /// `isDTLSClient` is set from `dtlsRole`.
        public var dataChannels: DataChannelSession.Configuration?

        public init(certificate: DTLSCertificate, localCredentials: ICECredentials,
                    remoteCredentials: ICECredentials, remoteFingerprint: DTLSFingerprint,
                    dtlsRole: DTLSRole, cname: String, wallClockAnchor: (instant: Instant, unixSeconds: Double)) {
            self.certificate = certificate
            self.localCredentials = localCredentials
            self.remoteCredentials = remoteCredentials
            self.remoteFingerprint = remoteFingerprint
            self.dtlsRole = dtlsRole
            self.cname = cname
            self.wallClockAnchor = wallClockAnchor
        }
    }

    public enum State: Sendable, Equatable { case new, checking, connecting, connected, closed(String) }

    public enum Event: Sendable, Equatable {
        /// ICE nominated a pair: media may flow to `address` once DTLS is up.
        case iceConnected(TransportAddress)
        /// DTLS finished and SRTP keys are installed.
        case connected(SRTPProtectionProfile)
        /// The peer asked for a keyframe on one of our SSRCs (PLI or FIR).
        case keyframeRequested(ssrc: UInt32)
        /// Decrypted RTP from the peer (a publisher's media).
        case rtp(RTPPacket)
        /// A data channel opened, closed or received a message.
        case dataChannel(DataChannelEvent)
        /// The session ended (consent lost, DTLS closed or failed, closed locally).
        case closed(reason: String)
    }

    public enum Output: Sendable, Equatable {
        case transmit([UInt8], to: TransportAddress)
        case event(Event)
        case timeout(Instant)
    }

    public internal(set) var state: State = .new
    public internal(set) var counters = WebRTCCounters()
    /// What the peer last reported about each SSRC we send (RTCP RR/SR report blocks), keyed by
    /// SSRC; only SSRCs declared with `addOutboundStream` are kept.
    public internal(set) var remoteReceptions: [UInt32: RemoteReception] = [:]
    public let configuration: Configuration

    var ice: SessionICE
    let dtls: DTLSSession
    var srtp: SRTPSession?
    var outputs = OutputQueue<Output>()
    var outbound: [OutboundStream] = []
    var inbound: [InboundStream] = []
    var inboundClockRates: [UInt8: Int] = [:]
    /// Inbound RTX payload types (RFC 4588) → the media payload type they carry (`apt`).
    var inboundRetransmissionPayloadTypes: [UInt8: UInt8] = [:]
    /// Inbound RTX SSRC → media SSRC (the offer's `a=ssrc-group:FID`).
    var inboundRetransmissionSSRCs: [UInt32: UInt32] = [:]
    var nextReportDeadline: Instant = .distantFuture
    var bandwidthFeedback: BandwidthFeedbackState?
    /// Where the peer's DTLS came from: replies go there until ICE has nominated a pair
    /// (browsers start DTLS as soon as their check succeeds, before nominating).
    var dtlsPeerAddress: TransportAddress?
    /// Retransmissions the peer may still ask for (NACK), refilled per second.
    var retransmitBudget: TokenBucket
    /// When an unconnected session gives up (`Configuration.setupTimeout` after creation).
    let setupDeadline: Instant
    /// Data channels over DTLS (nil unless configured) and their next timer.
    let dataChannelSession: DataChannelSession?
    var dataChannelDeadline: Instant = .distantFuture
    var dataChannelLabels: [UInt16: String] = [:]
    var isDrainingDTLS = false

    public init(configuration: Configuration, now: Instant) throws {
        self.configuration = configuration
        retransmitBudget = TokenBucket(capacity: configuration.limits.maxRetransmitBurst,
                                       ratePerSecond: configuration.limits.maxRetransmitsPerSecond)
        setupDeadline = now + configuration.setupTimeout
        ice = SessionICE(configuration: configuration, now: now)
        dtls = try DTLSSession(role: configuration.dtlsRole, certificate: configuration.certificate,
                               remoteFingerprint: configuration.remoteFingerprint,
                               configuration: configuration.dtls, now: now)
        if var data = configuration.dataChannels {
            data.isDTLSClient = configuration.dtlsRole == .client
            dataChannelSession = try DataChannelSession(configuration: data, now: now)
        } else {
            dataChannelSession = nil
        }
        state = .checking
        // A full agent may have checks to send at once.
        drainICE(now: now)
    }

    /// The address media goes to: the latest nominated pair, or until a nomination arrives, the
    /// validated address the peer's DTLS came from.
    public var remoteAddress: TransportAddress? { ice.selectedAddress ?? dtlsPeerAddress }

    /// Bumped whenever `remoteAddress` changes, so a sender can cache what it derived from the
    /// address and check one integer per packet (refreshed after every input, never per packet).
    public private(set) var remoteAddressGeneration = 0
    private var lastRemoteAddress: TransportAddress?
    /// `remoteAddress != nil`, without copying the address on the hot path.
    var hasRemoteAddress = false

    func refreshRemoteAddress() {
        let current = remoteAddress
        guard current != lastRemoteAddress else { return }
        lastRemoteAddress = current
        hasRemoteAddress = current != nil
        remoteAddressGeneration &+= 1
    }

    public var isConnected: Bool { state == .connected }

    // MARK: Inputs

    /// One datagram that the runtime routed to this session.
    public func handle(datagram: [UInt8], from source: TransportAddress, now: Instant) {
        guard let first = datagram.first, !isClosed else { return }
        defer { refreshRemoteAddress() }
        switch first {
        case 0...3:
            if !ice.handleSTUN(datagram[...], from: source, now: now) { counters.stunRejected += 1 }
            drainICE(now: now)
        case 20...63:
            guard ice.isValidated(source) else { counters.droppedDatagrams += 1; return }
            dtlsPeerAddress = source
            let droppedBefore = dtls.droppedDatagrams
            dtls.handle(datagram: datagram, now: now)
            counters.droppedDatagrams += dtls.droppedDatagrams - droppedBefore
            drainDTLS(now: now)
        case 128...191:
            guard ice.isValidated(source), let srtp else { counters.droppedDatagrams += 1; return }
            handleSRTP(datagram, srtp: srtp, now: now)
        default:
            counters.droppedDatagrams += 1
        }
    }

    public func handleTimeout(now: Instant) {
        guard !isClosed else { return }
        defer { refreshRemoteAddress() }
        // Only an open session gets here, and one that connected stays `.connected` until it closes.
        if state != .connected, now >= setupDeadline {
            finish("not connected within \(configuration.setupTimeout) (ICE and DTLS setup)")
            return
        }
        ice.handleTimeout(now: now)
        drainICE(now: now)
        guard !isClosed else { return }
        dtls.handleTimeout(now: now)
        drainDTLS(now: now)
        if now >= nextReportDeadline { sendReports(now: now) }
        sendDueNACKs(now: now)
        sendDueBandwidthFeedback(now: now)
        handleDataChannelTimeout(now: now)
    }

    /// Next output; `.timeout` means nothing more until that instant (or the next input).
    public func poll() -> Output {
        if let output = outputs.popFirst() { return output }
        if isClosed { return .timeout(.distantFuture) }
        var deadline = min(nextReportDeadline, nextNACKDeadline, nextBandwidthDeadline)
        if state != .connected { deadline = min(deadline, setupDeadline) }
        if case .timeout(let iceDeadline) = ice.poll() { deadline = min(deadline, iceDeadline) }
        if case .timeout(let dtlsDeadline) = dtls.poll() { deadline = min(deadline, dtlsDeadline) }
        return .timeout(min(deadline, dataChannelDeadline))
    }

    /// Ends the session locally (DELETE on the WHEP resource, gateway shutdown): sends RTCP BYE
    /// for every SSRC we send (SRTCP, `goodbye(reason:)`), then DTLS close_notify, in that order
    /// (the BYE needs the SRTP keys the close tears down).
    public func close(reason: String) {
        guard !isClosed else { return }
        sendGoodbye(reason: reason)
        dtls.close()
        while case .transmit(let bytes) = dtls.poll() {
            if let to = remoteAddress { outputs.append(.transmit(bytes, to: to)) }
        }
        finish(reason)
    }

    var isClosed: Bool { if case .closed = state { return true } else { return false } }

    func finish(_ reason: String) {
        guard !isClosed else { return }
        state = .closed(reason)
        outputs.append(.event(.closed(reason: reason)))
    }

    // MARK: Sub-engines

    func drainICE(now: Instant) {
        while true {
            switch ice.poll() {
            case .transmit(let bytes, let to):
                outputs.append(.transmit(bytes, to: to))
            case .connected(let address):
                outputs.append(.event(.iceConnected(address)))
                if state == .checking {
                    state = .connecting
                    if configuration.dtlsRole == .client {
                        dtls.start(now: now)
                        drainDTLS(now: now)
                    }
                }
            case .failed(let reason):
                finish(reason)
                return
            case .other:
                continue
            case .timeout:
                if let lite = ice.lite {
                    counters.iceAddressChanges = lite.addressChanges
                    counters.iceProbesSent = lite.probesSent
                    counters.iceMovesRefused = lite.movesRefused
                    counters.iceProbesSuppressed = lite.probesSuppressed
                }
                return
            }
        }
    }

    func drainDTLS(now: Instant) {
        isDrainingDTLS = true
        defer { isDrainingDTLS = false }
        while true {
            switch dtls.poll() {
            case .transmit(let bytes):
                if let to = remoteAddress { outputs.append(.transmit(bytes, to: to)) }
            case .event(.connected(let keying)):
                do {
                    srtp = try SRTPSession(keying: keying, replayWindowSize: UInt(configuration.limits.srtpReplayWindow))
                    state = .connected
                    outputs.append(.event(.connected(keying.profile)))
                    nextReportDeadline = now + configuration.senderReportInterval
                    startDataChannels(now: now)
                } catch {
                    finish("SRTP setup failed: \(error)")
                    return
                }
            case .event(.failed(let reason)):
                finish("DTLS failed: \(reason)")
                return
            case .event(.closed):
                finish("DTLS closed by peer")
                return
            case .event(.applicationData(let bytes)):
                receiveApplicationData(bytes, now: now)
            case .timeout:
                return
            }
        }
    }
}

/// Per-session counters (read by the runtime for stats).
public struct WebRTCCounters: Sendable, Equatable {
    public var droppedDatagrams = 0
    public var stunRejected = 0
    /// SRTP/SRTCP packets that failed authentication (forged, corrupted, too short to verify).
    public var srtpAuthFailures = 0
    /// SRTP/SRTCP packets whose index the replay window had already seen or left behind
    /// (duplicates on the path count here too).
    public var srtpReplays = 0
    public var rtcpMalformed = 0
    public var packetsSent = 0
    public var bytesSent = 0
    public var nacksReceived = 0
    public var nacksSent = 0
    public var packetsReceived = 0
    public var retransmissions = 0
    /// Packets a NACK asked for that were not resent because the retransmission budget was spent.
    public var retransmissionsRefused = 0
    /// Of `retransmissions`, those sent on an RTX stream (RFC 4588) rather than the media SSRC.
    public var retransmissionsOnRTX = 0
    /// RTX packets received from the peer and unwrapped onto their media stream; those that could
    /// not be (unknown RTX SSRC, no original sequence number) and padding-only probes, which are
    /// not delivered (they still count for bandwidth feedback) and not counted as dropped datagrams.
    public var retransmissionsReceived = 0
    public var retransmissionsUnmatched = 0
    /// RTX packets whose original was already received or no longer awaited (the sender's
    /// bandwidth probes resend old packets on RTX): not delivered again.
    public var retransmissionsRedundant = 0
    public var keyframeRequestsReceived = 0
    /// Bandwidth feedback sent to a sender: transport-wide feedback packets and REMB messages.
    public var transportWideFeedbackSent = 0
    public var rembSent = 0
    /// RTCP BYE compounds sent (one per local close of a connected session).
    public var goodbyesSent = 0
    /// ICE: moves of the media to a new peer address (after it answered our probe), probes sent,
    /// nominations of a new address refused (probe unanswered) or not probed (cooldown, budget).
    public var iceAddressChanges = 0
    public var iceProbesSent = 0
    public var iceMovesRefused = 0
    public var iceProbesSuppressed = 0
    /// SCTP packets DTLS refused to send (too large, not connected).
    public var dataChannelPacketsUnsent = 0
    public init() {}
}

/// Caps for one session; every count from the wire is bounded.
public struct WebRTCLimits: Sendable {
    public var srtpReplayWindow = 1024
    /// NACK history per outbound SSRC: packets and bytes (payloads are shared with the source).
    public var sendHistoryPackets = 512
    public var sendHistoryBytes = 1 << 20
    /// A history starts at 64 packets and grows (up to `sendHistoryPackets`) while it would
    /// otherwise evict packets younger than this (libwebrtc's sender keeps at least 1 s); nil
    /// allocates `sendHistoryPackets` at once.
    public var sendHistoryRetention: Duration? = .seconds(1)
    public var maxNACKRetransmitsPerFeedback = 64
    /// Retransmissions one session may cause: a burst of this many, refilled at the rate below
    /// (NACKs asking for more are counted in `retransmissionsRefused`). 512/s resends 5 % loss of
    /// a 10,000-packet/s stream; one RTCP datagram full of NACKs can no longer fan out into
    /// thousands of packets.
    public var maxRetransmitBurst = 256
    public var maxRetransmitsPerSecond = 512
    /// Most SSRCs a peer may send us (simulcast layers and audio included).
    public var maxInboundStreams = 16
    public var rtcp = RTCPLimits()
    public init() {}
}

extension WebRTCSession {
    /// The ICE credentials in use now (they change on an ICE restart).
    public var localICECredentials: ICECredentials { ice.local }

    /// ICE restart (RFC 8445 §9, signalled by a WHIP/WHEP PATCH): new credentials on both sides.
    /// DTLS and SRTP continue; media keeps flowing to the selected address until the peer
    /// nominates a pair with the new credentials.
    public func restartICE(local: ICECredentials, remote: ICECredentials, now: Instant) {
        guard !isClosed else { return }
        ice.restart(local: local, remote: remote, now: now)
        drainICE(now: now)
        refreshRemoteAddress()
    }

    /// Whether media and DTLS from `address` are accepted (ICE validated it).
    public func isValidated(_ address: TransportAddress) -> Bool { ice.isValidated(address) }
}
