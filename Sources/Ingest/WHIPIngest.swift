import RTCBase
import RTP
import Routing

/// The media side of one WebRTC publisher (WHIP), sans-IO: decrypted RTP is grouped into media
/// units per negotiated track (matched by payload type). Simulcast offers are accepted and one
/// layer is forwarded per track: the first SSRC seen; packets of the other layers are counted.
public struct WHIPIngest {
    struct Track {
        var info: TrackInfo
        var assembler: RTPUnitAssembler
        var ssrc: UInt32?
    }

    var tracks: [Track]
    /// Packets of simulcast layers that are not forwarded, and of unknown payload types.
    public private(set) var ignoredPackets = 0

    public init(tracks: [TrackInfo]) {
        self.tracks = tracks.map { info in
            Track(info: info, assembler: RTPUnitAssembler(trackID: info.id, isVideo: info.kind == .video, codec: info.codec))
        }
    }

    /// One packet; returns the units it completes.
    public mutating func receive(_ packet: RTPPacket, arrival: Instant) -> [MediaUnit] {
        guard let index = tracks.firstIndex(where: { $0.info.payloadType == packet.payloadType }) else {
            ignoredPackets += 1
            return []
        }
        if let ssrc = tracks[index].ssrc, ssrc != packet.ssrc {
            ignoredPackets += 1   // another simulcast layer
            return []
        }
        tracks[index].ssrc = packet.ssrc
        return tracks[index].assembler.push(packet, arrival: arrival)
    }

    /// The forwarded SSRC of every video track that has one (targets of keyframe requests).
    public var videoSSRCs: [UInt32] {
        tracks.compactMap { $0.info.kind == .video ? $0.ssrc : nil }
    }
}
