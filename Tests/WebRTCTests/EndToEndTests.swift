import Codecs
import Egress
import Ingest
import RTCBase
import RTP
import Routing
import Synchronization
import Testing
import WebRTC
import WebRTCTestSupport

/// In-process end to end: RTP in → unit assembly → routing (GOP cache) → viewer forwarding →
/// SRTP → the browser stand-in decrypts and depacketizes exactly the frames that went in.
@Suite struct EndToEndTests {
    /// A synthetic H.264 stream: IDR frames (SPS, PPS, two IDR slices) and P frames of two slices.
    static func frame(_ n: Int, keyframe: Bool) -> AccessUnit {
        func nal(_ header: UInt8, _ size: Int) -> [UInt8] {
            [header] + (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ n) }
        }
        let payloads = keyframe
            ? [[0x67, 0x42, 0xC0, 0x1E, 0x8C, 0x8D], [0x68, 0xCE, 0x3C, 0x80], nal(0x65, 4000), nal(0x65, 2500)]
            : [nal(0x41, 900), nal(0x41, 1500)]
        return AccessUnit(payloads: payloads, rtpTimestamp: UInt32(n * 3000), isKeyframe: keyframe)
    }

    @Test func framesArriveIntactAndNewViewersStartOnAKeyframe() throws {
        let router = Router(limits: RoutingLimits(), clock: { Instant(nanoseconds: 1) })
        let path = try router.createPath(named: "cam")
        let publisher = try FramePublisher(path: path, firstSequenceNumber: 65000)   // crosses the wrap
        var sentFrames: [AccessUnit] = []
        func publish(_ frame: AccessUnit) {
            publisher.publish(frame)
            sentFrames.append(frame)
        }
        // Frames 0..5 before the viewer arrives: P, P, IDR, P, P, P — the viewer must start at the IDR.
        for n in 0..<6 { publish(Self.frame(n, keyframe: n == 2)) }

        var pair = try WebRTCSessionTests.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        let reader = try path.addReader(wake: {})
        var forwarder = ViewerForwarder(outputs: [.video: .init(payloadType: 102, ssrc: 0xBEEF)])
        func pump() {
            for event in reader.drain(max: 1000) {
                forwarder.handle(event, session: pair.gateway, now: pair.now) { out in
                    if let datagram = pair.gateway.protectRTP(out, now: pair.now)?.datagram { pair.browser.handle(datagram: datagram, now: pair.now) }
                }
            }
        }
        pump()
        for n in 6..<10 { publish(Self.frame(n, keyframe: false)) }
        pump()

        var depacketizer = H264Depacketizer()
        var received: [AccessUnit] = []
        for packet in pair.browser.receivedRTP {
            #expect(packet.ssrc == 0xBEEF && packet.payloadType == 102)
            received += depacketizer.push(payload: packet.payload, sequenceNumber: packet.sequenceNumber,
                                          rtpTimestamp: packet.timestamp, marker: packet.marker)
        }
        received += depacketizer.flush()
        // Sequence numbers are contiguous in the viewer's own space.
        let seqs = pair.browser.receivedRTP.map(\.sequenceNumber)
        #expect(zip(seqs, seqs.dropFirst()).allSatisfy { $1 == $0 &+ 1 })
        // The viewer got frames 2...9: keyframe first, every NAL unit byte-exact.
        #expect(received.count == 8)
        #expect(received.first?.isKeyframe == true)
        for (got, want) in zip(received, sentFrames[2...]) {
            #expect(got.payloads == want.payloads)
        }
        // Timestamps keep their spacing (3000 ticks per frame) after rewriting.
        let ts = received.map(\.rtpTimestamp)
        #expect(zip(ts, ts.dropFirst()).allSatisfy { $1 &- $0 == 3000 })
    }
}

extension EndToEndTests {
    /// A viewer's PLI is answered from the GOP cache: the keyframe and the frames after it arrive
    /// again at once, with contiguous sequence numbers and timestamps after the last one sent.
    @Test func keyframeRequestIsAnsweredFromTheGOPCache() throws {
        let router = Router(limits: RoutingLimits(), clock: { Instant(nanoseconds: 1) })
        let path = try router.createPath(named: "cam")
        let upstreamRequests = Mutex(0)
        let publisher = try FramePublisher(path: path, firstSequenceNumber: 1) { upstreamRequests.withLock { $0 += 1 } }
        let publish = publisher.publish
        var pair = try WebRTCSessionTests.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        let reader = try path.addReader(wake: {})
        var forwarder = ViewerForwarder(outputs: [.video: .init(payloadType: 102, ssrc: 0xBEEF)])
        func pump() {
            for event in reader.drain(max: 1000) {
                forwarder.handle(event, session: pair.gateway, now: pair.now) { out in
                    if let datagram = pair.gateway.protectRTP(out, now: pair.now)?.datagram { pair.browser.handle(datagram: datagram, now: pair.now) }
                }
            }
        }
        for n in 0..<5 { publish(Self.frame(n, keyframe: n == 0)) }
        pump()
        let live = pair.browser.receivedRTP
        let lastLive = try #require(live.last)

        // The browser loses its decoder state and asks for a keyframe.
        pair.browser.clearReceived()
        pair.browser.sendRTCP([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 0xBEEF))])
        pair.exchange()
        #expect(pair.gatewayEvents.contains(.keyframeRequested(ssrc: 0xBEEF)))
        path.requestKeyframe()
        #expect(forwarder.replay(path.cachedGOP(), session: pair.gateway, now: pair.now) { out in
            if let datagram = pair.gateway.protectRTP(out, now: pair.now)?.datagram { pair.browser.handle(datagram: datagram, now: pair.now) }
        })
        #expect(upstreamRequests.withLock { $0 } == 1)
        let replayed = pair.browser.receivedRTP
        #expect(replayed.first?.sequenceNumber == lastLive.sequenceNumber &+ 1)
        let seqs = replayed.map(\.sequenceNumber)
        #expect(zip(seqs, seqs.dropFirst()).allSatisfy { $1 == $0 &+ 1 })
        #expect(replayed.allSatisfy { $0.timestamp &- lastLive.timestamp >= 1 && $0.timestamp &- lastLive.timestamp <= 5 })
        var depacketizer = H264Depacketizer()
        var frames: [AccessUnit] = []
        for packet in replayed {
            frames += depacketizer.push(payload: packet.payload, sequenceNumber: packet.sequenceNumber,
                                        rtpTimestamp: packet.timestamp, marker: packet.marker)
        }
        frames += depacketizer.flush()
        #expect(frames.count == 5 && frames.first?.isKeyframe == true)
        #expect(frames.first?.payloads == Self.frame(0, keyframe: true).payloads)
        // A second request inside 500 ms is not replayed again.
        #expect(!forwarder.replay(path.cachedGOP(), session: pair.gateway, now: pair.now) { _ in })

        // The replay budget: a GOP one byte larger than what is left is not replayed (and
        // counted); once the budget covers it, it is.
        let gopBytes = path.cachedGOP().reduce(0) { $0 + $1.byteCount }
        forwarder.replayBudget = TokenBucket(capacity: gopBytes - 1, ratePerSecond: 1)
        let later = pair.now + .seconds(1)
        #expect(!forwarder.replay(path.cachedGOP(), session: pair.gateway, now: later) { _ in })
        #expect(forwarder.replaysRefused == 1)
        forwarder.replayBudget = TokenBucket(capacity: gopBytes, ratePerSecond: 1)
        #expect(forwarder.replay(path.cachedGOP(), session: pair.gateway, now: later) { _ in })
        #expect(!forwarder.replay(path.cachedGOP(), session: pair.gateway, now: later + .seconds(2)) { _ in })
        #expect(forwarder.replaysRefused == 2)
    }
}

/// Publishes synthetic H.264 frames into a path the way an RTP source does: packetize, then
/// group packets into units with the runtime's `RTPUnitAssembler`.
final class FramePublisher {
    let path: Path
    let token: PublisherToken
    var assembler = RTPUnitAssembler(trackID: 0, isVideo: true, codec: CodecRegistry.descriptor(forEncodingName: "H264"))
    var packetizer = H264Packetizer()
    var sequence: UInt16

    init(path: Path, firstSequenceNumber: UInt16, requestKeyframe: @escaping @Sendable () -> Void = {}) throws {
        let track = TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90000, channels: nil,
                              fmtp: ["packetization-mode": "1"], payloadType: 96)
        self.path = path
        self.token = try path.attachPublisher(tracks: [track], requestKeyframe: requestKeyframe)
        self.sequence = firstSequenceNumber
    }

    func publish(_ frame: AccessUnit) {
        for (payload, marker) in packetizer.packetize(frame, maxPayloadSize: 1188) {
            let packet = RTPPacket(payloadType: 96, sequenceNumber: sequence, timestamp: frame.rtpTimestamp,
                                   ssrc: 0x1111_1111, marker: marker, payload: payload)
            sequence &+= 1
            for unit in assembler.push(packet, arrival: Instant(nanoseconds: 1)) { path.publish(unit, token: token) }
        }
    }
}

extension EndToEndTests {
    /// A source whose SPS/PPS live only in the SDP (`sprop-parameter-sets`, e.g. an RTSP camera or
    /// ffmpeg with a global header): the viewer gets them in-band, as a STAP-A right before each
    /// keyframe, in its own continuous sequence space; the path's units are not modified.
    @Test func spropParameterSetsGoInBandToViewers() throws {
        let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1E, 0x8C, 0x8D]
        let pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]
        let sprop = H264.spropParameterSets([sps, pps])
        let track = TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90000, channels: nil,
                              fmtp: ["packetization-mode": "1", "sprop-parameter-sets": sprop], payloadType: 96)
        var pair = try WebRTCSessionTests.makePair()
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        var forwarder = ViewerForwarder(outputs: [.video: .init(payloadType: 102, ssrc: 0xBEEF)])
        func deliver(_ event: ReaderEvent) {
            forwarder.handle(event, session: pair.gateway, now: pair.now) { out in
                if let datagram = pair.gateway.protectRTP(out, now: pair.now)?.datagram { pair.browser.handle(datagram: datagram, now: pair.now) }
            }
        }
        deliver(.tracks([track], sourceEpoch: 1))
        var packetizer = H264Packetizer()
        var seq: UInt16 = 10
        for n in 0..<3 {
            let frame = AccessUnit(payloads: [[n == 0 ? 0x65 : 0x41] + [UInt8](repeating: UInt8(n), count: 2000)],
                                   rtpTimestamp: UInt32(n * 3000), isKeyframe: n == 0)
            let packets = packetizer.packetize(frame, maxPayloadSize: 1188).map { payload, marker in
                defer { seq &+= 1 }
                return RTPPacket(payloadType: 96, sequenceNumber: seq, timestamp: frame.rtpTimestamp, ssrc: 7,
                                 marker: marker, payload: payload)
            }
            deliver(.unit(MediaUnit(trackID: 0, packets: packets, rtpTimestamp: frame.rtpTimestamp, isKeyframe: n == 0,
                                    arrival: pair.now, sourceEpoch: 1, codec: track.codec)))
        }
        let received = pair.browser.receivedRTP
        #expect(H264.nalType(received.first?.payload.first ?? 0) == H264.NALType.stapA)
        #expect(H264.parameterSets(inPayload: received[0].payload).map(Array.init) == [sps, pps])
        let seqs = received.map(\.sequenceNumber)
        #expect(zip(seqs, seqs.dropFirst()).allSatisfy { $1 == $0 &+ 1 })
        var depacketizer = H264Depacketizer()
        var frames: [AccessUnit] = []
        for packet in received {
            frames += depacketizer.push(payload: packet.payload, sequenceNumber: packet.sequenceNumber,
                                        rtpTimestamp: packet.timestamp, marker: packet.marker)
        }
        frames += depacketizer.flush()
        #expect(frames.count == 3 && frames[0].isKeyframe && frames[0].payloads.prefix(2) == [sps, pps])
        // Only the keyframe gets them: delta frames go out as they came.
        #expect(received.filter { H264.nalType($0.payload.first ?? 0) == H264.NALType.stapA }.count == 1)
    }
}
