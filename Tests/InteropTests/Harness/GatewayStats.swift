/// The JSON of the gateway's `GET /api/stats`:
/// `{"paths":[{"name","ready","readers","unitsIn","bytesIn"}],
///   "webrtc":{"sessions","droppedDatagrams","srtpAuthFailures","stunRejected","sendErrors","bufferFullDrops",
///   "iceAddressChanges","iceProbesSent","iceMovesRefused","iceProbesSuppressed"}}`.
struct GatewayStats: Decodable, Sendable {
    struct Path: Decodable, Sendable {
        let name: String
        let ready: Bool
        let readers: Int
        let unitsIn: Int
        let bytesIn: Int
    }

    struct WebRTC: Decodable, Sendable {
        let sessions: Int
        let droppedDatagrams: Int
        let srtpAuthFailures: Int
        let stunRejected: Int
        /// Datagrams the kernel refused to send, and of those the ones a full send buffer dropped.
        let sendErrors: Int
        let bufferFullDrops: Int
        /// ICE: media moved to a viewer's new address; our probes of nominated addresses; moves
        /// refused (probe unanswered); nominations not probed (cooldown, budget).
        let iceAddressChanges: Int
        let iceProbesSent: Int
        let iceMovesRefused: Int
        let iceProbesSuppressed: Int
    }

    let paths: [Path]
    let webrtc: WebRTC

    func path(_ name: String) -> Path? {
        paths.first { $0.name == name }
    }
}
