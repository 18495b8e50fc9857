@testable import Ingest
import RTCBase
import RTP
@testable import RTSP
import SDP
import Testing

/// `RTSPSourceMedia`: which camera tracks are bridged, where UDP media may come from and where
/// RTCP goes after PLAY, RTP into units, and receiver reports and PLI framed per transport.
@Suite struct RTSPSourceMediaTests {
    static let description = try! SessionDescription(parsing: "v=0\r\no=- 0 0 IN IP4 192.0.2.1\r\ns=cam\r\nt=0 0\r\n"
        + "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:v\r\n"
        + "m=video 0 RTP/AVP 26\r\na=control:mjpeg\r\n"
        + "m=audio 0 RTP/AVP 0\r\na=control:a\r\n")
    static let url = RTSPURL(string: "rtsp://192.0.2.1/cam")!
    static let tracks = description.media.enumerated().map { index, media in
        RTSPTrack(index: index, mediaIndex: index, media: media, controlURL: url)
    }
    static let camera = TransportAddress(host: "192.0.2.1", port: 6970)!
    static let t0 = Instant(nanoseconds: 1_000_000_000)

    static func playback(_ transports: [RTSPTrackTransport]) -> RTSPPlayback {
        RTSPPlayback(sessionID: "s", tracks: zip(tracks, transports).map { RTSPPlayingTrack(track: $0, transport: $1) },
                     range: nil, url: url)
    }

    static func keyframe(ssrc: UInt32 = 0xCAFE, seq: UInt16 = 1) -> [UInt8] {
        RTPPacket(payloadType: 96, sequenceNumber: seq, timestamp: 9000, ssrc: ssrc, marker: true, payload: [0x65, 0x88]).bytes
    }

    @Test func bridgesH264AndG711AndSkipsMJPEGWithANotice() {
        let media = RTSPSourceMedia(described: Self.tracks, localSSRC: 1)
        #expect(media.isUsable)
        #expect(media.trackNames == ["H264/90000", "PCMU/8000"])
        #expect(media.notices == ["JPEG is not a supported codec; the camera's JPEG track is skipped"])
        #expect(media.tracks[1].ingest == nil)
        #expect(!RTSPSourceMedia(described: [Self.tracks[1]], localSSRC: 1).isUsable)
    }

    @Test func udpMediaIsAcceptedOnlyFromTheCameraAndRTCPGoesToItsPort() throws {
        var media = RTSPSourceMedia(described: Self.tracks, localSSRC: 0xAAAA)
        media.play(Self.playback([.udp(clientRTP: 5000, clientRTCP: 5001, serverRTP: 6970, serverRTCP: 6971, source: nil),
                                  .udp(clientRTP: 5002, clientRTCP: 5003, serverRTP: nil, serverRTCP: nil, source: nil),
                                  .udp(clientRTP: 5004, clientRTCP: 5005, serverRTP: 6974, serverRTCP: 6975, source: "192.0.2.9")]),
                   cameraIP: "192.0.2.1")
        #expect(media.tracks[0].rtcpDestination == TransportAddress(host: "192.0.2.1", port: 6971))
        #expect(media.tracks[2].rtcpDestination == TransportAddress(host: "192.0.2.9", port: 6975))   // source= wins
        let stranger = TransportAddress(host: "198.51.100.7", port: 6970)!
        #expect(media.receiveRTP(Self.keyframe(), track: 0, from: stranger, now: Self.t0) == nil)
        #expect(media.receiveRTP([0x80], track: 0, from: Self.camera, now: Self.t0) == nil)
        #expect(media.tracks[0].rejected == 2)
        let result = media.receiveRTP(Self.keyframe(), track: 0, from: Self.camera, now: Self.t0)
        let received = try #require(result)
        #expect(received.units.count == 1 && !received.ssrcChanged && media.isReady)
        #expect(media.receiveRTP(Self.keyframe(ssrc: 0xBEEF, seq: 2), track: 0, from: Self.camera, now: Self.t0)?.ssrcChanged == true)
        #expect(media.infos.map(\.encodingName) == ["H264", "PCMU"])
        // RR + SDES for the track with a sender; PLI only to the video sender.
        let reports = media.receiverReports(now: Self.t0 + .seconds(5))
        #expect(reports.map(\.route) == [.udp(track: 0, to: TransportAddress(host: "192.0.2.1", port: 6971)!)])
        let pli = media.pictureLossIndications()
        #expect(pli.count == 1)
        let packets = try RTCPCompound.parse(pli[0].bytes[...])
        #expect(packets.contains { if case .pictureLossIndication(let p) = $0 { p.mediaSSRC == 0xBEEF && p.senderSSRC == 0xAAAA } else { false } })
    }

    @Test func interleavedRTCPCarriesTheFrameHeader() throws {
        var media = RTSPSourceMedia(described: [Self.tracks[0]], localSSRC: 0xAAAA)
        media.play(Self.playback([.interleaved(rtp: 0, rtcp: 1)]), cameraIP: "192.0.2.1")
        _ = media.receiveRTP(Self.keyframe(), track: 0, from: nil, now: Self.t0)
        let pli = try #require(media.pictureLossIndications().first)
        #expect(pli.route == .interleaved)
        #expect(Array(pli.bytes[0..<2]) == [0x24, 1])
        #expect(Int(pli.bytes[2]) << 8 | Int(pli.bytes[3]) == pli.bytes.count - 4)
        #expect((try? RTCPCompound.parse(pli.bytes[4...])) != nil)
    }
}
