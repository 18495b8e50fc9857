import RTCBase
import RTP
import Routing

/// The media side of one WebRTC publisher (WHIP), sans-IO: decrypted RTP is grouped into media
/// units per negotiated track (matched by payload type). A track negotiated with simulcast
/// (`SimulcastIngestLayout`) is demultiplexed by rid into one track per layer; any other track
/// forwards the first SSRC seen, and packets of other SSRCs are counted.
public struct WHIPIngest {
    struct Track {
        var info: TrackInfo
        var assembler: RTPUnitAssembler
        var ssrc: UInt32?
    }

    var tracks: [Track]
    var layered: [LayeredTrack] = []
    /// Packets of simulcast layers that are not forwarded, and of unknown payload types.
    public private(set) var ignoredPackets = 0

    /// `simulcast`: the layered video tracks; each lays out its layers' track ids.
    public init(tracks: [TrackInfo], simulcast: [SimulcastIngestLayout] = []) {
        var plain = tracks
        for layout in simulcast {
            guard let index = plain.firstIndex(where: { $0.payloadType == layout.payloadType && $0.kind == .video }) else { continue }
            layered.append(LayeredTrack(base: plain.remove(at: index), layout: layout))
        }
        self.tracks = plain.map { info in
            Track(info: info, assembler: RTPUnitAssembler(trackID: info.id, isVideo: info.kind == .video, codec: info.codec))
        }
    }

    /// One packet; returns the units it completes.
    public mutating func receive(_ packet: RTPPacket, arrival: Instant) -> [MediaUnit] {
        if let index = layered.firstIndex(where: { $0.layout.payloadType == packet.payloadType }) {
            guard let units = layered[index].receive(packet, arrival: arrival) else {
                ignoredPackets += 1
                return []
            }
            return units
        }
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

    /// Every track the path gets: the plain ones and one per simulcast layer.
    public var publishedTracks: [TrackInfo] {
        tracks.map(\.info) + layered.flatMap { $0.layers.map(\.info) }
    }

    /// The forwarded SSRC of every video track and layer that has one (targets of keyframe requests).
    public var videoSSRCs: [UInt32] {
        tracks.compactMap { $0.info.kind == .video ? $0.ssrc : nil } + layered.flatMap { $0.layers.compactMap(\.ssrc) }
    }
}
