import Codecs
import DTLS
import Egress
import Ingest
import RTCBase
import RTP
import Routing
import SRTP
import WebRTC
import WebRTCTestSupport

/// Gateway part of WHIP → WHEP latency: from an SRTP packet arriving at the publisher's session
/// to the last viewer's SRTP datagram leaving `protectRTP`, through the same pieces the runtime
/// uses (publisher session decrypt + feedback, unit assembly, path fan-out, viewer forwarder,
/// protect). Event-loop hops and socket syscalls are not included (in-process, one thread).
struct RelayLatencyBenchmark {
    let viewers: Int
    let frames: Int

    struct Result {
        var p50: Duration
        var p99: Duration
        var packets: Int
    }

    func run() throws -> Result {
        let start = Instant(nanoseconds: 1_000_000_000)
        let gatewayAddress = TransportAddress(host: "127.0.0.1", port: 8189)!
        let certificate = try DTLSCertificate.generate()
        // Publisher: the browser stand-in sends, the gateway session receives.
        var publisher = try PeerPairDriver.make(gatewayCertificate: certificate, gatewayAddress: gatewayAddress,
                                                browserAddress: TransportAddress(host: "127.0.0.1", port: 40000)!, start: start)
        guard publisher.run(maxSteps: 200, until: { $0.gateway.isConnected && $0.browser.isConnected }) else {
            throw BenchmarkError("publisher did not connect")
        }
        publisher.gateway.expectInbound(payloadType: 96, clockRate: 90000)
        let router = Router(limits: RoutingLimits(), clock: { start })
        let path = try router.createPath(named: "live")
        let track = TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90000, channels: nil,
                              fmtp: ["packetization-mode": "1"], payloadType: 96)
        let token = try path.attachPublisher(tracks: [track]) {}
        var viewerSessions: [(session: WebRTCSession, forwarder: ViewerForwarder, reader: PathReader)] = []
        for i in 0..<viewers {
            var pair = try PeerPairDriver.make(gatewayCertificate: certificate, gatewayAddress: gatewayAddress,
                                               browserAddress: TransportAddress(host: "127.0.0.1", port: UInt16(41000 + i))!,
                                               start: start)
            guard pair.run(maxSteps: 200, until: { $0.gateway.isConnected && $0.browser.isConnected }) else {
                throw BenchmarkError("viewer \(i) did not connect")
            }
            let forwarder = ViewerForwarder(outputs: [.video: .init(payloadType: 102, ssrc: UInt32(0x2000 + i))])
            viewerSessions.append((pair.gateway, forwarder, try path.addReader(wake: {})))
        }
        var assembler = RTPUnitAssembler(trackID: 0, isVideo: true, codec: CodecRegistry.descriptor(forEncodingName: "H264"))
        var packetizer = H264Packetizer()
        let clock = ContinuousClock()
        var samples: [Duration] = []
        var sequence: UInt16 = 0
        var produced = 0, packetsIn = 0
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { scratch.deallocate() }
        let browserAddress = publisher.browser.localAddress
        for n in 0..<frames {
            let nal: [UInt8] = [n % 60 == 0 ? 0x65 : 0x41] + [UInt8](repeating: UInt8(truncatingIfNeeded: n), count: 2400)
            let frame = AccessUnit(payloads: [nal], rtpTimestamp: UInt32(n * 3000), isKeyframe: n % 60 == 0)
            for (payload, marker) in packetizer.packetize(frame, maxPayloadSize: 1188) {
                let rtp = RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: frame.rtpTimestamp,
                                    ssrc: 0xABCD, marker: marker, payload: payload)
                sequence &+= 1
                packetsIn += 1
                guard let datagram = publisher.browser.protectRTP(rtp) else { throw BenchmarkError("protect failed") }
                let now = start + .milliseconds(n * 33)
                // The measured part: arrival → decrypt → unit → fan-out → every viewer's SRTP out.
                let began = clock.now
                publisher.gateway.handle(datagram: datagram, from: browserAddress, now: now)
                while case .event(.rtp(let packet)) = publisher.gateway.poll() {
                    for unit in assembler.push(packet, arrival: now) { path.publish(unit, token: token) }
                }
                for v in viewerSessions.indices {
                    for event in viewerSessions[v].reader.drain(max: 64) {
                        let session = viewerSessions[v].session
                        viewerSessions[v].forwarder.handle(event, session: session, now: now) { packet in
                            if session.protectRTP(packet, into: scratch, now: now) != nil { produced += 1 }
                        }
                    }
                }
                if marker { samples.append(clock.now - began) }   // a frame's last packet completes the unit
            }
        }
        // Every packet the publisher sent must reach every viewer, once.
        guard produced == packetsIn * viewers else {
            throw BenchmarkError("\(produced) packets reached the viewers, expected \(packetsIn) × \(viewers)")
        }
        samples.sort()
        return Result(p50: samples[samples.count / 2], p99: samples[min(samples.count - 1, samples.count * 99 / 100)],
                      packets: produced)
    }
}
