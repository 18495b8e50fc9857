import Foundation
import RTCBase
import Routing
import SDP

/// The receiver SDP of the egress (RFC 8866; H.264 `a=fmtp` parameters of RFC 6184 §8.1, Opus
/// `opus/48000/2` of RFC 7587 §7): what `ffplay`, `ffmpeg -i` or VLC open to receive the streams.
extension RTPForwarderSession {
    /// The current receiver SDP text; nil while the path's tracks are unknown.
    public var receiverDescription: String? {
        let media = receiverMedia()
        guard !media.isEmpty else { return nil }
        return description(of: media, version: max(descriptionVersion, 1))
    }

    /// Emits `.descriptionChanged` when the media sections differ from the last ones emitted.
    mutating func updateDescription() {
        let media = receiverMedia()
        guard !media.isEmpty, media != descriptionMedia else { return }
        descriptionMedia = media
        descriptionVersion += 1
        outputs.append(.event(.descriptionChanged(description(of: media, version: descriptionVersion))))
    }

    private func description(of media: [SessionDescription.RTPReceiverMedia], version: UInt64) -> String {
        let spec = configuration.spec
        return SessionDescription.rtpReceiver(sessionName: "rtcbridge \(configuration.pathName)", address: spec.host,
                                              multicastTTL: spec.isIPv6 ? nil : spec.multicastTTL,
                                              sessionID: configuration.sdpSessionID, version: version, media: media)
            .serialized()
    }

    /// One section per stream with a current track, video first.
    private func receiverMedia() -> [SessionDescription.RTPReceiverMedia] {
        var media: [SessionDescription.RTPReceiverMedia] = []
        if let video, video.trackID != nil {
            media.append(section(video, kind: .video, port: configuration.spec.videoPort))
        }
        if let audio, audio.trackID != nil {
            media.append(section(audio, kind: .audio, port: configuration.spec.audioPort))
        }
        return media
    }

    private func section(_ stream: Stream, kind: MediaKind, port: UInt16) -> SessionDescription.RTPReceiverMedia {
        let name = stream.encodingName
        let channels = name.lowercased() == "opus" ? 2 : stream.channels
        let rtpMap = RTPMap(payloadType: stream.media.payloadType, encodingName: name, clockRate: stream.media.clockRate,
                            channels: channels)
        return SessionDescription.RTPReceiverMedia(kind: kind, port: port, rtcpPort: port &+ 1, rtpMap: rtpMap,
                                                   formatParameters: formatParameters(stream))
    }

    /// `a=fmtp` text: for H.264 `packetization-mode`, `profile-level-id` (from the SPS when one was
    /// seen) and `sprop-parameter-sets`; for other codecs the source's parameters, sorted by name.
    private func formatParameters(_ stream: Stream) -> String? {
        guard stream.encodingName.uppercased() == "H264" else {
            let pairs = stream.fmtp.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return pairs.isEmpty ? nil : pairs.joined(separator: ";")
        }
        var pairs = ["packetization-mode=\(stream.fmtp["packetization-mode"] ?? "1")"]
        if let sps = stream.parameterSets.first, sps.count >= 4 {
            pairs.append("profile-level-id=" + Array(sps[1...3]).hexString)
        } else if let profile = stream.fmtp["profile-level-id"] {
            pairs.append("profile-level-id=" + profile)
        }
        if !stream.parameterSets.isEmpty {
            pairs.append("sprop-parameter-sets=" + stream.parameterSets.map { Data($0).base64EncodedString() }.joined(separator: ","))
        } else if let sprop = stream.fmtp["sprop-parameter-sets"] {
            pairs.append("sprop-parameter-sets=" + sprop)
        }
        return pairs.joined(separator: ";")
    }
}
