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
            let name = track.encodingName
            let channels = name.lowercased() == "opus" ? 2 : track.channels
            let map = RTPMap(payloadType: track.payloadType, encodingName: name, clockRate: track.clockRate,
                             channels: track.kind == .audio ? channels : nil)
            var fmtp = track.fmtp
            if name.uppercased() == "H264" {
                fmtp["packetization-mode"] = fmtp["packetization-mode"] ?? "1"
                if let sets = parameterSets(trackID: track.id, in: cachedGOP) {
                    fmtp["sprop-parameter-sets"] = sets.map { Data($0).base64EncodedString() }.joined(separator: ",")
                    if sets[0].count >= 4 { fmtp["profile-level-id"] = Array(sets[0][1...3]).hexString }
                }
            }
            let text = fmtp.keys.sorted().map { "\($0)=\(fmtp[$0] ?? "")" }.joined(separator: ";")
            return SessionDescription.RTPReceiverMedia(kind: track.kind == .video ? .video : .audio, port: 0,
                                                       rtpMap: map, formatParameters: text.isEmpty ? nil : text)
        }
        return SessionDescription.rtpReceiver(sessionName: "rtcbridge \(pathName)", address: "0.0.0.0",
                                              sessionID: sessionID, version: 1, media: media)
    }

    /// SPS and PPS (in that order) of the track's newest cached keyframe.
    static func parameterSets(trackID: Int, in units: [MediaUnit]) -> [[UInt8]]? {
        for unit in units.reversed() where unit.trackID == trackID && unit.isKeyframe {
            var sps: [UInt8]?, pps: [UInt8]?
            for packet in unit.packets {
                for nal in H264.parameterSets(inPayload: packet.payload) {
                    let type = H264.nalType(nal.first ?? 0)
                    if type == H264.NALType.sps { sps = sps ?? Array(nal) }
                    if type == H264.NALType.pps { pps = pps ?? Array(nal) }
                }
            }
            if let sps, let pps { return [sps, pps] }
        }
        return nil
    }
}
