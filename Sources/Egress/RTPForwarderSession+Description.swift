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
        let channels = stream.codec?.rtpMapChannels(stream.channels) ?? stream.channels
        let rtpMap = RTPMap(payloadType: stream.media.payloadType, encodingName: name, clockRate: stream.media.clockRate,
                            channels: channels)
        return SessionDescription.RTPReceiverMedia(kind: kind, port: port, rtcpPort: port &+ 1, rtpMap: rtpMap,
                                                   formatParameters: formatParameters(stream))
    }

    /// `a=fmtp` text, sorted by name: the source's parameters as the codec's receiver SDP gives them
    /// (H.264: `packetization-mode`, `profile-level-id` and `sprop-parameter-sets` from the SPS/PPS
    /// when they were seen in-band).
    private func formatParameters(_ stream: Stream) -> String? {
        let fmtp = stream.codec?.receiverFmtp(stream.fmtp, parameterSets: stream.parameterSets.isEmpty ? nil : stream.parameterSets)
            ?? stream.fmtp
        let pairs = fmtp.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return pairs.isEmpty ? nil : pairs.joined(separator: ";")
    }
}
