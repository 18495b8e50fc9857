import DTLS
import ICE
import RTCBase
import RTP
import SDP
import Testing
import TestSupport
import WebRTC

/// The gateway as the offering client (WHIP push, WHEP pull): our offer, answered by the
/// gateway's own answerer, drives a full-ICE controlling session against an ICE-lite server
/// session over the network emulator on virtual time.
@Suite struct OffererSessionTests {
    static let clientAddress = TransportAddress(host: "10.0.0.1", port: 40000)!
    static let serverAddress = TransportAddress(host: "10.0.0.2", port: 8189)!
    static let vp8 = CodecCapability(name: "VP8", kind: .video, clockRate: 90_000, rtcpFeedback: ["nack", "nack pli"])
    static let opus = CodecCapability(name: "opus", kind: .audio, clockRate: 48_000, channels: 2,
                                      fmtp: ["minptime": "10", "useinbandfec": "1"])

    /// Two sessions joined by an emulated network; every loop bounded.
    struct Pair {
        let client: WebRTCSession
        let server: WebRTCSession
        var network = NetworkEmulator(seed: 7)
        var now: Instant
        var clientEvents: [WebRTCSession.Event] = []
        var serverEvents: [WebRTCSession.Event] = []

        init(client: WebRTCSession, server: WebRTCSession, now: Instant) {
            self.client = client
            self.server = server
            self.now = now
            network.attach(OffererSessionTests.clientAddress)
            network.attach(OffererSessionTests.serverAddress)
        }

        mutating func drain(_ session: WebRTCSession, from address: TransportAddress) -> Bool {
            var any = false
            for _ in 0..<10_000 {
                switch session.poll() {
                case .transmit(let bytes, let to):
                    any = true
                    network.send(bytes, from: address, to: to, at: now)
                case .event(let event):
                    any = true
                    if session === client { clientEvents.append(event) } else { serverEvents.append(event) }
                case .timeout:
                    return any
                }
            }
            return any
        }

        mutating func exchange() {
            for _ in 0..<10_000 {
                var any = drain(client, from: OffererSessionTests.clientAddress)
                any = drain(server, from: OffererSessionTests.serverAddress) || any
                while let (datagram, host) = network.receive(at: now) {
                    any = true
                    let session = host == OffererSessionTests.clientAddress ? client : server
                    session.handle(datagram: datagram.bytes, from: datagram.source, now: now)
                }
                if !any { return }
            }
        }

        mutating func step() {
            exchange()
            var next = network.nextDelivery ?? .distantFuture
            if case .timeout(let deadline) = client.poll() { next = min(next, deadline) }
            if case .timeout(let deadline) = server.poll() { next = min(next, deadline) }
            now = max(now, min(next, now + .seconds(1)))
            client.handleTimeout(now: now)
            server.handleTimeout(now: now)
            exchange()
        }

        mutating func run(maxSteps: Int = 2000, until condition: (Pair) -> Bool) -> Bool {
            for _ in 0..<maxSteps {
                if condition(self) { return true }
                step()
            }
            return condition(self)
        }
    }

    /// Offer (client) → answer (server's `SDPAnswerer`, ICE-lite, DTLS passive) → both sessions.
    static func negotiate(start: Instant, oneWayDelay: Duration = .zero) throws -> (Pair, AcceptedAnswer, SessionDescription) {
        let clientCertificate = try DTLSCertificate.generate()
        let serverCertificate = try DTLSCertificate.generate()
        let clientICE = ICECredentials.generate()
        let serverICE = ICECredentials.generate()
        let track = LocalTrack(ssrc: 0x5151, cname: "client", streamID: "cam", trackID: "cam-video")
        let offerOptions = OfferOptions(
            iceUfrag: clientICE.ufrag, icePwd: clientICE.password,
            fingerprint: SDPFingerprint(algorithm: clientCertificate.fingerprint.algorithm,
                                        value: clientCertificate.fingerprint.value),
            candidates: [SDPCandidate(foundation: "1", priority: 2_130_706_431, address: clientAddress.host,
                                      port: clientAddress.port)],
            sections: [.init(kind: .video, direction: .sendonly, codecs: [vp8], localTrack: track),
                       .init(kind: .audio, direction: .sendonly, codecs: [opus])],
            sessionID: 42)
        let offer = try SDPOfferer.offer(offerOptions)
        // Through text, as over HTTP.
        let parsedOffer = try SessionDescription(parsing: offer.serialized())
        let (answer, _) = try SDPAnswerer.answer(to: parsedOffer, options: AnswerOptions(
            iceUfrag: serverICE.ufrag, icePwd: serverICE.password,
            fingerprint: SDPFingerprint(algorithm: serverCertificate.fingerprint.algorithm,
                                        value: serverCertificate.fingerprint.value),
            candidates: [SDPCandidate(foundation: "1", priority: 2_130_706_431, address: serverAddress.host,
                                      port: serverAddress.port)],
            codecs: [vp8, opus], localDirection: .recvonly, sessionID: 7))
        let parsedAnswer = try SessionDescription(parsing: answer.serialized())
        let accepted = try SDPOfferer.accept(answer: parsedAnswer, to: offer, codecs: [vp8, opus])

        let remoteCandidates = accepted.remoteCandidates.compactMap { candidate in
            TransportAddress(host: candidate.address, port: candidate.port).map {
                ICECandidate(type: .host, address: $0, priority: candidate.priority, foundation: candidate.foundation)
            }
        }
        var clientConfiguration = WebRTCSession.Configuration(
            certificate: clientCertificate, localCredentials: clientICE,
            remoteCredentials: ICECredentials(ufrag: accepted.remoteUfrag, password: accepted.remotePwd),
            remoteFingerprint: DTLSFingerprint(algorithm: accepted.remoteFingerprint.algorithm,
                                               value: accepted.remoteFingerprint.value),
            dtlsRole: accepted.localSetup == .active ? .client : .server, cname: "client",
            wallClockAnchor: (start, 1_700_000_000))
        clientConfiguration.fullICE = FullICEParameters(
            role: .controlling, localCandidates: [ICECandidate(type: .host, address: clientAddress)],
            remoteCandidates: remoteCandidates)
        var serverConfiguration = WebRTCSession.Configuration(
            certificate: serverCertificate, localCredentials: serverICE, remoteCredentials: clientICE,
            remoteFingerprint: clientCertificate.fingerprint, dtlsRole: .server, cname: "server",
            wallClockAnchor: (start, 1_700_000_000))
        serverConfiguration.setupTimeout = .seconds(10)
        let client = try WebRTCSession(configuration: clientConfiguration, now: start)
        let server = try WebRTCSession(configuration: serverConfiguration, now: start)
        var pair = Pair(client: client, server: server, now: start)
        if oneWayDelay > .zero {
            pair.network.setConditions(.init(delay: oneWayDelay), from: clientAddress)
            pair.network.setConditions(.init(delay: oneWayDelay), from: serverAddress)
        }
        return (pair, accepted, offer)
    }

    @Test func theOfferIsBundledActpassWithOurCodecsAndTheAnswerSetsOurRole() throws {
        let start = Instant(nanoseconds: 1_000_000_000)
        let (_, accepted, offer) = try Self.negotiate(start: start)
        #expect(offer.bundleGroup == ["0", "1"])
        #expect(offer.media.allSatisfy { $0.setup == .actpass && $0.rtcpMux && $0.direction == .sendonly })
        #expect(offer.media[0].rtpMap(for: 96)?.encodingName == "VP8")
        #expect(offer.media[1].rtpMap(for: 97)?.encodingName == "opus")
        #expect(offer.media[0].ssrcs == [0x5151])
        // Our answerer is ICE-lite and DTLS passive: we control and open DTLS.
        #expect(accepted.remoteIsICELite)
        #expect(accepted.localSetup == .active)
        #expect(accepted.media.map(\.accepted) == [true, true])
        #expect(accepted.media.map(\.payloadType) == [96, 97])
        #expect(accepted.media.map(\.direction) == [.sendonly, .sendonly])
        #expect(accepted.remoteCandidates.map(\.port) == [Self.serverAddress.port])
    }

    @Test func aFullICEClientConnectsToAnICELiteServerAndMediaFlows() throws {
        let start = Instant(nanoseconds: 1_000_000_000)
        var (pair, _, _) = try Self.negotiate(start: start, oneWayDelay: .milliseconds(5))
        #expect(pair.run { $0.client.isConnected && $0.server.isConnected })
        #expect(pair.clientEvents.contains(.iceConnected(Self.serverAddress)))
        #expect(pair.serverEvents.contains(.iceConnected(Self.clientAddress)))
        #expect(pair.client.iceRole == .controlling)
        // Connect time on virtual time: one check round trip (10 ms), then the DTLS handshake.
        let iceConnected = try #require(pair.client.iceConnectedAt)
        #expect(iceConnected - start <= .milliseconds(20), "ICE took \(iceConnected - start)")
        #expect(pair.now - start <= .milliseconds(100), "connected after \(pair.now - start)")

        pair.client.addOutboundStream(ssrc: 0x5151, clockRate: 90_000)
        pair.server.expectInbound(payloadType: 96, clockRate: 90_000)
        for sequenceNumber in UInt16(1)...20 {
            let out = try #require(pair.client.protectRTP(OutgoingRTP(
                payloadType: 96, marker: true, sequenceNumber: sequenceNumber, timestamp: UInt32(sequenceNumber) * 3000,
                ssrc: 0x5151, payload: Array(repeating: UInt8(sequenceNumber), count: 300)[...]), now: pair.now))
            #expect(out.to == Self.serverAddress)
            pair.network.send(out.datagram, from: Self.clientAddress, to: out.to, at: pair.now)
        }
        #expect(pair.run { driver in driver.serverEvents.count { if case .rtp = $0 { true } else { false } } == 20 })
        let received = pair.serverEvents.compactMap { if case .rtp(let packet) = $0 { packet } else { nil } }
        #expect(received.map(\.sequenceNumber) == Array(1...20))
        #expect(received.allSatisfy { $0.ssrc == 0x5151 && $0.payloadType == 96 && $0.payload.count == 300 })

        // Consent: the client's checks keep the lite server's consent fresh well past 30 s.
        let later = pair.now + .seconds(45)
        #expect(pair.run(maxSteps: 100_000) { $0.now >= later })
        #expect(pair.client.isConnected && pair.server.isConnected)
    }

    @Test func aServerThatNeverAnswersFailsTheClientWithAReason() throws {
        let start = Instant(nanoseconds: 1_000_000_000)
        var (pair, _, _) = try Self.negotiate(start: start)
        pair.network.setConditions(.init(loss: 1), from: Self.serverAddress)
        #expect(pair.run(maxSteps: 100_000) { driver in
            driver.clientEvents.contains { if case .closed = $0 { true } else { false } }
        })
        let reason = pair.clientEvents.compactMap { if case .closed(let reason) = $0 { reason } else { nil } }.first
        #expect(reason == "ICE failed: no candidate pair answered" || reason?.contains("not connected within") == true,
                "\(reason ?? "none")")
    }
}
