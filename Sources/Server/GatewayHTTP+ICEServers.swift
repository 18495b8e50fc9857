import Auth
import Foundation
import HTTPTypes
import Hummingbird
import Runtime

/// The ICE servers' `Link: <URL>; rel="ice-server"` headers (RFC 9725 §4.6) on 201 answers and on
/// OPTIONS (pre-flight discovery, so a page can configure its RTCPeerConnection before the offer).
extension GatewayHTTP {
    /// One `Link` header per configured server; TURN REST credentials are made fresh per request.
    func iceServerLinks() -> [HTTPField] {
        let now = UInt64(max(0, Date().timeIntervalSince1970))
        return settings.iceServers.map { HTTPField(name: .rtcLink, value: $0.linkHeaderValue(nowUnixSeconds: now)) }
    }

    /// ICE-TCP counters for `/api/stats` (all zero when `--webrtc-tcp` is off).
    static func tcpStats(_ transport: WebRTCTransport) -> [String: Any] {
        let tcp = transport.tcpCounters
        return ["connections": transport.tcpConnections, "accepted": tcp.accepted, "refused": tcp.refused,
                "badFrames": tcp.badFrames, "unboundClosed": tcp.unboundClosed, "droppedSends": tcp.droppedSends]
    }

    /// The links for `OPTIONS /{path}/whep|whip`: only when the caller could POST there with what
    /// it sent (static tokens or a JWT; a webhook-only policy shows them on the 201 answer only),
    /// so TURN credentials are not handed to anyone. Not counted as a failed attempt.
    func optionsLinks(_ request: Request, context: GatewayRequestContext) -> [HTTPField] {
        guard !settings.iceServers.isEmpty else { return [] }
        let segments = request.uri.path.split(separator: "/")
        guard segments.count == 2, let role = WebRTCEndpoint.Role(rawValue: String(segments[1])) else { return [] }
        let token = request.headers[.authorization].flatMap(bearerToken(fromAuthorization:))
        let allowed = authorizer.authorizeWithoutWebhook(AuthRequest(
            path: String(segments[0]), action: role == .publisher ? .publish : .read,
            protocol: role == .publisher ? .whip : .whep, clientIP: context.clientAddress, token: token))
        return allowed ? iceServerLinks() : []
    }
}
