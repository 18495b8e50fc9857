import Codecs
import Foundation
import RTCBase
import Routing
import SDP

/// The SDP an RTSP DESCRIBE answers with (RFC 2326 §C.1, RFC 8866): one section per path track,
/// in the path's order, with the source's payload type, `a=rtpmap` and `a=fmtp`. H.264 sections
/// carry `sprop-parameter-sets` and `profile-level-id` (RFC 6184 §8.1) from the newest cached
/// keyframe when the stream has SPS/PPS in-band. `RTSPServerSession` adds the control URLs.
public enum RTSPServerDescription {
    /// The description of `tracks`; `cachedGOP` is the path's GOP cache (for H.264 parameter sets).
    public static func make(pathName: String, tracks: [TrackInfo], cachedGOP: [MediaUnit], sessionID: UInt64) -> SessionDescription {
        let media = tracks.map { track in
            let channels = track.codec?.rtpMapChannels(track.channels) ?? track.channels
            let map = RTPMap(payloadType: track.payloadType, encodingName: track.encodingName, clockRate: track.clockRate,
                             channels: track.kind == .audio ? channels : nil)
            let fmtp = track.codec.map { codec in
                codec.receiverFmtp(track.fmtp, parameterSets: parameterSets(of: track, codec: codec, in: cachedGOP))
            } ?? track.fmtp
            let text = fmtp.keys.sorted().map { "\($0)=\(fmtp[$0] ?? "")" }.joined(separator: ";")
            return SessionDescription.RTPReceiverMedia(kind: track.kind == .video ? .video : .audio, port: 0,
                                                       rtpMap: map, formatParameters: text.isEmpty ? nil : text)
        }
        return SessionDescription.rtpReceiver(sessionName: "rtcbridge \(pathName)", address: "0.0.0.0",
                                              sessionID: sessionID, version: 1, media: media)
    }

    /// The parameter sets of the track's newest cached keyframe that carries them.
    static func parameterSets(of track: TrackInfo, codec: CodecDescriptor, in units: [MediaUnit]) -> [[UInt8]]? {
        for unit in units.reversed() where unit.trackID == track.id && unit.isKeyframe {
            if let sets = codec.parameterSets(inPayloads: unit.packets.lazy.map(\.payload)) { return sets }
        }
        return nil
    }
}
