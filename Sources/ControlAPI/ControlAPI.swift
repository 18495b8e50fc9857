import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import RTCBase
import Runtime
import Server

/// The control API under `/v1` (docs/openapi.yaml; the server code in Generated/ comes from
/// swift-openapi-generator, see README "Control API"). Every request needs the admin token as a
/// bearer token (401 otherwise); without an admin token the API is not registered at all.
public struct ControlAPI: Sendable {
    let handler: ControlAPIHandler
    let adminToken: String
    let logger: Logger

    public init(gateway: Gateway, control: PathControl, adminToken: String, logger: Logger) {
        self.handler = ControlAPIHandler(gateway: gateway, control: control, logger: logger)
        self.adminToken = adminToken
        self.logger = logger
    }

    /// Adds the `/v1/…` routes to the gateway's router.
    public func register<Context: RequestContext>(on router: Hummingbird.Router<Context>) throws {
        try handler.registerHandlers(on: router, middlewares: [AdminTokenMiddleware(token: adminToken, logger: logger),
                                                               RequestErrorMiddleware()])
    }
}

/// 401 with a JSON error body unless the request carries `Authorization: Bearer <admin token>`
/// (compared in constant time).
struct AdminTokenMiddleware: ServerMiddleware {
    let token: String
    let logger: Logger

    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        let presented = request.headerFields[.authorization].flatMap(bearerToken(fromAuthorization:)) ?? ""
        guard constantTimeEquals(presented, token) else {
            logger.notice("refused \(request.method) \(request.path ?? ""): missing or wrong admin token")
            var response = HTTPResponse(status: .unauthorized)
            response.headerFields[.wwwAuthenticate] = "Bearer"
            response.headerFields[.contentType] = "application/json"
            return (response, HTTPBody(#"{"error":"missing or wrong admin token"}"#))
        }
        return try await next(request, body, metadata)
    }
}

/// A request the generated code cannot decode (bad JSON, a missing field, a body too large)
/// gets 400 with the reason as a JSON error body, instead of 500.
struct RequestErrorMiddleware: ServerMiddleware {
    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        do { return try await next(request, body, metadata) } catch {
            let reason = (error as? ServerError).map { "\($0.underlyingError)" } ?? "\(error)"
            let data = (try? JSONEncoder().encode(["error": "bad request: \(reason)"])) ?? Data()
            var response = HTTPResponse(status: .badRequest)
            response.headerFields[.contentType] = "application/json"
            return (response, HTTPBody(data))
        }
    }
}
