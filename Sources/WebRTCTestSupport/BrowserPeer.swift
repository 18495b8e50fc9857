import DTLS
import ICE
import RTCBase
import RTP
import SCTP
import SRTP
import STUN

/// A test-only stand-in for a browser's side of a WHEP session (sans-IO): a controlling ICE
/// agent that nominates one pair, a DTLS client, and SRTP that decrypts what the gateway sends.
/// Like a browser it answers the gateway's own connectivity checks (the ICE-lite agent probes a
/// newly nominated address), and with `nack` set it asks for missing packets with generic NACKs.
/// Used by engine tests and benchmarks; never by the gateway itself.
public final class BrowserPeer {
    public enum Output: Equatable {
        case transmit([UInt8], to: TransportAddress)
        case timeout(Instant)
    }

    public let credentials = ICECredentials.generate()
    public let certificate: DTLSCertificate
    public let localAddress: TransportAddress
    public let remoteAddress: TransportAddress
    let remoteCredentials: ICECredentials
    let dtls: DTLSSession
    public private(set) var srtp: SRTPSession?
    public private(set) var iceSucceeded = false
    public private(set) var receivedRTP: [RTPPacket] = []
    public private(set) var receivedRTCP: [RTCPPacket] = []
    public private(set) var undecryptable = 0
    /// Authenticated Binding requests from the gateway that were answered.
    public private(set) var answeredChecks = 0
    /// Loss tracking for generic NACKs on every SSRC received from now on; nil (the default): no NACKs.
    public var nack: NACKGenerator.Configuration?
    /// SSRC the feedback (NACK, PLI) is sent as.
    public var feedbackSSRC: UInt32 = 1
    /// Per SSRC received: packets decrypted, sequence span, NACKs sent.
    public private(set) var receptions: [UInt32: BrowserReception] = [:]
    /// Data channels like a browser's (DTLS client side: even stream ids), when asked for at init.
    public let dataChannels: DataChannelSession?
    /// What the data channels reported, in order.
    public private(set) var dataChannelEvents: [DataChannelSession.Event] = []
    private var dataChannelDeadline: Instant = .distantFuture
    private var outputs = OutputQueue<Output>()
    private var checkTransaction: STUNTransactionID?
    private var nextCheck: Instant
    private let tieBreaker = UInt64(SecureRandom.uint32()) << 32 | UInt64(SecureRandom.uint32())

    public init(remoteCredentials: ICECredentials, remoteFingerprint: DTLSFingerprint,
                localAddress: TransportAddress, remoteAddress: TransportAddress,
                dtlsConfiguration: DTLSConfiguration = DTLSConfiguration(),
                dataChannels dataChannelConfiguration: DataChannelSession.Configuration? = nil, now: Instant) throws {
        self.certificate = try DTLSCertificate.generate(commonName: "browser-peer")
        self.remoteCredentials = remoteCredentials
        self.localAddress = localAddress
        self.remoteAddress = remoteAddress
        self.dtls = try DTLSSession(role: .client, certificate: certificate, remoteFingerprint: remoteFingerprint,
                                    configuration: dtlsConfiguration, now: now)
        self.nextCheck = now
        if var data = dataChannelConfiguration {
            data.isDTLSClient = true
            dataChannels = try DataChannelSession(configuration: data, now: now)
        } else {
            dataChannels = nil
        }
    }

    public var isConnected: Bool { srtp != nil }

    /// A datagram from the gateway (`remoteAddress`).
    public func handle(datagram: [UInt8], now: Instant) {
        handle(datagram: datagram, from: remoteAddress, now: now)
    }

    /// A datagram from `source`; STUN Binding requests are answered there.
    public func handle(datagram: [UInt8], from source: TransportAddress, now: Instant) {
        guard let first = datagram.first else { return }
        switch first {
        case 0...3:
            guard let message = try? STUNMessage(parsing: datagram) else { return }
            if message.type == .bindingRequest {
                answerCheck(message, datagram, from: source)
                return
            }
            guard message.type == .bindingSuccess,
                  message.transactionID == checkTransaction,
                  STUNMessage.verifyMessageIntegrity(datagram[...], key: STUNMessage.shortTermKey(password: remoteCredentials.password))
            else { return }
            if !iceSucceeded {
                iceSucceeded = true
                dtls.start(now: now)
                drainDTLS(now: now)
            }
        case 20...63:
            dtls.handle(datagram: datagram, now: now)
            drainDTLS(now: now)
        case 128...191:
            guard let srtp else { undecryptable += 1; return }
            var packet = datagram
            if RTPPacket.looksLikeRTCP(packet) {
                guard (try? srtp.unprotectRTCP(&packet)) != nil, let rtcp = try? RTCPCompound.parse(packet[...]) else {
                    undecryptable += 1
                    return
                }
                receivedRTCP.append(contentsOf: rtcp)
            } else {
                guard (try? srtp.unprotectRTP(&packet)) != nil, let rtp = try? RTPPacket(parsing: packet) else {
                    undecryptable += 1
                    return
                }
                receivedRTP.append(rtp)
                receptions[rtp.ssrc, default: BrowserReception(ssrc: rtp.ssrc, nack: nack)]
                    .record(sequenceNumber: rtp.sequenceNumber, at: now)
                sendDueFeedback(now: now)
            }
        default:
            undecryptable += 1
        }
    }

    /// Sends connectivity checks (with USE-CANDIDATE) every 50 ms until answered, then every 2.5 s as consent.
    public func handleTimeout(now: Instant) {
        if now >= nextCheck {
            sendCheck()
            nextCheck = now + (iceSucceeded ? .milliseconds(2500) : .milliseconds(50))
        }
        dtls.handleTimeout(now: now)
        if let dataChannels, now >= dataChannelDeadline {
            dataChannels.handleTimeout(now: now)
            drainDataChannels(now: now)
        }
        drainDTLS(now: now)
        sendDueFeedback(now: now)
    }

    public func poll() -> Output {
        if let output = outputs.popFirst() { return output }
        var deadline = nextCheck
        if case .timeout(let d) = dtls.poll() { deadline = min(deadline, d) }
        for reception in receptions.values { deadline = min(deadline, reception.nextDeadline ?? .distantFuture) }
        return .timeout(min(deadline, dataChannelDeadline))
    }

    /// Sends RTCP feedback (PLI, NACK, RR) to the gateway, protected.
    public func sendRTCP(_ packets: [RTCPPacket]) {
        guard let srtp else { return }
        var bytes = RTCPCompound.serialize(packets)
        guard (try? srtp.protectRTCP(&bytes)) != nil else { return }
        outputs.append(.transmit(bytes, to: remoteAddress))
    }

    /// A protected RTP datagram for the gateway, as a publishing browser sends it.
    public func protectRTP(_ packet: RTPPacket) -> [UInt8]? {
        guard let srtp else { return nil }
        var bytes = packet.bytes
        guard (try? srtp.protectRTP(&bytes)) != nil else { return nil }
        return bytes
    }

    /// Drops what was received so far (keeps memory flat in long runs).
    public func clearReceived() {
        receivedRTP.removeAll(keepingCapacity: true)
        receivedRTCP.removeAll(keepingCapacity: true)
    }

    private func sendCheck() {
        guard let check = ICECheckRequest.make(local: credentials, remote: remoteCredentials, tieBreaker: tieBreaker) else { return }
        checkTransaction = check.transaction
        outputs.append(.transmit(check.bytes, to: remoteAddress))
    }

    /// Answers an authenticated Binding request from the gateway (USERNAME "ours:theirs",
    /// MESSAGE-INTEGRITY with our password), as a full ICE agent answers any check (RFC 8445 §7.3).
    private func answerCheck(_ request: STUNMessage, _ datagram: [UInt8], from source: TransportAddress) {
        let key = STUNMessage.shortTermKey(password: credentials.password)
        guard request.username == "\(credentials.ufrag):\(remoteCredentials.ufrag)",
              STUNMessage.verifyMessageIntegrity(datagram[...], key: key) else { return }
        let response = STUNMessage(type: .bindingSuccess, transactionID: request.transactionID,
                                   attributes: [.xorMappedAddress(source)])
        guard let bytes = try? response.encoded(integrityKey: key, addFingerprint: true) else { return }
        answeredChecks += 1
        outputs.append(.transmit(bytes, to: source))
    }

    /// NACKs (and PLIs) the loss trackers want sent by `now`.
    private func sendDueFeedback(now: Instant) {
        guard nack != nil else { return }
        for ssrc in receptions.keys.sorted() {
            guard let feedback = receptions[ssrc]?.dueFeedback(now: now, feedbackSSRC: feedbackSSRC) else { continue }
            for packet in feedback { sendRTCP([packet]) }
        }
    }

    /// Opens a data channel in band (DCEP) once the association is up; returns its id.
    public func openDataChannel(label: String, ordered: Bool = true,
                                reliability: SCTPAssociation.Reliability = .reliable, now: Instant) throws -> UInt16 {
        guard let dataChannels else { throw DataChannelSession.ChannelError.notConnected }
        let id = try dataChannels.open(label: label, ordered: ordered, reliability: reliability)
        drainDataChannels(now: now)
        drainDTLS(now: now)
        return id
    }

    /// Sends one message on a data channel.
    public func sendData(_ payload: DataChannelSession.Payload, on channel: UInt16, now: Instant) throws {
        guard let dataChannels else { throw DataChannelSession.ChannelError.notConnected }
        try dataChannels.send(payload, on: channel)
        drainDataChannels(now: now)
        drainDTLS(now: now)
    }

    /// Forgets the data channel events seen so far.
    public func clearDataChannelEvents() { dataChannelEvents.removeAll(keepingCapacity: true) }

    /// SCTP packets become DTLS records (sent by the next `drainDTLS`), events are recorded.
    private func drainDataChannels(now: Instant) {
        guard let dataChannels else { return }
        for _ in 0..<100_000 {
            switch dataChannels.poll() {
            case .transmit(let packet):
                try? dtls.send(applicationData: packet)
            case .event(let event):
                dataChannelEvents.append(event)
            case .timeout(let deadline):
                dataChannelDeadline = deadline
                return
            }
        }
    }

    private func drainDTLS(now: Instant) {
        while true {
            switch dtls.poll() {
            case .transmit(let bytes):
                outputs.append(.transmit(bytes, to: remoteAddress))
            case .event(.connected(let keying)):
                srtp = try? SRTPSession(keying: keying)
                if let dataChannels {
                    dataChannels.start(now: now)
                    drainDataChannels(now: now)
                }
            case .event(.applicationData(let packet)):
                dataChannels?.handle(packet: packet, now: now)
                drainDataChannels(now: now)
            case .event:
                continue
            case .timeout:
                return
            }
        }
    }
}
