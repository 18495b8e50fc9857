import DTLS
import ICE
import RTCBase
import SDP
import WebRTC
import WebRTCTestSupport

/// WHEP session setup cost on the gateway: parse a real Chromium offer, answer it, create the
/// session, and run ICE + DTLS 1.2 (ECDSA P-256) to connected. Only the gateway's calls are
/// timed; the browser stand-in's work is excluded. Reports sessions per second on one core.
struct SessionSetupBenchmark {
    let sessions: Int
    let offer: String

    func run() throws -> Double {
        let clock = ContinuousClock()
        var gatewayTime = Duration.zero
        let certificate = try DTLSCertificate.generate()
        let start = Instant(nanoseconds: 1_000_000_000)
        let gatewayAddress = TransportAddress(host: "127.0.0.1", port: 8189)!
        let codecs = [CodecCapability(name: "H264", kind: .video, clockRate: 90000,
                                      fmtp: ["packetization-mode": "1", "profile-level-id": "42e01f"],
                                      rtcpFeedback: ["nack", "nack pli"]),
                      CodecCapability(name: "opus", kind: .audio, clockRate: 48000, channels: 2)]
        for i in 0..<sessions {
            let browserAddress = TransportAddress(host: "127.0.0.1", port: UInt16(20000 + i % 40000))!
            var t0 = clock.now
            let parsed = try SessionDescription(parsing: offer)
            let local = ICECredentials.generate()
            let options = AnswerOptions(
                iceUfrag: local.ufrag, icePwd: local.password,
                fingerprint: SDPFingerprint(algorithm: "sha-256", value: certificate.fingerprint.value),
                candidates: [SDPCandidate(foundation: "1", priority: 2_130_706_431, address: "127.0.0.1", port: 8189)],
                codecs: codecs, localDirection: .sendonly,
                localTracks: [.video: LocalTrack(ssrc: 1, cname: "c", streamID: "s", trackID: "v"),
                              .audio: LocalTrack(ssrc: 2, cname: "c", streamID: "s", trackID: "a")],
                sessionID: 1)
            _ = try SDPAnswerer.answer(to: parsed, options: options).answer.serialized()
            gatewayTime += clock.now - t0
            // The browser side (not timed): its own certificate and DTLS client.
            let browser = try BrowserPeer(remoteCredentials: local, remoteFingerprint: certificate.fingerprint,
                                          localAddress: browserAddress, remoteAddress: gatewayAddress, now: start)
            t0 = clock.now
            let session = try WebRTCSession(configuration: WebRTCSession.Configuration(
                certificate: certificate, localCredentials: local, remoteCredentials: browser.credentials,
                remoteFingerprint: browser.certificate.fingerprint, dtlsRole: .server, cname: "c",
                wallClockAnchor: (start, 0)), now: start)
            gatewayTime += clock.now - t0
            var now = start
            for _ in 0..<200 where !(session.isConnected && browser.isConnected) {
                browser.handleTimeout(now: now)
                var moved = true
                while moved {
                    moved = false
                    while case .transmit(let bytes, _) = browser.poll() {
                        moved = true
                        let t = clock.now
                        session.handle(datagram: bytes, from: browserAddress, now: now)
                        gatewayTime += clock.now - t
                    }
                    while true {
                        let t = clock.now
                        let output = session.poll()
                        gatewayTime += clock.now - t
                        guard case .transmit(let bytes, _) = output else { if case .event = output { continue }; break }
                        moved = true
                        browser.handle(datagram: bytes, now: now)
                    }
                }
                now = now + .milliseconds(10)
            }
            guard session.isConnected else { throw BenchmarkError("session \(i) did not connect") }
        }
        return Double(sessions) / gatewayTime.secondsDouble
    }
}
