import Codecs
import RTCBase
import RTP
import Routing
import SDP

/// One received RTP track of a pulled or listened-to source (plain RTP ingest, RTSP cameras):
/// groups packets into media units, follows the sender's SSRC, and prepares the first keyframe
/// for WebRTC viewers (H.264: SPS/PPS from `sprop-parameter-sets` when the stream carries none
/// in-band, RFC 6184 §8.1; `profile-level-id` learnt from the SPS when the SDP has none).
public struct IngestTrack {
    public var info: TrackInfo
    var assembler: RTPUnitAssembler
    public var sourceSSRC: UInt32?
    var sawKeyframe = false
    var packetsIn = 0
    public var malformed = 0

    public init(info: TrackInfo) {
        self.info = info
        let codec = info.codec
        assembler = RTPUnitAssembler(trackID: info.id, isVideo: info.kind == .video, codec: codec)
    }

    /// Audio is always ready; video once its first keyframe went by (a publisher attaches then).
    public var isReady: Bool { info.kind != .video || sawKeyframe }

    /// Feeds one packet already parsed; returns the units it completes, keyframes prepared.
    /// `ssrcChanged` is true when a known sender switched SSRC (e.g. the encoder restarted).
    public mutating func receive(_ packet: RTPPacket, arrival: Instant) -> (units: [MediaUnit], ssrcChanged: Bool) {
        packetsIn += 1
        var ssrcChanged = false
        if sourceSSRC != packet.ssrc {
            ssrcChanged = sourceSSRC != nil
            sourceSSRC = packet.ssrc
        }
        var units = assembler.push(packet, arrival: arrival)
        if info.kind == .video {
            for index in units.indices where units[index].isKeyframe { noteKeyframe(&units[index]) }
        }
        return (units, ssrcChanged)
    }

    /// First and every keyframe: learn the H.264 profile from the SPS (in-band, else the SDP's
    /// `sprop-parameter-sets`). The unit itself is passed on untouched, so every output sees the
    /// source's own sequence numbers; outputs that need parameter sets in-band (WebRTC viewers)
    /// add them from the track's fmtp.
    mutating func noteKeyframe(_ unit: inout MediaUnit) {
        if let codec = info.codec {
            for (key, value) in codec.learnedFmtp(fromKeyframe: unit.packets.lazy.map(\.payload), fmtp: info.fmtp) {
                info.fmtp[key] = value
            }
        }
        sawKeyframe = true
    }

    /// The track an SDP media section describes (its first format), with `id`; nil for sections
    /// that are neither audio nor video. Static payload types without `a=rtpmap` use RFC 3551.
    public static func trackInfo(id: Int, media: MediaDescription) throws -> TrackInfo? {
        let kind: TrackKind
        switch media.kind {
        case .video: kind = .video
        case .audio: kind = .audio
        default: return nil
        }
        guard let format = media.formats.first, let pt = UInt8(format), pt < 128 else { return nil }
        if let map = media.rtpMaps.first(where: { $0.payloadType == pt }) {
            return TrackInfo(id: id, kind: kind, encodingName: map.encodingName, clockRate: map.clockRate,
                             channels: map.channels, fmtp: media.fmtp(pt), payloadType: pt)
        }
        // RFC 3551 §6 static payload types: the registry's codecs, else the profile's name (e.g.
        // JPEG), which has no codec here and is recognised only to be skipped with its name.
        if let codec = CodecRegistry.all.first(where: { $0.staticPayloadType == pt }) {
            return TrackInfo(id: id, kind: kind, encodingName: codec.name, clockRate: codec.clockRate,
                             channels: codec.channels, fmtp: [:], payloadType: pt)
        }
        guard let map = RTPMap.staticPayloadType(pt) else {
            throw SourceError.unusable("media section \(id): payload type \(pt) has no rtpmap")
        }
        return TrackInfo(id: id, kind: kind, encodingName: map.encodingName, clockRate: map.clockRate, fmtp: [:],
                         payloadType: pt)
    }
}
