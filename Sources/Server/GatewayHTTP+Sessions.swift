import Foundation
import HTTPTypes
import Hummingbird
import RTCBase

extension GatewayHTTP {
    /// `GET /api/sessions[?path=NAME]`: the live WebRTC sessions with the numbers the stats pages
    /// (`/sessions`, `/{path}/stats`) plot. Read at request time from the same session counters as
    /// `/metrics` (`MetricsCollector.sample`), so the media path does no extra work. Protected
    /// like `/metrics`: no CORS headers, and a token (static, JWT or webhook) when one is configured. Sessions
    /// are named by their metrics id, never by their resource id.
    func sessions(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try await authorize(request, context: context, path: "api/sessions", action: .read, protocol: .api)
        let filter = request.uri.queryParameters.get("path")
        let live = await gateway.transport.sessionTotals().live
        let samples = live.map(MetricsCollector.sample)
            .filter { filter == nil || $0.path == filter }
            .sorted { ($0.path, $0.id) < ($1.path, $1.id) }
        let uptime = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        let object: [String: Any] = ["time": uptime, "sessions": samples.map(Self.json)]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: .init(bytes: data)))
    }

    static func json(_ s: MetricsSnapshot.SessionSample) -> [String: Any] {
        let optional: (Double?) -> Any = { $0.map { $0 as Any } ?? NSNull() }
        return ["id": s.id, "path": s.path, "role": s.role, "srtpProfile": s.srtpProfile.map { $0 as Any } ?? NSNull(),
                "candidateType": s.candidateType, "packetsSent": s.counters.packetsSent, "bytesSent": s.counters.bytesSent,
                "packetsReceived": s.counters.packetsReceived, "nacksReceived": s.counters.nacksReceived,
                "nacksSent": s.counters.nacksSent, "keyframeRequestsReceived": s.counters.keyframeRequestsReceived,
                "retransmissions": s.counters.retransmissions,
                "readerDroppedUnits": s.readerDroppedUnits, "roundTripSeconds": optional(s.roundTripSeconds),
                "jitterSeconds": optional(s.jitterSeconds), "fractionLost": optional(s.fractionLost),
                "packetsLost": s.packetsLost.map { $0 as Any } ?? NSNull(),
                "keyframeWaitSeconds": optional(s.keyframeWaitSeconds),
                "freezes": s.freezes.map { $0.freezes as Any } ?? NSNull(),
                "frozenSeconds": optional(s.freezes.map(\.frozen.secondsDouble)),
                "keyframeWaitingSeconds": optional(s.freezes.map(\.keyframeWaiting.secondsDouble))]
    }
}
