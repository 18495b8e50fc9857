import Ingest
import SDP
import Testing
@testable import Runtime

/// How a WHIP publisher's negotiated simulcast sections become ingest layouts.
@Suite struct SimulcastLayoutTests {
    static func video(index: Int, rids: [String], streamIDExtension: Int? = 10) -> NegotiatedMedia {
        var m = NegotiatedMedia(index: index, mid: "\(index)", kind: .video, accepted: true, payloadType: 96,
                                extensions: streamIDExtension.map { [ExtMap(id: $0, uri: SimulcastNegotiation.streamIDURI)] } ?? [])
        m.simulcastRIDs = rids
        return m
    }

    @Test func layersGetTrackIDsAfterTheSections() {
        let audio = NegotiatedMedia(index: 0, mid: "0", kind: .audio, accepted: true, payloadType: 111)
        let layouts = WebRTCEndpoint.simulcastLayouts([audio, Self.video(index: 1, rids: ["q", "h", "f"])])
        #expect(layouts == [SimulcastIngestLayout(payloadType: 96, rids: ["q", "h", "f"], layerTrackIDs: [2, 3, 4],
                                                  streamIDExtensionID: 10)])
    }

    @Test func noLayoutWithoutRIDsOrTheStreamIDExtension() {
        #expect(WebRTCEndpoint.simulcastLayouts([Self.video(index: 0, rids: [])]).isEmpty)
        #expect(WebRTCEndpoint.simulcastLayouts([Self.video(index: 0, rids: ["a", "b"], streamIDExtension: nil)]).isEmpty)
        #expect(WebRTCEndpoint.simulcastLayouts([Self.video(index: 0, rids: ["a", "b"], streamIDExtension: 300)]).isEmpty)
    }

    @Test func twoLayeredSectionsGetDistinctIDs() {
        let layouts = WebRTCEndpoint.simulcastLayouts([Self.video(index: 0, rids: ["a", "b"]), Self.video(index: 1, rids: ["c", "d"])])
        #expect(layouts.map(\.layerTrackIDs) == [[2, 3], [4, 5]])
    }
}
