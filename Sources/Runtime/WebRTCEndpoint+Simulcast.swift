import Ingest
import SDP

extension WebRTCEndpoint {
    /// Most simulcast layers accepted per video section unless configured otherwise.
    public static let defaultSimulcastMaxLayers = SimulcastNegotiation.defaultMaxLayers

    /// How each accepted video section that negotiated simulcast (its rids and the rtp-stream-id
    /// extension) is split into layers. Layer track ids follow the sections' ids, so they are
    /// unique within the publisher's tracks.
    static func simulcastLayouts(_ media: [NegotiatedMedia]) -> [SimulcastIngestLayout] {
        var nextID = (media.map(\.index).max() ?? 0) + 1
        var layouts: [SimulcastIngestLayout] = []
        for m in media where m.accepted && m.kind == .video && !m.simulcastRIDs.isEmpty {
            guard let pt = m.payloadType, let extensionID = m.streamIDExtensionID.flatMap({ UInt8(exactly: $0) }) else {
                continue
            }
            let ids = Array(nextID..<(nextID + m.simulcastRIDs.count))
            nextID += m.simulcastRIDs.count
            layouts.append(SimulcastIngestLayout(payloadType: pt, rids: m.simulcastRIDs, layerTrackIDs: ids,
                                                 streamIDExtensionID: extensionID))
        }
        return layouts
    }
}
