import RTCBase
import RTP
import RTSP
import Routing

/// The media side of one RTSP publisher (ANNOUNCE, SETUP mode=record, RECORD; RFC 2326 §10.3,
/// §10.11), sans-IO: the RTP it sends on each set-up track, over UDP or interleaved, becomes
/// media units for the path. Tracks are the announced media sections that were set up; a track's
/// id is its media index. The publisher attaches once every video track saw a keyframe.
public struct RTSPServerRecording {
    private(set) var tracks: [Int: IngestTrack] = [:]
    private(set) var packetsIgnored = 0

    /// Throws when no set-up section is usable audio or video.
    public init(stream: RTSPServerStream) throws {
        guard let description = stream.description else { throw SourceError.unusable("RECORD without an announced SDP") }
        for track in stream.tracks where track.mediaIndex < description.media.count {
            guard let info = try IngestTrack.trackInfo(id: track.mediaIndex, media: description.media[track.mediaIndex])
            else { continue }
            tracks[track.mediaIndex] = IngestTrack(info: info)
        }
        guard !tracks.isEmpty else { throw SourceError.unusable("the announced SDP has no usable audio or video section") }
    }

    /// The tracks for `Path.attachPublisher`, in media order.
    public var infos: [TrackInfo] { tracks.keys.sorted().compactMap { tracks[$0]?.info } }

    /// True once every video track saw its first keyframe.
    public var isReady: Bool { tracks.values.allSatisfy(\.isReady) }

    /// SSRCs the publisher uses for video (targets of PLI).
    public var videoSSRCs: [(mediaIndex: Int, ssrc: UInt32)] {
        tracks.keys.sorted().compactMap { index in
            guard let track = tracks[index], track.info.kind == .video, let ssrc = track.sourceSSRC else { return nil }
            return (index, ssrc)
        }
    }

    /// One RTP packet from the publisher; returns the units it completes. Packets that do not
    /// parse or carry another payload type (ffmpeg's empty NAT-opening packets) are counted.
    public mutating func receiveRTP(_ bytes: [UInt8], mediaIndex: Int, now: Instant) -> [MediaUnit] {
        guard var track = tracks[mediaIndex], let packet = try? RTPPacket(parsing: bytes),
              packet.payloadType == track.info.payloadType else {
            packetsIgnored += 1
            return []
        }
        tracks[mediaIndex] = nil   // keep the track uniquely referenced while it changes
        let units = track.receive(packet, arrival: now).units
        tracks[mediaIndex] = track
        return units
    }
}
