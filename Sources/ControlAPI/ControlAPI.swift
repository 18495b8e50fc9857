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
    /// Request bodies past this many bytes get 413 (`api.maxBodyBytes`).
    let maxBodyBytes: Int
    let logger: Logger

    public init(gateway: Gateway, control: PathControl, adminToken: String, maxBodyBytes: Int = ControlAPISettings.defaultMaxBodyBytes,
                logger: Logger) {
        self.handler = ControlAPIHandler(gateway: gateway, control: control, logger: logger)
        self.adminToken = adminToken
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    /// Adds the `/v1/…` routes to the gateway's router.
    public func register<Context: RequestContext>(on router: Hummingbird.Router<Context>) throws {
        try handler.registerHandlers(on: router, middlewares: [AdminTokenMiddleware(token: adminToken, logger: logger),
                                                               BodyLimitMiddleware(maxBytes: maxBodyBytes),
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

/// 413 for a request body past `maxBytes` (the generated code would buffer any size); the body
/// is read here, after the admin token was checked, and handed on as bytes.
struct BodyLimitMiddleware: ServerMiddleware {
    let maxBytes: Int

    func intercept(_ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
                   next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?))
        async throws -> (HTTPResponse, HTTPBody?) {
        guard let body else { return try await next(request, nil, metadata) }
        let bytes: [UInt8]
        do { bytes = try await [UInt8](collecting: body, upTo: maxBytes) } catch {
            var response = HTTPResponse(status: .contentTooLarge)
            response.headerFields[.contentType] = "application/json"
            return (response, HTTPBody(#"{"error":"request body larger than \#(maxBytes) bytes"}"#))
        }
        return try await next(request, HTTPBody(bytes), metadata)
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
