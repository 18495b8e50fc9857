import Auth
import HTTPTypes
import Hummingbird

extension GatewayHTTP {
    /// Asks the authorizer with the `Authorization: Bearer` token (never a URL parameter: URLs
    /// end up in logs); 401 with the reason (never the token), or 429 with `Retry-After` once the
    /// client's address failed too often.
    func authorize(_ request: Request, context: GatewayRequestContext, path: String, action: AuthAction,
                   protocol kind: AuthProtocol) async throws {
        let token = request.headers[.authorization].flatMap(bearerToken(fromAuthorization:))
        let client = context.clientAddress
        let decision = await authorizer.authorize(AuthRequest(path: path, action: action, protocol: kind, clientIP: client, token: token))
        guard case .deny(let denial) = decision else { return }
        if denial == .rateLimited {
            logger.notice("refused \(request.method) \(request.uri.path): \(denial.rawValue)", metadata: ["client": "\(client)"])
            throw HTTPError(.tooManyRequests, headers: [.rtcRetryAfter: "\(authorizer.retryAfterSeconds(client))"],
                            message: denial.rawValue)
        }
        let reason = denial == .missingCredentials || denial == .wrongToken ? "missing or wrong bearer token" : denial.rawValue
        logger.notice("refused \(request.method) \(request.uri.path): \(reason)")
        throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: reason)
    }
}
