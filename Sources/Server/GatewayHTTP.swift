import Auth
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

/// The HTTP face of the gateway: WHEP and WHIP resources (`POST /{path}/whep|whip`, `PATCH` and
/// `DELETE` on `/{path}/whep|whip/{id}`), the player (`GET /{path}/`) and publisher
/// (`GET /{path}/publish`) pages, the index (`GET /`), static files and `GET /api/stats`.
public struct GatewayHTTP: Sendable {
    let gateway: Gateway
    let settings: HTTPSettings
    let logger: Logger
    let pages: WebPages
    /// Counts open HTTP connections and refuses those past `settings.maxConnections`.
    let connectionCap: HTTPConnectionCap
    /// `GET /metrics` (Prometheus text format).
    let metrics: MetricsExporter
    /// Static tokens, JWT, webhook and the failed-attempt limiter (`GatewayAuthorizer.make`);
    /// without one, the static tokens of `settings`.
    let authorizer: GatewayAuthorizer

    public init(gateway: Gateway, settings: HTTPSettings, logger: Logger, authorizer: GatewayAuthorizer? = nil) throws {
        self.gateway = gateway
        self.settings = settings
        self.logger = logger
        self.authorizer = authorizer ?? GatewayAuthorizer(staticTokensOf: settings, logger: logger)
        self.pages = try WebPages()
        self.connectionCap = HTTPConnectionCap(limit: settings.maxConnections, logger: logger)
        self.metrics = MetricsExporter(maxSessionSeries: settings.maxSessionSeries)
    }

    /// The handler to put in every HTTP connection's pipeline (see `HTTPConnectionCap`).
    public func makeConnectionCapHandler() -> any RemovableChannelHandler { connectionCap.makeHandler() }

    public func makeRouter() -> Hummingbird.Router<GatewayRequestContext> {
        let router = Hummingbird.Router(context: GatewayRequestContext.self)
        router.add(middleware: WHEPCORSMiddleware(origins: settings.corsOrigins) { request, context in
            optionsLinks(request, context: context)
        })
        router.get("/") { _, _ in pages.response(named: "index.html") }
        router.get("/static/{file}") { _, context in
            let file = try context.parameters.require("file")
            return pages.response(named: file)
        }
        router.get("/api/stats") { request, context in
            // Open or not: `AuthPolicy.isOpen`.
            try await authorize(request, context: context, path: AuthPolicy.statsPath, action: .read, protocol: .api)
            return try await stats()
        }
        router.get("/metrics") { request, context in try await scrape(request, context: context) }
        router.get("/api/sessions") { request, context in try await sessions(request, context: context) }
        router.get("/sessions") { _, _ in pages.response(named: "stats.html") }
        router.get("/{path}/stats") { _, _ in pages.response(named: "stats.html") }
        // "/{path}" and "/{path}/" are one route in Hummingbird; the page derives its WHEP URL itself.
        router.get("/{path}") { _, context in
            pages.playerPage(hasDataDevice: gateway.dataDevices[try context.parameters.require("path")] != nil)
        }
        router.get("/{path}/publish") { _, _ in pages.response(named: "publish.html") }
        for role in [WebRTCEndpoint.Role.viewer, .publisher] {
            let segment = role.rawValue
            router.post("/{path}/\(segment)") { request, context in try await post(request, context: context, role: role) }
            router.patch("/{path}/\(segment)/{id}") { request, context in try await patch(request, context: context, role: role) }
            router.delete("/{path}/\(segment)/{id}") { request, context in
                let pathName = try context.parameters.require("path")
                try await authorize(request, context: context, path: pathName, role: role)
                let id = try context.parameters.require("id")
                do { try await gateway.webrtc.delete(id: id, pathName: pathName, role: role) } catch let error as WebRTCEndpointError {
                    throw error.httpError
                }
                return Response(status: .ok)
            }
        }
        return router
    }

    private func stats() async throws -> Response {
        let totals = await gateway.transport.counters()
        let (sessions, counters, unrouted) = (totals.sessions, totals.counters, totals.unrouted)
        var paths: [[String: Any]] = []
        for path in gateway.router.paths.sorted(by: { $0.name < $1.name }) {
            let s = path.stats
            var entry: [String: Any] = ["name": path.name, "ready": path.isReady, "readers": s.readers,
                                        "unitsIn": s.unitsIn, "packetsIn": s.packetsIn, "bytesIn": s.bytesIn]
            if let source = gateway.rtpIngestSources[path.name] {
                let ingest = await source.stats()
                entry["rtpIngest"] = ["packetsIn": ingest.packetsIn, "malformed": ingest.malformed,
                                      "foreignDatagrams": ingest.foreignDatagrams, "restarts": ingest.restarts,
                                      "lockedSource": ingest.lockedSource.map { $0 as Any } ?? NSNull()]
            }
            if let data = await Self.dataStats(path, device: gateway.dataDevices[path.name]) { entry["data"] = data }
            if let source = gateway.mpegTSSources[path.name] { entry["mpegTS"] = await Self.mpegTSStats(source) }
            paths.append(entry)
        }
        let outputs = await MetricsCollector(gateway: gateway).outputs().0.map { output -> [String: Any] in
            ["kind": output.kind, "path": output.path, "target": output.target, "packets": output.packets,
             "bytes": output.bytes, "dropped": output.dropped, "files": output.files]
        }
        let object: [String: Any] = [
            "paths": paths,
            "outputs": outputs,
            "webrtc": ["sessions": sessions, "droppedDatagrams": counters.droppedDatagrams + unrouted,
                       "unroutedDatagrams": unrouted, "stunRejected": counters.stunRejected,
                       "srtpAuthFailures": counters.srtpAuthFailures, "srtpReplays": counters.srtpReplays,
                       "rtcpMalformed": counters.rtcpMalformed,
                       "packetsSent": counters.packetsSent, "bytesSent": counters.bytesSent,
                       "nacksReceived": counters.nacksReceived, "nacksSent": counters.nacksSent,
                       "retransmissions": counters.retransmissions,
                       "retransmissionsRefused": counters.retransmissionsRefused,
                       "retransmissionsOnRTX": counters.retransmissionsOnRTX,
                       "retransmissionsReceived": counters.retransmissionsReceived,
                       "retransmissionsUnmatched": counters.retransmissionsUnmatched,
                       "retransmissionsRedundant": counters.retransmissionsRedundant,
                       "keyframeRequestsReceived": counters.keyframeRequestsReceived,
                       "iceAddressChanges": counters.iceAddressChanges, "iceProbesSent": counters.iceProbesSent,
                       "iceMovesRefused": counters.iceMovesRefused, "iceProbesSuppressed": counters.iceProbesSuppressed,
                       "sendErrors": totals.sendErrors, "bufferFullDrops": totals.bufferFullDrops],
            "webrtcTCP": Self.tcpStats(gateway.transport),
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
