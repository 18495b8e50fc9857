@testable import Egress
import Foundation
import RTCBase
import RTP
import Routing
import Testing

/// The sans-IO egress on virtual time: rewritten RTP, keyframe start, sender reports, receiver
/// feedback, BYE, and the exact receiver SDP.
@Suite struct RTPForwarderSessionTests {
    static let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1E, 0x8C, 0x8D, 0x40, 0x50]
    static let pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]
    static let videoSSRC: UInt32 = 0x1111_1111
    static let audioSSRC: UInt32 = 0x2222_2222
    static let start = Instant(nanoseconds: 1_000_000_000)
    static let tracks = [
        TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90000,
                  fmtp: ["packetization-mode": "1", "profile-level-id": "42e01f"], payloadType: 102),
        TrackInfo(id: 1, kind: .audio, encodingName: "opus", clockRate: 48000, channels: 2,
                  fmtp: ["useinbandfec": "1", "minptime": "10"], payloadType: 111),
    ]

    static func session(_ url: String = "rtp://127.0.0.1:5004", path: String = "live") throws -> RTPForwarderSession {
        let configuration = RTPForwarderSession.Configuration(
            pathName: path, spec: try ForwardSpec(parsing: url),
            wallClockAnchor: (start, 1_700_000_000), cname: "test-cname", sdpSessionID: 1234,
            videoSSRC: videoSSRC, audioSSRC: audioSSRC)
        return RTPForwarderSession(configuration: configuration)
    }

    /// A unit of `payloads` (one packet each, the last with the marker) from source SSRC 0xAAAA,
    /// built as ingest builds it: the track's codec tells whether a keyframe lacks its SPS/PPS.
    static func unit(track: Int, timestamp: UInt32, firstSequence: UInt16, keyframe: Bool,
                     payloads: [[UInt8]], epoch: Int = 1, at arrival: Instant = start) -> MediaUnit {
        let packets = payloads.enumerated().map { index, payload in
            RTPPacket(payloadType: track == 0 ? 102 : 111, sequenceNumber: firstSequence &+ UInt16(index),
                      timestamp: timestamp, ssrc: 0xAAAA, marker: index == payloads.count - 1, payload: payload,
                      headerExtension: RTPHeaderExtension(profile: 0xBEDE, data: [0x10, 0xFF, 0, 0]))
        }
        return MediaUnit(trackID: track, packets: packets, rtpTimestamp: timestamp, isKeyframe: keyframe,
                         arrival: arrival, sourceEpoch: epoch, codec: tracks.first { $0.id == track }?.codec)
    }

    /// Everything `poll()` gives until `.timeout`, and that timeout.
    static func drain(_ session: inout RTPForwarderSession) -> (outputs: [RTPForwarderSession.Output], timeout: Instant) {
        var outputs: [RTPForwarderSession.Output] = []
        while true {
            let output = session.poll()
            if case .timeout(let deadline) = output { return (outputs, deadline) }
            outputs.append(output)
        }
    }

    static func datagrams(_ outputs: [RTPForwarderSession.Output], rtcp: Bool) -> [RTPForwarderSession.Datagram] {
        outputs.compactMap { if case .transmit(let d) = $0, d.isRTCP == rtcp { return d } else { return nil } }
    }

    static func events(_ outputs: [RTPForwarderSession.Output]) -> [RTPForwarderSession.Event] {
        outputs.compactMap { if case .event(let e) = $0 { return e } else { return nil } }
    }

    @Test func receiverSDPIsExactAndLearnsParameterSetsFromTheKeyframe() throws {
        var session = try Self.session()
        #expect(session.receiverDescription == nil)
        session.handle(.reader(.tracks(Self.tracks, sourceEpoch: 1)), now: Self.start)
        let first = Self.events(Self.drain(&session).outputs)
        #expect(first == [.descriptionChanged("""
            v=0\r
            o=- 1234 1 IN IP4 127.0.0.1\r
            s=rtcbridge live\r
            c=IN IP4 127.0.0.1\r
            t=0 0\r
            m=video 5004 RTP/AVP 96\r
            a=rtpmap:96 H264/90000\r
            a=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r
            a=sendonly\r
            m=audio 5006 RTP/AVP 97\r
            a=rtpmap:97 opus/48000/2\r
            a=fmtp:97 minptime=10;useinbandfec=1\r
            a=sendonly\r

            """)])

        // STAP-A with SPS and PPS in front of the IDR (RFC 6184 §5.7.1).
        let stapA: [UInt8] = [0x18, 0x00, UInt8(Self.sps.count)] + Self.sps + [0x00, UInt8(Self.pps.count)] + Self.pps
        session.handle(.reader(.unit(Self.unit(track: 0, timestamp: 0, firstSequence: 1, keyframe: true,
                                               payloads: [stapA, [0x65, 1, 2, 3]]))), now: Self.start)
        let second = Self.events(Self.drain(&session).outputs)
        #expect(second == [.descriptionChanged("""
            v=0\r
            o=- 1234 2 IN IP4 127.0.0.1\r
            s=rtcbridge live\r
            c=IN IP4 127.0.0.1\r
            t=0 0\r
            m=video 5004 RTP/AVP 96\r
            a=rtpmap:96 H264/90000\r
            a=fmtp:96 packetization-mode=1;profile-level-id=42c01e;sprop-parameter-sets=Z0LAHoyNQFA=,aM48gA==\r
            a=sendonly\r
            m=audio 5006 RTP/AVP 97\r
            a=rtpmap:97 opus/48000/2\r
            a=fmtp:97 minptime=10;useinbandfec=1\r
            a=sendonly\r

            """)])
        // The same parameter sets again change nothing.
        session.handle(.reader(.unit(Self.unit(track: 0, timestamp: 3000, firstSequence: 3, keyframe: true,
                                               payloads: [stapA, [0x65, 1]]))), now: Self.start)
        #expect(Self.events(Self.drain(&session).outputs).isEmpty)
    }

    /// The session trusts the unit's `lacksParameterSets` (found once when it was built): a unit
    /// flagged as lacking them is not scanned, so nothing is learnt even from an SPS in it.
    @Test func aUnitBuiltAsLackingParameterSetsIsNotScanned() throws {
        var session = try Self.session()
        session.handle(.reader(.tracks(Self.tracks, sourceEpoch: 1)), now: Self.start)
        _ = Self.drain(&session)
        let stapA: [UInt8] = [0x18, 0x00, UInt8(Self.sps.count)] + Self.sps + [0x00, UInt8(Self.pps.count)] + Self.pps
        var flagged = Self.unit(track: 0, timestamp: 0, firstSequence: 1, keyframe: true, payloads: [stapA, [0x65, 1]])
        #expect(!flagged.lacksParameterSets)
        flagged.lacksParameterSets = true
        session.handle(.reader(.unit(flagged)), now: Self.start)
        #expect(Self.events(Self.drain(&session).outputs).isEmpty)
        #expect(session.receiverDescription?.contains("sprop-parameter-sets") == false)
    }

    @Test func multicastAndIPv6ConnectionLines() throws {
        var group = try Self.session("rtp://239.1.2.3:6000?ttl=4&pt=100", path: "cams/front")
        group.handle(.reader(.tracks([Self.tracks[1]], sourceEpoch: 1)), now: Self.start)
        #expect(group.receiverDescription == """
            v=0\r
            o=- 1234 1 IN IP4 127.0.0.1\r
            s=rtcbridge cams/front\r
            c=IN IP4 239.1.2.3/4\r
            t=0 0\r
            m=audio 6002 RTP/AVP 100\r
            a=rtpmap:100 opus/48000/2\r
            a=fmtp:100 minptime=10;useinbandfec=1\r
            a=sendonly\r

            """)
        var v6 = try Self.session("rtp://[ff0e::1]:6000?ttl=4&video=7000")
        v6.handle(.reader(.tracks([Self.tracks[0]], sourceEpoch: 1)), now: Self.start)
        #expect(v6.receiverDescription == """
            v=0\r
            o=- 1234 1 IN IP6 ::1\r
            s=rtcbridge live\r
            c=IN IP6 ff0e::1\r
            t=0 0\r
            m=video 7000 RTP/AVP 96\r
            a=rtpmap:96 H264/90000\r
            a=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r
            a=sendonly\r

            """)
    }

    @Test func videoStartsOnKeyframeWithContinuousSequenceAndOwnHeader() throws {
        var session = try Self.session()
        session.handle(.reader(.tracks(Self.tracks, sourceEpoch: 1)), now: Self.start)
        _ = Self.drain(&session)
        // A P frame before any keyframe is skipped; audio flows at once.
        session.handle(.reader(.unit(Self.unit(track: 0, timestamp: 100, firstSequence: 10, keyframe: false,
                                               payloads: [[0x41, 9]]))), now: Self.start)
        session.handle(.reader(.unit(Self.unit(track: 1, timestamp: 960, firstSequence: 50, keyframe: false,
                                               payloads: [[0xFC, 1, 2]]))), now: Self.start)
        session.handle(.reader(.unit(Self.unit(track: 0, timestamp: 3100, firstSequence: 11, keyframe: true,
                                               payloads: [[0x7C, 0x85, 1], [0x7C, 0x45, 2]]))), now: Self.start)
        session.handle(.reader(.unit(Self.unit(track: 0, timestamp: 6100, firstSequence: 13, keyframe: false,
                                               payloads: [[0x41, 3]]))), now: Self.start)
        let sent = Self.datagrams(Self.drain(&session).outputs, rtcp: false)
        #expect(sent.map(\.kind) == [.audio, .video, .video, .video])
        #expect(session.stats.unitsSkipped == 1)
        #expect(session.stats.unitsForwarded == 3)
        #expect(session.stats.packetsSent == 4)
        let video = try sent.filter { $0.kind == .video }.map { try RTPPacket(parsing: $0.bytes) }
        #expect(video.map(\.ssrc) == [Self.videoSSRC, Self.videoSSRC, Self.videoSSRC])
        #expect(video.map(\.payloadType) == [96, 96, 96])
        #expect(video.map(\.marker) == [false, true, true])
        #expect(video.map(\.headerExtension) == [nil, nil, nil])   // the source's extensions stay behind
        #expect(video[1].sequenceNumber == video[0].sequenceNumber &+ 1)
        #expect(video[2].sequenceNumber == video[1].sequenceNumber &+ 1)
        #expect(video[1].timestamp == video[0].timestamp)
        #expect(video[2].timestamp == video[0].timestamp &+ 3000)
        #expect(Array(video[0].payload) == [0x7C, 0x85, 1])
        let audio = try RTPPacket(parsing: try #require(sent.first).bytes)
        #expect(audio.ssrc == Self.audioSSRC && audio.payloadType == 97 && Array(audio.payload) == [0xFC, 1, 2])

        // The source restarts (new epoch, new numbering): sequence numbers continue, video waits.
        session.handle(.reader(.sourceEnded), now: Self.start)
        session.handle(.reader(.tracks(Self.tracks, sourceEpoch: 2)), now: Self.start)
        session.handle(.reader(.unit(Self.unit(track: 0, timestamp: 7, firstSequence: 900, keyframe: false,
                                               payloads: [[0x41, 4]], epoch: 2))), now: Self.start)
        session.handle(.reader(.unit(Self.unit(track: 0, timestamp: 9, firstSequence: 901, keyframe: true,
                                               payloads: [[0x65, 5]], epoch: 2, at: Self.start + .seconds(2)))),
                       now: Self.start + .seconds(2))
        let restarted = try Self.datagrams(Self.drain(&session).outputs, rtcp: false).map { try RTPPacket(parsing: $0.bytes) }
        #expect(restarted.count == 1)
        #expect(restarted.first?.ssrc == Self.videoSSRC)
        #expect(restarted.first?.sequenceNumber == video[2].sequenceNumber &+ 1)
        #expect(restarted.first?.timestamp == video[2].timestamp &+ 180_000)   // 2 s of wall-clock gap at 90 kHz
    }

    @Test func senderReportsEverySecondWithCNAME() throws {
        var session = try Self.session()
        session.handle(.reader(.tracks(Self.tracks, sourceEpoch: 1)), now: Self.start)
        #expect(Self.drain(&session).timeout == .distantFuture)   // nothing sent, nothing to report
        session.handle(.reader(.unit(Self.unit(track: 0, timestamp: 0, firstSequence: 1, keyframe: true,
                                               payloads: [[0x65, 1, 2, 3, 4]]))), now: Self.start)
        let (outputs, due) = Self.drain(&session)
        let rtp = try RTPPacket(parsing: try #require(Self.datagrams(outputs, rtcp: false).first).bytes)
        #expect(due == Self.start)   // the first report goes out at once
        let later = Self.start + .milliseconds(500)
        session.handle(.timeout, now: later)
        let (reportOutputs, next) = Self.drain(&session)
        #expect(next == Self.start + .seconds(1))
        let reports = Self.datagrams(reportOutputs, rtcp: true)
        #expect(reports.map(\.kind) == [.video])
        let packets = try RTCPCompound.parse(try #require(reports.first).bytes)
        #expect(packets == [
            .senderReport(RTCPSenderReport(ssrc: Self.videoSSRC,
                                           ntpTimestamp: NTPTimestamp(unixSeconds: 1_700_000_000.5).rawValue,
                                           rtpTimestamp: rtp.timestamp &+ 45000, packetCount: 1, octetCount: 5,
                                           reports: [])),
            .sourceDescription(RTCPSourceDescription(cname: "test-cname", ssrc: Self.videoSSRC)),
        ])
        #expect(session.stats.senderReportsSent == 1)
        session.handle(.timeout, now: Self.start + .milliseconds(999))   // early: nothing
        #expect(Self.datagrams(Self.drain(&session).outputs, rtcp: true).isEmpty)
    }

    @Test func receiverFeedbackCountsReportsAndRequestsKeyframes() throws {
        var session = try Self.session()
        session.handle(.reader(.tracks(Self.tracks, sourceEpoch: 1)), now: Self.start)
        _ = Self.drain(&session)
        let report = RTCPReceptionReport(ssrc: Self.videoSSRC, fractionLost: 12, cumulativeLost: 3,
                                         extendedHighestSequence: 77, jitter: 9)
        let rr = RTCPPacket.receiverReport(RTCPReceiverReport(ssrc: 0x5151, reports: [report]))
        let pli = RTCPPacket.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 0x5151, mediaSSRC: Self.videoSSRC))
        session.handle(.datagram(RTCPCompound.serialize([rr, pli]), kind: .video), now: Self.start)
        #expect(Self.events(Self.drain(&session).outputs) == [.keyframeRequested])
        #expect(session.lastReceptionReport(for: .video) == report)
        #expect(session.stats.receiverReportsReceived == 1)
        #expect(session.stats.keyframeRequestsReceived == 1)

        // FIR (RFC 5104 §4.3.1) for our SSRC, on the audio socket: still a video keyframe request.
        let fir = RTCPPacket.fullIntraRequest(RTCPFullIntraRequest(senderSSRC: 0x5151,
                                                                   entries: [.init(ssrc: Self.videoSSRC, sequenceNumber: 1)]))
        session.handle(.datagram(RTCPCompound.serialize([fir]), kind: .audio), now: Self.start)
        #expect(Self.events(Self.drain(&session).outputs) == [.keyframeRequested])

        // PLI for someone else's SSRC, RTP on the RTCP socket, and garbage: nothing but counters.
        let otherPLI = RTCPPacket.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 0xDEAD))
        session.handle(.datagram(RTCPCompound.serialize([otherPLI]), kind: .video), now: Self.start)
        session.handle(.datagram(RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 1, ssrc: 1, marker: false,
                                           payload: [1]).bytes, kind: .video), now: Self.start)
        session.handle(.datagram([0x81, 0xC9, 0x00, 0x09], kind: .video), now: Self.start)   // length past the end
        #expect(Self.events(Self.drain(&session).outputs).isEmpty)
        #expect(session.stats.keyframeRequestsReceived == 2)
        #expect(session.stats.malformedRTCP == 2)
    }

    @Test func sendFailureRestartsVideoOnAKeyframe() throws {
        var session = try Self.session()
        session.handle(.reader(.tracks(Self.tracks, sourceEpoch: 1)), now: Self.start)
        session.handle(.reader(.unit(Self.unit(track: 0, timestamp: 0, firstSequence: 1, keyframe: true,
                                               payloads: [[0x65]]))), now: Self.start)
        _ = Self.drain(&session)
        session.handle(.sendFailed(.video), now: Self.start)
        session.handle(.sendFailed(.video), now: Self.start)
        #expect(Self.events(Self.drain(&session).outputs) == [.keyframeRequested])   // once per wait
        session.handle(.reader(.unit(Self.unit(track: 0, timestamp: 3000, firstSequence: 2, keyframe: false,
                                               payloads: [[0x41]]))), now: Self.start)
        #expect(Self.datagrams(Self.drain(&session).outputs, rtcp: false).isEmpty)
        #expect(session.stats.packetsDropped == 2)
    }

    @Test func pathClosedSendsByeAndEnds() throws {
        var session = try Self.session()
        session.handle(.reader(.tracks(Self.tracks, sourceEpoch: 1)), now: Self.start)
        session.handle(.reader(.unit(Self.unit(track: 1, timestamp: 0, firstSequence: 1, keyframe: false,
                                               payloads: [[0xFC]]))), now: Self.start)
        _ = Self.drain(&session)
        session.handle(.reader(.pathClosed), now: Self.start)
        let (outputs, timeout) = Self.drain(&session)
        #expect(timeout == .distantFuture)
        #expect(Self.events(outputs) == [.closed])
        let bye = try #require(Self.datagrams(outputs, rtcp: true).first)
        #expect(bye.kind == .audio)
        let packets = try RTCPCompound.parse(bye.bytes)
        #expect(packets.last == .bye(RTCPBye(ssrcs: [Self.audioSSRC], reason: "stream ended")))
        #expect(session.isClosed)
    }
}
