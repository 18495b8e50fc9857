import DTLS
import ICE
import RTCBase
import SRTP
import STUN

/// One receive-only WHEP viewer of the load generator (sans-IO): a controlling ICE check with
/// USE-CANDIDATE, a DTLS client, SRTP that authenticates every `verifyEvery`-th packet, and
/// per-SSRC sequence accounting (received vs. expected from the highest extended number).
final class LoadViewer {
    enum Phase { case posting, checking, handshaking, connected, failed }

    struct StreamCounter {
        var firstExtended: Int64 = -1
        var highestExtended: Int64 = -1
        var received: Int64 = 0

        mutating func record(_ sequenceNumber: UInt16) {
            received += 1
            guard highestExtended >= 0 else {
                firstExtended = Int64(sequenceNumber)
                highestExtended = firstExtended
                return
            }
            let last = UInt16(truncatingIfNeeded: highestExtended)
            let delta = Int64(Int16(bitPattern: sequenceNumber &- last))
            if delta > 0 { highestExtended += delta }
        }

        var expected: Int64 { highestExtended < 0 ? 0 : highestExtended - firstExtended + 1 }
    }

    let localAddress: TransportAddress
    var remoteAddress: TransportAddress?
    var phase = Phase.posting
    let credentials = ICECredentials.generate()
    var remoteCredentials: ICECredentials?
    var dtls: DTLSSession?
    /// Verifies what the gateway sends (GCM on OpenSSL; libsrtp for AES-CM).
    var cipher: SRTPGCMCipher?
    var srtp: SRTPSession?
    var streams: [(ssrc: UInt32, counter: StreamCounter)] = []
    var location: String?
    var packets: Int64 = 0
    var verified: Int64 = 0
    var verifyFailures: Int64 = 0
    var postStart: Instant
    var firstMedia: Instant?
    var failure: String?
    var nextCheck = Instant.zero
    var checkTransaction: STUNTransactionID?
    let tieBreaker = UInt64(SecureRandom.uint32()) << 32 | UInt64(SecureRandom.uint32())
    var outbox: [[UInt8]] = []

    init(localAddress: TransportAddress, now: Instant) {
        self.localAddress = localAddress
        self.postStart = now
    }

    /// The WHEP answer arrived: start ICE towards the gateway.
    func answered(remote: ICECredentials, fingerprint: DTLSFingerprint, address: TransportAddress,
                  certificate: DTLSCertificate, now: Instant) {
        remoteCredentials = remote
        remoteAddress = address
        do {
            dtls = try DTLSSession(role: .client, certificate: certificate, remoteFingerprint: fingerprint,
                                   configuration: DTLSConfiguration(), now: now)
        } catch {
            fail("DTLS: \(error)")
            return
        }
        phase = .checking
        nextCheck = now
        handleTimeout(now: now)
    }

    func fail(_ reason: String) {
        guard phase != .failed else { return }
        phase = .failed
        failure = reason
    }

    /// One datagram addressed to this viewer; the receive buffer is ours to decrypt in place.
    func handle(_ datagram: UnsafeMutableRawBufferPointer, now: Instant, verifyEvery: Int) {
        guard let first = datagram.first else { return }
        switch first {
        case 128...191:
            guard let srtp, datagram.count >= 12 else { return }
            let payloadType = datagram[1] & 0x7F
            if (72...76).contains(payloadType) { return }   // RTCP (RFC 5761 §4): not media
            let sequenceNumber = UInt16(datagram[2]) << 8 | UInt16(datagram[3])
            let ssrc = UInt32(datagram[8]) << 24 | UInt32(datagram[9]) << 16 | UInt32(datagram[10]) << 8 | UInt32(datagram[11])
            packets += 1
            if firstMedia == nil { firstMedia = now }
            var streamPackets: Int64 = 1
            if let index = streams.firstIndex(where: { $0.ssrc == ssrc }) {
                streams[index].counter.record(sequenceNumber)
                streamPackets = streams[index].counter.received
            } else {
                var counter = StreamCounter()
                counter.record(sequenceNumber)
                streams.append((ssrc, counter))
            }
            // A stream's first packets are always verified: SRTP's rollover counter starts at the
            // first packet the receiver authenticates (RFC 3711 §3.3.1), so skipping the first ones
            // of a stream that starts just before its sequence number wraps would desynchronize it.
            if verifyEvery > 0, packets % Int64(verifyEvery) == 0 || streamPackets <= 8 {
                if let cipher {
                    if cipher.open(in: datagram, length: datagram.count) != nil { verified += 1 } else { verifyFailures += 1 }
                } else {
                    var copy = [UInt8](datagram)
                    do { try srtp.unprotectRTP(&copy); verified += 1 } catch { verifyFailures += 1 }
                }
            }
        case 0...3:
            guard let message = try? STUNMessage(parsing: [UInt8](datagram)), message.type == .bindingSuccess,
                  message.transactionID == checkTransaction, let remoteCredentials,
                  STUNMessage.verifyMessageIntegrity([UInt8](datagram)[...],
                                                     key: STUNMessage.shortTermKey(password: remoteCredentials.password))
            else { return }
            if phase == .checking {
                phase = .handshaking
                dtls?.start(now: now)
                drainDTLS()
            }
        case 20...63:
            dtls?.handle(datagram: [UInt8](datagram), now: now)
            drainDTLS()
        default:
            break
        }
    }

    /// Checks every 50 ms until ICE succeeds, then every 2.5 s as consent; DTLS retransmits.
    func handleTimeout(now: Instant) {
        guard phase == .checking || phase == .handshaking || phase == .connected else { return }
        if now >= nextCheck {
            sendCheck()
            nextCheck = now + (phase == .checking ? .milliseconds(50) : .milliseconds(2500))
        }
        if let dtls, phase == .handshaking {
            dtls.handleTimeout(now: now)
            drainDTLS()
        }
    }

    private func sendCheck() {
        guard let remoteCredentials,
              let check = ICECheckRequest.make(local: credentials, remote: remoteCredentials, tieBreaker: tieBreaker)
        else { return }
        checkTransaction = check.transaction
        outbox.append(check.bytes)
    }

    private func drainDTLS() {
        guard let dtls else { return }
        for _ in 0..<64 {
            switch dtls.poll() {
            case .transmit(let bytes):
                outbox.append(bytes)
            case .event(.connected(let keying)):
                do {
                    srtp = try SRTPSession(keying: keying)
                    if keying.profile == .aeadAES128GCM {
                        cipher = SRTPGCMCipher(masterKey: keying.remoteMasterKey, masterSalt: keying.remoteMasterSalt)
                    }
                    phase = .connected
                } catch {
                    fail("SRTP: \(error)")
                }
            case .event(.failed(let reason)):
                fail("DTLS: \(reason)")
            case .event:
                continue
            case .timeout:
                return
            }
        }
    }

    var lost: Int64 {
        streams.reduce(0) { $0 + max(0, $1.counter.expected - $1.counter.received) }
    }
    var expected: Int64 { streams.reduce(0) { $0 + $1.counter.expected } }
}
