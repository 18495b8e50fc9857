import Codecs
import RTCBase
import RTP
import RTSP
import Routing

/// The media side of one RTSP camera connection (RFC 2326 client), sans-IO: the tracks DESCRIBE
/// set up, where each one's media may come from and where its RTCP goes once PLAY answered, RTP
/// grouped into units, reception statistics, and the RTCP the gateway sends (receiver reports,
/// PLI), framed for the track's transport. Rebuilt for every connection attempt.
public struct RTSPSourceMedia {
    /// One set-up track: its ingest state (nil when the codec is not bridged, e.g. MJPEG).
    public struct Track {
        public var ingest: IngestTrack?
        public var transport: RTSPTrackTransport?
        /// UDP: the camera's RTCP port (server_port second value) at the camera's address.
        public var rtcpDestination: TransportAddress?
        /// UDP: media is accepted only from this address (`source=` of the SETUP answer, else the
        /// camera's RTSP address).
        public var allowedSource: [UInt8]?
        /// RFC 3550 §6.4 reception statistics of the current sender SSRC.
        public var statistics: ReceiverStatistics?
        public var clockRate: Int
        public var payloadType: UInt8?
        /// Datagrams from another address or with another payload type, and packets that do not parse.
        public var rejected = 0
    }

    /// Where an RTCP packet goes: the track's UDP RTCP socket to `to`, or the RTSP connection
    /// (the bytes then carry the `$` interleaved frame header, RFC 2326 §10.12).
    public enum RTCPRoute: Sendable, Equatable {
        case udp(track: Int, to: TransportAddress)
        case interleaved
    }

    public private(set) var tracks: [Track]
    public let localSSRC: UInt32

    /// Tracks for DESCRIBE's set-up sections, and the notices to log about the skipped ones.
    /// Codecs the registry knows pass through (audio that browsers cannot play is still kept for
    /// RTSP/RTP/recording outputs); a codec it does not know (MJPEG, for one) is skipped by name.
    public init(described: [RTSPTrack], localSSRC: UInt32) {
        self.localSSRC = localSSRC
        var notices: [String] = []
        tracks = described.map { track in
            var info = try? IngestTrack.trackInfo(id: track.index, media: track.media)
            if let unknown = info, unknown.codec == nil {
                notices.append("\(unknown.encodingName) is not a supported codec; the camera's \(unknown.encodingName) track is skipped")
                info = nil
            } else if let codec = info?.codec, codec.kind == .audio, !codec.webRTCCompatible, codec.format != .aac {
                notices.append("\(codec.name) audio is not bridged to WebRTC yet; the track still goes to RTSP, RTP and recording outputs")
            } else if info == nil {
                notices.append("media section \(track.mediaIndex) has no usable RTP format; skipped")
            }
            return Track(ingest: info.map(IngestTrack.init(info:)), clockRate: info?.clockRate ?? 90000, payloadType: info?.payloadType)
        }
        self.notices = notices
    }

    /// What `init` found worth telling about the camera's tracks.
    public let notices: [String]

    /// False when no track can be bridged (the attempt fails).
    public var isUsable: Bool { tracks.contains { $0.ingest != nil } }

    /// True once every bridged video track saw a keyframe (the publisher attaches then).
    public var isReady: Bool {
        let ingests = tracks.compactMap(\.ingest)
        return !ingests.isEmpty && ingests.allSatisfy(\.isReady)
    }

    /// The bridged tracks for `Path.attachPublisher`.
    public var infos: [TrackInfo] { tracks.compactMap(\.ingest?.info) }

    /// PLAY answered: each track's transport, the address its UDP media must come from and where
    /// its RTCP goes (`cameraIP`: the RTSP connection's peer).
    public mutating func play(_ playback: RTSPPlayback, cameraIP: String?) {
        for playing in playback.tracks where tracks.indices.contains(playing.track.index) {
            let index = playing.track.index
            tracks[index].transport = playing.transport
            if case .udp(_, _, _, let serverRTCP, let source) = playing.transport, let ip = source ?? cameraIP {
                tracks[index].allowedSource = TransportAddress(host: ip, port: 0)?.ip
                if let serverRTCP { tracks[index].rtcpDestination = TransportAddress(host: ip, port: serverRTCP) }
            }
        }
    }

    /// The names of the bridged tracks, for logs.
    public var trackNames: [String] { infos.map { "\($0.encodingName)/\($0.clockRate)" } }

    // MARK: - Media in

    /// One RTP packet of `track` (`from`: the UDP sender; nil when interleaved). Returns nil when
    /// rejected (counted), else the units it completes and whether the sender switched SSRC.
    public mutating func receiveRTP(_ bytes: [UInt8], track index: Int, from: TransportAddress?, now: Instant)
        -> (units: [MediaUnit], ssrcChanged: Bool)? {
        guard tracks.indices.contains(index), let payloadType = tracks[index].payloadType else { return nil }
        if let from, let allowed = tracks[index].allowedSource, from.ip != allowed {
            tracks[index].rejected += 1
            return nil
        }
        guard let packet = try? RTPPacket(parsing: bytes), packet.payloadType == payloadType else {
            tracks[index].rejected += 1
            return nil
        }
        if tracks[index].statistics?.ssrc != packet.ssrc {
            tracks[index].statistics = ReceiverStatistics(ssrc: packet.ssrc, clockRate: tracks[index].clockRate)
        }
        tracks[index].statistics?.handle(sequenceNumber: packet.sequenceNumber, rtpTimestamp: packet.timestamp, arrival: now)
        return tracks[index].ingest?.receive(packet, arrival: now) ?? ([], false)
    }

    /// One RTCP packet of `track`: sender reports of the current SSRC feed the statistics.
    public mutating func receiveRTCP(_ bytes: [UInt8], track index: Int, now: Instant) {
        guard tracks.indices.contains(index), let packets = try? RTCPCompound.parse(bytes) else { return }
        for case .senderReport(let report) in packets where report.ssrc == tracks[index].statistics?.ssrc {
            tracks[index].statistics?.handleSenderReport(ntpTimestamp: report.ntpTimestamp, arrival: now)
        }
    }

    // MARK: - RTCP out

    /// RFC 3550 §6.4.2 receiver report plus SDES CNAME (§6.1: compound packets carry one), per track.
    public mutating func receiverReports(now: Instant) -> [(route: RTCPRoute, bytes: [UInt8])] {
        var out: [(route: RTCPRoute, bytes: [UInt8])] = []
        for index in tracks.indices {
            guard var statistics = tracks[index].statistics else { continue }
            let report = statistics.makeReceptionReport(now: now)
            tracks[index].statistics = statistics
            out += routed(RTCPCompound.serialize([
                .receiverReport(RTCPReceiverReport(ssrc: localSSRC, reports: [report])),
                .sourceDescription(RTCPSourceDescription(cname: "rtcbridge", ssrc: localSSRC)),
            ]), track: index)
        }
        return out
    }

    /// RFC 4585 §6.3.1 PLI to every video track's sender, after an empty RR (compound rule).
    public func pictureLossIndications() -> [(route: RTCPRoute, bytes: [UInt8])] {
        tracks.indices.filter { tracks[$0].ingest?.info.kind == .video }.flatMap { index -> [(route: RTCPRoute, bytes: [UInt8])] in
            guard let ssrc = tracks[index].statistics?.ssrc else { return [] }
            return routed(RTCPCompound.serialize([
                .receiverReport(RTCPReceiverReport(ssrc: localSSRC)),
                .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: localSSRC, mediaSSRC: ssrc)),
            ]), track: index)
        }
    }

    func routed(_ bytes: [UInt8], track index: Int) -> [(route: RTCPRoute, bytes: [UInt8])] {
        switch tracks[index].transport {
        case .udp:
            guard let to = tracks[index].rtcpDestination else { return [] }
            return [(.udp(track: index, to: to), bytes)]
        case .interleaved(_, let rtcp):
            guard let length = UInt16(exactly: bytes.count) else { return [] }
            return [(.interleaved, [0x24, rtcp, UInt8(length >> 8), UInt8(length & 0xFF)] + bytes)]
        case nil:
            return []
        }
    }
}
