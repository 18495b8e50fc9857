import HTTPTypes
import Hummingbird

/// CORS for WHIP/WHEP players on other origins: answers a resource's preflight with 204 and adds
/// the allow/expose headers a browser needs to read `Location` and `ETag` (RFC 9725 §4.1 note).
/// Only the WHIP/WHEP resources (`/{path}/whep`, `/{path}/whip` and their sessions) take part, and
/// only for the configured origins: pages, `/api/…` and everything else stay same-origin.
struct WHEPCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let origins: [String]
    /// Extra headers of an OPTIONS answer (the ICE servers' `Link` headers for a caller allowed to see them).
    var optionsHeaders: @Sendable (Request, Context) -> [HTTPField] = { _, _ in [] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard isWebRTCResource(request.uri.path) else { return try await next(request, context) }
        let origin = request.headers[.origin]
        if request.method == .options {
            var response = Response(status: .noContent)
            addHeaders(&response.headers, origin: origin)
            response.headers[.accessControlAllowMethods] = "GET, POST, PATCH, DELETE, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Content-Type, Authorization, If-Match"
            response.headers[.accessControlMaxAge] = "600"
            response.headers[.rtcAcceptPatch] = "application/trickle-ice-sdpfrag"
            response.headers[.rtcAllow] = "GET, POST, PATCH, DELETE, OPTIONS"
            response.headers.append(contentsOf: optionsHeaders(request, context))
            return response
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            response = Response(status: error.status, headers: error.headers,
                                body: .init(byteBuffer: .init(string: (error.body ?? error.status.reasonPhrase) + "\n")))
        }
        addHeaders(&response.headers, origin: origin)
        return response
    }

    private func addHeaders(_ headers: inout HTTPFields, origin: String?) {
        if origins.contains("*") {
            headers[.accessControlAllowOrigin] = "*"
        } else if let origin, origins.contains(origin) {
            headers[.accessControlAllowOrigin] = origin
            headers[.vary] = "Origin"
        } else {
            return
        }
        headers[.accessControlExposeHeaders] = "Location, ETag, Link, Accept-Patch"
    }
}

/// True for `/{path}/whep|whip` and `/{path}/whep|whip/{id}`, the URLs CORS covers.
func isWebRTCResource(_ path: String) -> Bool {
    let segments = path.split(separator: "/")
    guard segments.first != "api", segments.count == 2 || segments.count == 3 else { return false }
    return segments[1] == "whep" || segments[1] == "whip"
}
