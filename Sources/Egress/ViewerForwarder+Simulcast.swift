import Routing

extension ViewerForwarder {
    /// The tracks a viewer is routed: every plain track, and of each layered (simulcast) video
    /// track only its top layer (the last one laid out: publishers list rids lowest first, as
    /// `SimulcastLayerSelector` indexes them). The other layers' units find no route and are
    /// skipped, so the viewer's one video SSRC carries one layer.
    static func routedTracks(_ tracks: [TrackInfo]) -> [TrackInfo] {
        var topLayer: [Int: Int] = [:]   // group → track id
        for track in tracks {
            if let layer = track.layer { topLayer[layer.group] = track.id }
        }
        return tracks.filter { track in
            guard let layer = track.layer else { return true }
            return topLayer[layer.group] == track.id
        }
    }
}
