import Codecs
import Containers
import Routing

/// Which of a publisher's tracks are recorded, each with its `ContainerTrack`.
extension RecorderMuxer {
    mutating func configure(_ infos: [TrackInfo]) {
        tracks = [:]
        leadTrackID = nil
        ignoredTracks = []
        var video: (TrackInfo, ContainerTrack)?, audio: (TrackInfo, ContainerTrack)?
        for info in infos {
            let containerTrack: ContainerTrack
            do throws(ContainerError) {
                guard let codec = info.codec else { throw .unsupported(info.encodingName) }
                containerTrack = try ContainerTrack(codec: codec, container: format, clockRate: info.clockRate,
                                                    channels: info.channels, fmtp: info.fmtp)
            } catch {
                // A codec the container does not carry is only named; a missing configuration says why.
                guard case .missingConfiguration = error else {
                    ignoredTracks.append("\(info.encodingName)/\(info.clockRate)")
                    continue
                }
                ignoredTracks.append("\(info.encodingName)/\(info.clockRate) (\(error))")
                continue
            }
            if info.kind == .video, video == nil { video = (info, containerTrack); continue }
            if info.kind == .audio, audio == nil { audio = (info, containerTrack); continue }
            ignoredTracks.append("\(info.encodingName)/\(info.clockRate)")
        }
        for (index, (info, containerTrack)) in [video, audio].compactMap({ $0 }).enumerated() {
            guard let depacketizer = containerTrack.codec.makeDepacketizer(fmtp: info.fmtp) else {
                ignoredTracks.append("\(info.encodingName)/\(info.clockRate) (no depacketizer)")
                continue
            }
            tracks[info.id] = Track(info: info, containerTrack: containerTrack, depacketizer: depacketizer,
                                    fileTrackID: UInt32(index + 1), lastDuration: containerTrack.defaultSampleDuration)
            if leadTrackID == nil { leadTrackID = info.id }
        }
    }
}
