import DTLS
import Egress
import SRTP
import ICE
import RTCBase
import RTP
import Routing
import WebRTC
import WebRTCTestSupport

/// Forwarding hot path per viewer packet, as the path and `WHEPViewer.drain` run it: a media unit
/// published on the path (into every reader's queue) → each viewer drains its reader → `ViewerForwarder`
/// (route lookup, `RTPStreamRewriter`) → `WebRTCSession.protectRTP` (header and payload written
/// into the send batch's arena, SRTP protect in place, send history, report stats). The arena is
/// reused the way `UDPSendBatch` reuses it; the `sendmmsg` itself is not part of it (the
/// whole-process load test in `Benchmarks/RTCBridgeLoad` measures that). Units are built before
/// the clock starts; every packet of every unit must come out protected, at its exact size.
struct ForwardingBenchmark {
    let viewers: Int
    let profile: SRTPProtectionProfile
    let packets: Int

    struct Result {
        var nanosecondsPerViewerPacket: Double
        var viewerPacketsPerSecond: Double { 1e9 / nanosecondsPerViewerPacket }
    }

    func run() throws -> Result {
        let certificate = try DTLSCertificate.generate()
        var dtls = DTLSConfiguration()
        dtls.profiles = [profile]
        var sessions: [(session: WebRTCSession, forwarder: ViewerForwarder, reader: PathReader)] = []
        let start = Instant(nanoseconds: 1_000_000_000)
        let now = start + .seconds(2)
        let path = try Router(clock: { now }).createPath(named: "bench")
        let track = TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90000, channels: nil,
                              fmtp: ["packetization-mode": "1"], payloadType: 96)
        for i in 0..<viewers {
            guard let gatewayAddress = TransportAddress(host: "127.0.0.1", port: 8189),
                  let browserAddress = TransportAddress(host: "127.0.0.1", port: UInt16(20000 + i % 40000)) else {
                throw BenchmarkError("bad address")
            }
            var driver = try PeerPairDriver.make(gatewayCertificate: certificate, dtls: dtls, gatewayAddress: gatewayAddress,
                                                 browserAddress: browserAddress, start: start)
            let session = driver.gateway
            guard driver.run(maxSteps: 200, until: { $0.gateway.isConnected && $0.browser.isConnected }) else {
                throw BenchmarkError("viewer \(i) did not connect")
            }
            let forwarder = ViewerForwarder(outputs: [.video: .init(payloadType: 102, ssrc: UInt32(0x1000 + i))])
            sessions.append((session, forwarder, try path.addReader(wake: {})))
        }
        let token = try path.attachPublisher(tracks: [track], requestKeyframe: {})
        for v in sessions.indices {   // the tracks event, outside the timed part
            for event in sessions[v].reader.drain(max: 64) {
                sessions[v].forwarder.handle(event, session: sessions[v].session, now: start) { _ in }
            }
        }
        let arenaBytes = 1 << 20
        let arena = UnsafeMutableRawBufferPointer.allocate(byteCount: arenaBytes, alignment: 16)
        defer { arena.deallocate() }
        var used = 0
        let payload = [UInt8](repeating: 0xAB, count: 1188)
        var protectedPackets = 0, protectedBytes = 0
        let clock = ContinuousClock()
        let packetsPerUnit = 4
        let units = max(packets / packetsPerUnit, 1)
        let prebuilt: [MediaUnit] = (0..<min(units, 300)).map { u in
            let rtp = (0..<packetsPerUnit).map { k in
                RTPPacket(payloadType: 96, sequenceNumber: UInt16(truncatingIfNeeded: u * packetsPerUnit + k),
                          timestamp: UInt32(truncatingIfNeeded: u * 3000), ssrc: 0x1111_1111,
                          marker: k == packetsPerUnit - 1, payload: payload)
            }
            return MediaUnit(trackID: 0, packets: rtp, rtpTimestamp: UInt32(truncatingIfNeeded: u * 3000),
                             isKeyframe: true, arrival: now, sourceEpoch: 0)
        }
        let elapsed = clock.measure {
            for u in 0..<units {
                path.publish(prebuilt[u % prebuilt.count], token: token)
                for v in sessions.indices {
                    let session = sessions[v].session
                    for event in sessions[v].reader.drain(max: 64) {
                        sessions[v].forwarder.handle(event, session: session, now: now) { packet in
                            let capacity = WebRTCSession.protectedCapacity(payloadCount: packet.payload.count)
                            if used + capacity > arenaBytes { used = 0 }
                            let slot = UnsafeMutableRawBufferPointer(rebasing: arena[used..<(used + capacity)])
                            if let length = session.protectRTP(packet, into: slot, now: now) {
                                protectedPackets += 1
                                protectedBytes += length
                                used += (length + 15) & ~15
                            }
                        }
                    }
                }
            }
        }
        // Header (12) + payload + the profile's tag (16 for AES-GCM, 10 for HMAC-SHA1-80).
        let tag = profile == .aeadAES128GCM ? 16 : 10
        let expected = units * packetsPerUnit * viewers
        guard protectedPackets == expected, protectedBytes == expected * (12 + payload.count + tag) else {
            throw BenchmarkError("protected \(protectedPackets) packets / \(protectedBytes) bytes, expected \(expected) packets")
        }
        let ns = Double(elapsed.nanosecondsClamped) / Double(units * packetsPerUnit * viewers)
        return Result(nanosecondsPerViewerPacket: ns)
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
