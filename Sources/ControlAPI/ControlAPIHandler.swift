import Logging
import OpenAPIRuntime
import Runtime
import Server

/// The control API (docs/openapi.yaml): the generated `APIProtocol` (Generated/) implemented on
/// the gateway. Paths and reloads go through `PathControl`; sessions and recordings are read
/// from the gateway's own counters.
struct ControlAPIHandler: APIProtocol {
    let gateway: Gateway
    let control: PathControl
    let logger: Logger

    typealias Schemas = Components.Schemas

    // MARK: Paths

    func listPaths(_ input: Operations.ListPaths.Input) async throws -> Operations.ListPaths.Output {
        .ok(.init(body: .json(await control.paths().map(Self.info))))
    }

    func createPath(_ input: Operations.CreatePath.Input) async throws -> Operations.CreatePath.Output {
        guard case .json(let body) = input.body else { return .unprocessableContent(Self.error("expected JSON")) }
        let request = PathControl.PathInput(source: body.source, forwards: body.forward ?? [], record: body.record,
                                            access: Self.access(readToken: body.readToken, publishToken: body.publishToken,
                                                                readUsers: body.readUsers, publishUsers: body.publishUsers),
                                            data: body.data)
        do {
            return .created(.init(body: .json(Self.info(try await control.create(name: body.name, request)))))
        } catch {
            switch error {
            case .conflict(let text): return .conflict(Self.error(text))
            case .invalid(let text), .notFound(let text): return .unprocessableContent(Self.error(text))
            }
        }
    }

    func getPath(_ input: Operations.GetPath.Input) async throws -> Operations.GetPath.Output {
        do { return .ok(.init(body: .json(Self.info(try await control.path(named: input.path.name))))) } catch {
            return .notFound(Self.error(error.description))
        }
    }

    func putPath(_ input: Operations.PutPath.Input) async throws -> Operations.PutPath.Output {
        guard case .json(let body) = input.body else { return .unprocessableContent(Self.error("expected JSON")) }
        let request = PathControl.PathInput(source: body.source, forwards: body.forward ?? [], record: body.record,
                                            access: Self.access(readToken: body.readToken, publishToken: body.publishToken,
                                                                readUsers: body.readUsers, publishUsers: body.publishUsers),
                                            data: body.data)
        do {
            let (status, created) = try await control.put(name: input.path.name, request)
            return created ? .created(.init(body: .json(Self.info(status)))) : .ok(.init(body: .json(Self.info(status))))
        } catch {
            switch error {
            case .conflict(let text): return .conflict(Self.error(text))
            case .invalid(let text), .notFound(let text): return .unprocessableContent(Self.error(text))
            }
        }
    }

    func patchPath(_ input: Operations.PatchPath.Input) async throws -> Operations.PatchPath.Output {
        guard case .json(let body) = input.body else { return .unprocessableContent(Self.error("expected JSON")) }
        // An empty `record` stops recording.
        var record: String?? = nil
        if let text = body.record { record = .some(text.isEmpty ? nil : text) }
        // An empty token or `data` removes it.
        func emptyRemoves(_ text: String?) -> String?? { text.map { $0.isEmpty ? nil : $0 } }
        let patch = PathControl.PathPatch(source: body.source, forwards: body.forward, record: record,
                                          readToken: emptyRemoves(body.readToken), publishToken: emptyRemoves(body.publishToken),
                                          readUsers: body.readUsers, publishUsers: body.publishUsers,
                                          data: emptyRemoves(body.data))
        do { return .ok(.init(body: .json(Self.info(try await control.patch(name: input.path.name, patch))))) } catch {
            switch error {
            case .notFound(let text): return .notFound(Self.error(text))
            case .conflict(let text): return .conflict(Self.error(text))
            case .invalid(let text): return .unprocessableContent(Self.error(text))
            }
        }
    }

    func deletePath(_ input: Operations.DeletePath.Input) async throws -> Operations.DeletePath.Output {
        do {
            try await control.delete(name: input.path.name)
            return .noContent(.init())
        } catch {
            switch error {
            case .notFound(let text), .invalid(let text): return .notFound(Self.error(text))
            case .conflict(let text): return .conflict(Self.error(text))
            }
        }
    }

    // MARK: Sessions and recordings

    func listSessions(_ input: Operations.ListSessions.Input) async throws -> Operations.ListSessions.Output {
        let live = await gateway.transport.sessionTotals().live.sorted { ($0.pathName, $0.id) < ($1.pathName, $1.id) }
        let webRTC = live.map { session in
            let receptions = session.receptions
            let isPublisher = session.role == "whip"
            return Schemas.SessionInfo(
                id: session.id, path: session.pathName, kind: isPublisher ? .whip : .whep,
                action: isPublisher ? .publish : .read,
                remoteAddress: session.remoteAddress, connected: session.isConnected,
                bytesSent: session.counters.bytesSent, packetsSent: session.counters.packetsSent,
                packetsReceived: session.counters.packetsReceived, nacksReceived: session.counters.nacksReceived,
                roundTripSeconds: receptions.compactMap { $0.roundTripTime.map(Self.seconds) }.max(),
                fractionLost: receptions.map(\.fractionLost).max())
        }
        let rtsp = (await gateway.rtspServer?.sessions() ?? []).sorted { ($0.path, $0.id) < ($1.path, $1.id) }.map { session in
            Schemas.SessionInfo(
                id: session.id, path: session.path, kind: .rtsp, action: session.reads ? .read : .publish,
                transport: session.transport, startedAt: session.startedAt, bytesReceived: session.bytesReceived,
                remoteAddress: session.remoteAddress, connected: true, bytesSent: session.bytesSent,
                packetsSent: session.packetsSent, packetsReceived: session.packetsReceived)
        }
        return .ok(.init(body: .json(webRTC + rtsp)))
    }

    func deleteSession(_ input: Operations.DeleteSession.Input) async throws -> Operations.DeleteSession.Output {
        let id = input.path.id
        if id.hasPrefix("rtsp-") {
            guard let server = gateway.rtspServer, await server.closeSession(id: id) else {
                return .notFound(Self.error("no session '\(id)'"))
            }
            return .noContent(.init())
        }
        guard let endpoint = gateway.webrtc,
              await endpoint.closeSession(metricsID: id, reason: "ended by the control API") else {
            return .notFound(Self.error("no session '\(id)'"))
        }
        logger.info("session ended by the control API", metadata: ["session": "\(input.path.id)"])
        return .noContent(.init())
    }

    func listRecordings(_ input: Operations.ListRecordings.Input) async throws -> Operations.ListRecordings.Output {
        var recordings: [Schemas.RecordingInfo] = []
        for recorder in gateway.recorders {
            let stats = await recorder.stats()
            recordings.append(.init(path: recorder.path.name, directory: recorder.configuration.root,
                                    format: "\(recorder.configuration.format)", filesFinished: stats.filesFinished,
                                    droppedBytes: stats.droppedBytes))
        }
        return .ok(.init(body: .json(recordings)))
    }

    // MARK: Reload

    func reload(_ input: Operations.Reload.Input) async throws -> Operations.Reload.Output {
        do {
            let report = try await control.reload()
            return .ok(.init(body: .json(.init(added: report.added, removed: report.removed, changed: report.changed,
                                               unchanged: report.unchanged, failed: report.failed))))
        } catch {
            switch error {
            case .conflict(let text), .notFound(let text): return .conflict(Self.error(text))
            case .invalid(let text): return .unprocessableContent(Self.error(text))
            }
        }
    }

    // MARK: Helpers

    /// A path's access from a request body (an empty token is none).
    static func access(readToken: String?, publishToken: String?, readUsers: [String]?, publishUsers: [String]?) -> PathAccess {
        PathAccess(readToken: readToken.flatMap { $0.isEmpty ? nil : $0 }, publishToken: publishToken.flatMap { $0.isEmpty ? nil : $0 },
                   readUsers: readUsers ?? [], publishUsers: publishUsers ?? [])
    }

    static func info(_ status: PathControl.PathStatus) -> Schemas.PathInfo {
        Schemas.PathInfo(name: status.name, source: status.source,
                         origin: Schemas.PathInfo.OriginPayload(rawValue: status.origin.rawValue) ?? .api,
                         ready: status.isReady, readers: status.readers, forward: status.forwards, record: status.record,
                         data: status.data)
    }

    /// The JSON error body every 4xx answer carries.
    static func error<Response: ErrorResponse>(_ text: String) -> Response { Response(json: .init(error: text)) }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The generated error responses (401, 404, 409, 422) share one shape: `{"error": "…"}`.
protocol ErrorResponse {
    init(json: Components.Schemas.ApiError)
}

extension Components.Responses.Unauthorized: ErrorResponse {
    init(json: Components.Schemas.ApiError) { self.init(body: .json(json)) }
}

extension Components.Responses.NotFound: ErrorResponse {
    init(json: Components.Schemas.ApiError) { self.init(body: .json(json)) }
}

extension Components.Responses.Conflict: ErrorResponse {
    init(json: Components.Schemas.ApiError) { self.init(body: .json(json)) }
}

extension Components.Responses.Unprocessable: ErrorResponse {
    init(json: Components.Schemas.ApiError) { self.init(body: .json(json)) }
}
