import Auth
import HTTPTypes
import Hummingbird

extension GatewayHTTP {
    /// `GET /metrics`: the Prometheus text exposition (version 0.0.4). Like `/api/stats` it has no
    /// CORS headers; when a global token is configured (`--token`, `http.token`) it needs
    /// `Authorization: Bearer <token>` too (Prometheus: `authorization: { credentials: … }`).
    /// With JWT or a webhook configured it is authorized like the API (`protocol: api`).
    func scrape(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        try await authorize(request, context: context, path: "metrics", action: .read, protocol: .api)
        let text = metrics.render(await MetricsCollector(gateway: gateway).snapshot())
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: .init(string: text)))
    }
}
