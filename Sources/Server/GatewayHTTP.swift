import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Routing
import Runtime

extension HTTPField.Name {
    static let rtcAcceptPatch = HTTPField.Name("Accept-Patch")!
    static let rtcAllow = HTTPField.Name("Allow")!
    static let rtcLink = HTTPField.Name("Link")!
    static let rtcRetryAfter = HTTPField.Name("Retry-After")!
}

/// The HTTP face of the gateway: WHEP (`POST /{path}/whep`, `DELETE /{path}/whep/{id}`),
/// the player page (`GET /{path}/`), the index (`GET /`), static files and `GET /api/stats`.
public struct GatewayHTTP: Sendable {
    let gateway: Gateway
    let settings: HTTPSettings
    let logger: Logger
    let pages: WebPages

    public init(gateway: Gateway, settings: HTTPSettings, logger: Logger) throws {
        self.gateway = gateway
        self.settings = settings
        self.logger = logger
        self.pages = try WebPages()
    }

    public func makeRouter() -> Hummingbird.Router<BasicRequestContext> {
        let router = Hummingbird.Router()
        router.add(middleware: WHEPCORSMiddleware(origins: settings.corsOrigins))
        router.get("/") { _, _ in pages.response(named: "index.html") }
        router.get("/static/{file}") { _, context in
            let file = try context.parameters.require("file")
            return pages.response(named: file)
        }
        router.get("/api/stats") { _, _ in try await stats() }
        // "/{path}" and "/{path}/" are one route in Hummingbird; the page derives its WHEP URL itself.
        router.get("/{path}") { _, _ in pages.response(named: "player.html") }
        router.post("/{path}/whep") { request, context in try await postWHEP(request, context: context) }
        router.delete("/{path}/whep/{id}") { request, context in
            try authorize(request)
            let id = try context.parameters.require("id")
            do { try await gateway.whep.deleteViewer(id: id) } catch {
                throw HTTPError(.notFound, message: "\(error)")
            }
            return Response(status: .ok)
        }
        router.patch("/{path}/whep/{id}") { _, _ in
            Response(status: .methodNotAllowed, headers: [.rtcAllow: "DELETE, OPTIONS"],
                     body: .init(byteBuffer: .init(string: "PATCH (trickle ICE / ICE restart) is not supported yet\n")))
        }
        return router
    }

    private func authorize(_ request: Request) throws {
        guard let token = settings.bearerToken else { return }
        let header = request.headers[.authorization] ?? ""
        let presented = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : ""
        guard constantTimeEquals(presented, token) else {
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "missing or wrong bearer token")
        }
    }

    private func postWHEP(_ request: Request, context: BasicRequestContext) async throws -> Response {
        try authorize(request)
        let pathName = try context.parameters.require("path")
        let contentType = request.headers[.contentType]?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == "application/sdp" else {
            throw HTTPError(.unsupportedMediaType, message: "Content-Type must be application/sdp")
        }
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: settings.maxOfferBytes) } catch {
            throw HTTPError(.contentTooLarge, message: "SDP offer larger than \(settings.maxOfferBytes) bytes")
        }
        let offer = String(buffer: body)
        let answer: WHEPService.Answer
        do {
            answer = try await gateway.whep.createViewer(pathName: pathName, offer: offer)
        } catch {
            logger.info("WHEP offer refused", metadata: ["path": "\(pathName)", "reason": "\(error)"])
            switch error {
            case .badRequest: throw HTTPError(.badRequest, message: error.description)
            case .unknownPath, .unknownSession: throw HTTPError(.notFound, message: error.description)
            case .notReady: throw HTTPError(.serviceUnavailable, headers: [.rtcRetryAfter: "1"], message: error.description)
            case .notAcceptable: throw HTTPError(.notAcceptable, message: error.description)
            case .serviceUnavailable: throw HTTPError(.serviceUnavailable, message: error.description)
            }
        }
        var headers: HTTPFields = [
            .contentType: "application/sdp",
            .location: "/\(pathName)/whep/\(answer.resourceID)",
            .eTag: answer.etag,
            .rtcAcceptPatch: "application/trickle-ice-sdpfrag",
        ]
        for server in settings.iceServers {
            headers.append(HTTPField(name: .rtcLink, value: "<\(server)>; rel=\"ice-server\""))
        }
        return Response(status: .created, headers: headers, body: .init(byteBuffer: .init(string: answer.sdp)))
    }

    private func stats() async throws -> Response {
        let (sessions, counters, unrouted) = await gateway.transport.counters()
        var paths: [[String: Any]] = []
        for path in gateway.router.paths.sorted(by: { $0.name < $1.name }) {
            let s = path.stats
            paths.append(["name": path.name, "ready": path.isReady, "readers": s.readers,
                          "unitsIn": s.unitsIn, "bytesIn": s.bytesIn])
        }
        let object: [String: Any] = [
            "paths": paths,
            "webrtc": ["sessions": sessions, "droppedDatagrams": counters.droppedDatagrams + unrouted,
                       "unroutedDatagrams": unrouted, "stunRejected": counters.stunRejected,
                       "srtpAuthFailures": counters.srtpAuthFailures, "rtcpMalformed": counters.rtcpMalformed,
                       "packetsSent": counters.packetsSent, "bytesSent": counters.bytesSent,
                       "nacksReceived": counters.nacksReceived, "retransmissions": counters.retransmissions,
                       "keyframeRequestsReceived": counters.keyframeRequestsReceived],
        ]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: .init(bytes: data)))
    }
}

/// The web pages shipped in the Server bundle's `Web/` folder, loaded once at start.
struct WebPages: Sendable {
    let files: [String: [UInt8]]

    init() throws {
        var files: [String: [UInt8]] = [:]
        if let dir = Bundle.module.url(forResource: "Web", withExtension: nil) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] {
                if let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path) {
                    files[name] = [UInt8](data)
                }
            }
        }
        self.files = files
    }

    /// Serves a file by exact name from the bundle (no path components are ever interpreted).
    func response(named name: String) -> Response {
        guard let bytes = files[name] else {
            return Response(status: .notFound, body: .init(byteBuffer: .init(string: "no such page\n")))
        }
        let type: String
        switch name.split(separator: ".").last {
        case "html": type = "text/html; charset=utf-8"
        case "js": type = "text/javascript; charset=utf-8"
        case "css": type = "text/css; charset=utf-8"
        case "svg": type = "image/svg+xml"
        default: type = "application/octet-stream"
        }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                        body: .init(byteBuffer: .init(bytes: bytes)))
    }
}
