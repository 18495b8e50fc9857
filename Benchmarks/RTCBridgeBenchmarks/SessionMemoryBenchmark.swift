import CHeapStats
import DTLS
import Egress
import RTCBase
import RTP
import Routing
import WebRTC
import WebRTCTestSupport

/// Heap bytes per gateway WebRTC session (malloc's in-use bytes, `mallinfo2`): connected (ICE,
/// DTLS, SRTP, feedback state), then after forwarding enough video and audio to fill the send
/// histories (512 packets each; their payloads are shared with the source and not counted): video
/// always has one, audio only with `audioNACK` (browsers offer no NACK for Opus, so the gateway
/// keeps no audio history for them).
/// Each browser stand-in is dropped once its pair is connected, so only what the gateway session
/// keeps is counted.
/// `packetInterval` paces the forwarded packets (each video and audio packet this far apart);
/// nil sends them all at one instant, so the histories grow to their 512-packet cap.
struct SessionMemoryBenchmark {
    let sessions: Int
    var audioNACK = true
    var packetInterval: Duration?

    struct Result {
        var connectedBytes: Double
        var withHistoryBytes: Double
    }

    static func heapInUse() -> Int { Int(rtc_heap_in_use()) }

    func run() throws -> Result {
        let certificate = try DTLSCertificate.generate()
        let start = Instant(nanoseconds: 1_000_000_000)
        guard let gatewayAddress = TransportAddress(host: "127.0.0.1", port: 8189) else { throw BenchmarkError("address") }
        // Payloads shared by every viewer, as a path's units are.
        let video = TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90000, payloadType: 96)
        let audio = TrackInfo(id: 1, kind: .audio, encodingName: "opus", clockRate: 48000, channels: 2, payloadType: 111)
        var units: [ReaderEvent] = [.tracks([video, audio], sourceEpoch: 0)]
        for n in 0..<600 {
            let videoPacket = RTPPacket(payloadType: 96, sequenceNumber: UInt16(n), timestamp: UInt32(n * 3000), ssrc: 1,
                                        marker: true, payload: [UInt8](repeating: 0x41, count: 1188))
            let audioPacket = RTPPacket(payloadType: 111, sequenceNumber: UInt16(n), timestamp: UInt32(n * 960), ssrc: 2,
                                        marker: true, payload: [UInt8](repeating: 0xF8, count: 160))
            units.append(.unit(MediaUnit(trackID: 0, packets: [videoPacket], rtpTimestamp: UInt32(n * 3000),
                                         isKeyframe: n == 0, arrival: start, sourceEpoch: 0)))
            units.append(.unit(MediaUnit(trackID: 1, packets: [audioPacket], rtpTimestamp: UInt32(n * 960),
                                         isKeyframe: false, arrival: start, sourceEpoch: 0)))
        }
        var gatewaySessions: [WebRTCSession] = []
        var connectedBytes = 0
        var historyBytes = 0
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { scratch.deallocate() }
        var forwarders: [ViewerForwarder] = []
        for i in 0..<sessions {
            guard let browserAddress = TransportAddress(host: "127.0.0.1", port: UInt16(20000 + i % 40000)) else {
                throw BenchmarkError("address")
            }
            let before = Self.heapInUse()
            let session: WebRTCSession
            do {
                var driver = try PeerPairDriver.make(gatewayCertificate: certificate, dtls: DTLSConfiguration(),
                                                     gatewayAddress: gatewayAddress, browserAddress: browserAddress, start: start)
                guard driver.run(maxSteps: 200, until: { $0.gateway.isConnected && $0.browser.isConnected }) else {
                    throw BenchmarkError("session \(i) did not connect")
                }
                session = driver.gateway
            }
            let connected = Self.heapInUse()
            var forwarder = ViewerForwarder(outputs: [.video: .init(payloadType: 102, ssrc: UInt32(0x1000 + i)),
                                                      .audio: .init(payloadType: 111, ssrc: UInt32(0x8000 + i), nack: audioNACK)])
            for (index, event) in units.enumerated() {
                let now = packetInterval.map { start + $0 * index } ?? start
                forwarder.handle(event, session: session, now: now) { packet in
                    _ = session.protectRTP(packet, into: scratch, now: now)
                }
            }
            let filled = Self.heapInUse()
            connectedBytes += connected - before
            historyBytes += filled - connected
            gatewaySessions.append(session)
            forwarders.append(forwarder)
        }
        withExtendedLifetime((gatewaySessions, forwarders)) {}
        return Result(connectedBytes: Double(connectedBytes) / Double(sessions),
                      withHistoryBytes: Double(connectedBytes + historyBytes) / Double(sessions))
    }
}
