@testable import Egress
import RTCBase
import RTP
import Routing
import Testing

/// `RTSPServerPlayback` (sans-IO): interleaved framing (RFC 2326 §10.12), continuous numbering
/// from the RTP-Info values, keyframe waits, drops, RTCP sender reports and PLI handling.
@Suite struct RTSPServerPlaybackTests {
    static let start = Instant(nanoseconds: 5_000_000_000)
    static let video = TrackInfo(id: 7, kind: .video, encodingName: "H264", clockRate: 90000, payloadType: 96)
    static let audio = TrackInfo(id: 8, kind: .audio, encodingName: "opus", clockRate: 48000, channels: 2, payloadType: 111)

    static func makePlayback(interleaved: Bool = true) -> RTSPServerPlayback {
        var playback = RTSPServerPlayback(tracks: [
            .init(mediaIndex: 0, kind: .video, encodingName: "H264", clockRate: 90000, payloadType: 96,
                  channels: interleaved ? (0, 1) : nil),
            .init(mediaIndex: 1, kind: .audio, encodingName: "opus", clockRate: 48000, payloadType: 111,
                  channels: interleaved ? (2, 3) : nil),
        ], cname: "test", wallClockAnchor: (start, 1_700_000_000))
        playback.handle(.tracks([video, audio], sourceEpoch: 1), now: start)
        return playback
    }

    /// A unit whose packets are numbered from `sequence` (a track's units continue its numbering:
    /// the playback puts packets in sequence order before they go out).
    static func unit(track: Int, timestamp: UInt32, keyframe: Bool, payloads: [[UInt8]], sequence: UInt16 = 0) -> ReaderEvent {
        let packets = payloads.enumerated().map { index, payload in
            RTPPacket(payloadType: track == 7 ? 100 : 101, sequenceNumber: sequence &+ UInt16(index), timestamp: timestamp,
                      ssrc: 0xABCD, marker: index == payloads.count - 1, payload: payload)
        }
        return .unit(MediaUnit(trackID: track, packets: packets, rtpTimestamp: timestamp, isKeyframe: keyframe,
                               arrival: start, sourceEpoch: 1))
    }

    static func drain(_ playback: inout RTSPServerPlayback) -> (outputs: [RTSPServerPlayback.Output], timeout: Instant) {
        var outputs: [RTSPServerPlayback.Output] = []
        while true {
            let output = playback.poll()
            if case .timeout(let at) = output { return (outputs, at) }
            outputs.append(output)
        }
    }

    @Test func framesPacketsOnTheInterleavedChannelWithRTPInfoNumbering() throws {
        var playback = Self.makePlayback()
        let info = playback.rtpInfo
        #expect(info.map(\.mediaIndex) == [0, 1])
        let ssrc = try #require(playback.ssrc(ofMediaIndex: 0))
        playback.handle(Self.unit(track: 7, timestamp: 1000, keyframe: true, payloads: [[0x65, 0xAA], [0x65, 0xBB, 0xCC]]),
                        now: Self.start)
        let (outputs, timeout) = Self.drain(&playback)
        #expect(timeout == Self.start)   // first SR right away
        guard case .interleaved(let bytes)? = outputs.first, outputs.count == 1 else {
            Issue.record("expected one coalesced interleaved batch, got \(outputs)")
            return
        }
        var expected: [UInt8] = [0x24, 0, 0, 14]
        RTPPacket.appendHeader(to: &expected, payloadType: 96, marker: false, sequenceNumber: info[0].sequenceNumber,
                               timestamp: info[0].rtpTimestamp, ssrc: ssrc)
        expected += [0x65, 0xAA, 0x24, 0, 0, 15]
        RTPPacket.appendHeader(to: &expected, payloadType: 96, marker: true, sequenceNumber: info[0].sequenceNumber &+ 1,
                               timestamp: info[0].rtpTimestamp, ssrc: ssrc)
        expected += [0x65, 0xBB, 0xCC]
        #expect(bytes == expected)
    }

    @Test func videoWaitsForAKeyframeAndUDPGivesOneDatagramPerPacket() {
        var playback = Self.makePlayback(interleaved: false)
        playback.handle(Self.unit(track: 7, timestamp: 1, keyframe: false, payloads: [[0x41]]), now: Self.start)
        #expect(Self.drain(&playback).outputs.isEmpty)
        playback.handle(Self.unit(track: 8, timestamp: 960, keyframe: true, payloads: [[0xF8]]), now: Self.start)
        playback.handle(Self.unit(track: 7, timestamp: 3000, keyframe: true, payloads: [[0x65], [0x65]], sequence: 1),
                        now: Self.start)
        let outputs = Self.drain(&playback).outputs
        let datagrams = outputs.compactMap { output -> (Int, Bool, Int)? in
            if case .datagram(let bytes, let index, let isRTCP) = output { return (index, isRTCP, bytes.count) }
            return nil
        }
        #expect(datagrams.map(\.0) == [1, 0, 0])
        #expect(datagrams.allSatisfy { !$0.1 && $0.2 == 13 })
        #expect(playback.stats.unitsSkipped == 1)
    }

    @Test func aLateRetransmissionGoesOutInItsPlaceAndAGapIsGivenUpAfterTheBound() throws {
        var playback = Self.makePlayback(interleaved: false)
        func packet(_ sequence: UInt16, timestamp: UInt32, marker: Bool) -> RTPPacket {
            RTPPacket(payloadType: 100, sequenceNumber: sequence, timestamp: timestamp, ssrc: 0xABCD, marker: marker, payload: [0x65])
        }
        func sent() -> [UInt16] {
            Self.drain(&playback).outputs.compactMap { output -> UInt16? in
                guard case .datagram(let bytes, 0, false) = output, let rtp = try? RTPPacket(parsing: bytes) else { return nil }
                return rtp.sequenceNumber
            }
        }
        // Packet 1 of the keyframe was lost; it comes back (a retransmission) as a unit of its own.
        playback.handle(.unit(MediaUnit(trackID: 7, packets: [packet(0, timestamp: 0, marker: false), packet(2, timestamp: 0, marker: true)],
                                        rtpTimestamp: 0, isKeyframe: true, arrival: Self.start, sourceEpoch: 1)), now: Self.start)
        #expect(sent().isEmpty)
        playback.handle(.unit(MediaUnit(trackID: 7, packets: [packet(1, timestamp: 0, marker: false)], rtpTimestamp: 0,
                                        isKeyframe: false, arrival: Self.start, sourceEpoch: 1)), now: Self.start + .milliseconds(40))
        let first = sent()
        let base = try #require(first.first)
        #expect(first == [base, base &+ 1, base &+ 2])
        // Packet 4 never comes: 5 leaves when the bound (200 ms) has passed, numbered on.
        playback.handle(.unit(MediaUnit(trackID: 7, packets: [packet(3, timestamp: 3000, marker: true)], rtpTimestamp: 3000,
                                        isKeyframe: false, arrival: Self.start, sourceEpoch: 1)), now: Self.start + .milliseconds(50))
        playback.handle(.unit(MediaUnit(trackID: 7, packets: [packet(5, timestamp: 6000, marker: true)], rtpTimestamp: 6000,
                                        isKeyframe: false, arrival: Self.start, sourceEpoch: 1)), now: Self.start + .milliseconds(60))
        #expect(sent() == [base &+ 3])
        #expect(Self.drain(&playback).timeout <= Self.start + .milliseconds(260))
        playback.handleTimeout(now: Self.start + .milliseconds(260))
        #expect(sent() == [base &+ 4])
        #expect(playback.reorderer?.counters.lost == 1)
    }

    @Test func aDropMakesVideoWaitForTheNextKeyframeAndAsksForOne() {
        var playback = Self.makePlayback()
        playback.handle(Self.unit(track: 7, timestamp: 0, keyframe: true, payloads: [[0x65]]), now: Self.start)
        _ = Self.drain(&playback)
        playback.noteDropped()
        #expect(Self.drain(&playback).outputs == [.keyframeRequested])
        playback.handle(Self.unit(track: 7, timestamp: 3000, keyframe: false, payloads: [[0x41]], sequence: 1), now: Self.start)
        #expect(Self.drain(&playback).outputs.isEmpty)
        playback.handle(Self.unit(track: 7, timestamp: 6000, keyframe: true, payloads: [[0x65]], sequence: 2), now: Self.start)
        #expect(Self.drain(&playback).outputs.count == 1)
        #expect(playback.stats.drops == 1)
    }

    @Test func sendsSenderReportsOnTheRTCPChannelEverySecond() throws {
        var playback = Self.makePlayback()
        playback.handle(Self.unit(track: 7, timestamp: 0, keyframe: true, payloads: [[0x65]]), now: Self.start)
        _ = Self.drain(&playback)
        playback.handleTimeout(now: Self.start)
        let (outputs, next) = Self.drain(&playback)
        #expect(next == Self.start + .seconds(1))
        guard case .interleaved(let bytes)? = outputs.first else { Issue.record("no SR"); return }
        #expect(Array(bytes.prefix(2)) == [0x24, 1])
        let packets = try RTCPCompound.parse(Array(bytes.dropFirst(4)))
        guard case .senderReport(let report)? = packets.first else { Issue.record("not an SR: \(packets)"); return }
        #expect(report.ssrc == playback.ssrc(ofMediaIndex: 0))
        #expect(report.packetCount == 1)
        #expect(playback.stats.senderReportsSent == 1)
    }

    @Test func closeSendsSRSDESAndBYEPerTrackOnTheRTCPPortsOnceThenNothing() throws {
        var playback = Self.makePlayback(interleaved: false)
        playback.handle(Self.unit(track: 7, timestamp: 0, keyframe: true, payloads: [[0x65]]), now: Self.start)
        _ = Self.drain(&playback)
        playback.close(reason: "server shutting down", now: Self.start + .seconds(2))
        let outputs = Self.drain(&playback).outputs
        #expect(outputs.count == 2)
        for (index, output) in outputs.enumerated() {
            guard case .datagram(let bytes, let mediaIndex, let isRTCP) = output else { Issue.record("\(output)"); continue }
            #expect(mediaIndex == index && isRTCP)
            let packets = try RTCPCompound.parse(bytes)
            #expect(packets.count == 3, "\(packets)")
            guard case .senderReport(let report)? = packets.first, case .bye(let bye)? = packets.last else {
                Issue.record("not SR … BYE: \(packets)"); continue
            }
            #expect(report.ssrc == playback.ssrc(ofMediaIndex: mediaIndex))
            #expect(bye.ssrcs == [report.ssrc] && bye.reason == "server shutting down")
        }
        #expect(playback.stats.goodbyesSent == 2 && playback.isClosed)
        // Closed: a second close, more media and timeouts send nothing.
        playback.close(reason: "again", now: Self.start + .seconds(3))
        playback.handle(Self.unit(track: 7, timestamp: 3000, keyframe: true, payloads: [[0x65]]), now: Self.start + .seconds(3))
        playback.handleTimeout(now: Self.start + .seconds(4))
        #expect(Self.drain(&playback).outputs.isEmpty)
        #expect(playback.stats.goodbyesSent == 2 && playback.stats.packetsSent == 1)
    }

    @Test func closeOnTheInterleavedChannelFramesTheBYE() throws {
        var playback = Self.makePlayback()
        playback.close(reason: "teardown", now: Self.start)
        guard case .interleaved(let bytes)? = Self.drain(&playback).outputs.first else { Issue.record("no BYE frame"); return }
        #expect(Array(bytes.prefix(2)) == [0x24, 1])
        let length = Int(bytes[2]) << 8 | Int(bytes[3])
        let packets = try RTCPCompound.parse(Array(bytes[4..<(4 + length)]))
        guard case .bye(let bye)? = packets.last else { Issue.record("\(packets)"); return }
        #expect(bye.reason == "teardown")
    }

    @Test func pliForTheVideoSSRCRequestsAKeyframeAndReportsAreCounted() throws {
        var playback = Self.makePlayback()
        let ssrc = try #require(playback.ssrc(ofMediaIndex: 0))
        playback.receiveRTCP(RTCPCompound.serialize([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: ssrc))]))
        #expect(Self.drain(&playback).outputs == [.keyframeRequested])
        playback.receiveRTCP(RTCPCompound.serialize([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: ssrc &+ 99))]))
        playback.receiveRTCP([0x80, 0x00, 0x00, 0x00])   // ffmpeg's NAT-opening dummy: not RTCP
        #expect(Self.drain(&playback).outputs.isEmpty)
        #expect(playback.stats.keyframeRequestsReceived == 1)
        #expect(playback.stats.malformedRTCP == 1)
    }

    @Test func describesH264WithParameterSetsFromTheCachedKeyframe() {
        let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1E, 0x8C], pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]
        let stapA: [UInt8] = [0x18, 0x00, UInt8(sps.count)] + sps + [0x00, UInt8(pps.count)] + pps
        let keyframe = MediaUnit(trackID: 7, packets: [RTPPacket(payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 1,
                                                                 marker: false, payload: stapA)],
                                 rtpTimestamp: 0, isKeyframe: true, arrival: Self.start)
        let sdp = RTSPServerDescription.make(pathName: "cam", tracks: [Self.video, Self.audio], cachedGOP: [keyframe],
                                             sessionID: 42).serialized()
        #expect(sdp.contains("m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"))
        #expect(sdp.contains("a=fmtp:96 packetization-mode=1;profile-level-id=42c01e;sprop-parameter-sets=Z0LAHow=,aM48gA==\r\n"))
        #expect(sdp.contains("m=audio 0 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"))
    }
}
