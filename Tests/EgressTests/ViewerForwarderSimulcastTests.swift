import Routing
import Testing
@testable import Egress

/// A viewer is routed one layer of each layered (simulcast) video track: the top one.
@Suite struct ViewerForwarderSimulcastTests {
    static func layer(_ id: Int, group: Int, rid: String) -> TrackInfo {
        var info = TrackInfo(id: id, kind: .video, encodingName: "VP8", clockRate: 90_000, payloadType: 96)
        info.layer = TrackLayer(group: group, rid: rid)
        return info
    }

    @Test func routesPlainTracksAndTheTopLayerOfEachGroup() {
        let audio = TrackInfo(id: 0, kind: .audio, encodingName: "opus", clockRate: 48_000, channels: 2, payloadType: 111)
        let tracks = [audio, Self.layer(2, group: 1, rid: "q"), Self.layer(3, group: 1, rid: "h"),
                      Self.layer(4, group: 1, rid: "f")]
        #expect(ViewerForwarder.routedTracks(tracks).map(\.id) == [0, 4])
    }

    @Test func withoutLayersEveryTrackIsRouted() {
        let video = TrackInfo(id: 1, kind: .video, encodingName: "VP8", clockRate: 90_000, payloadType: 96)
        let audio = TrackInfo(id: 0, kind: .audio, encodingName: "opus", clockRate: 48_000, channels: 2, payloadType: 111)
        #expect(ViewerForwarder.routedTracks([audio, video]).map(\.id) == [0, 1])
    }

    @Test func aSingleLayerIsRouted() {
        #expect(ViewerForwarder.routedTracks([Self.layer(5, group: 1, rid: "f")]).map(\.id) == [5])
    }
}
