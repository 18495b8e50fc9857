import Auth
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import RTCBase
import Runtime

/// WHIP (RFC 9725) and WHEP resources: POST an offer, PATCH trickle/restart fragments, DELETE.
extension GatewayHTTP {
    /// The path's publish (WHIP) or read (WHEP) check: 401, or 429 once the address failed too often.
    func authorize(_ request: Request, context: GatewayRequestContext, path: String, role: WebRTCEndpoint.Role) async throws {
        try await authorize(request, context: context, path: path, action: role == .publisher ? .publish : .read,
                            protocol: role == .publisher ? .whip : .whep)
    }

    func post(_ request: Request, context: GatewayRequestContext, role: WebRTCEndpoint.Role) async throws -> Response {
        let pathName = try context.parameters.require("path")
        try await authorize(request, context: context, path: pathName, role: role)
        let offer = try await body(of: request, type: "application/sdp", what: "SDP offer")
        let answer: WebRTCEndpoint.Answer
        do {
            switch role {
            case .viewer: answer = try await gateway.webrtc.createViewer(pathName: pathName, offer: offer,
                                                                         client: context.clientAddress)
            case .publisher: answer = try await gateway.webrtc.createPublisher(pathName: pathName, offer: offer,
                                                                               client: context.clientAddress)
            }
        } catch {
            logger.info("\(role.rawValue.uppercased()) offer refused", metadata: ["path": "\(pathName)", "reason": "\(error)"])
            throw error.httpError
        }
        var headers: HTTPFields = [
            .contentType: "application/sdp",
            .location: "/\(pathName)/\(role.rawValue)/\(answer.resourceID)",
            .eTag: answer.etag,
            .rtcAcceptPatch: "application/trickle-ice-sdpfrag",
        ]
        headers.append(contentsOf: iceServerLinks())
        return Response(status: .created, headers: headers, body: .init(byteBuffer: .init(string: answer.sdp)))
    }

    func patch(_ request: Request, context: GatewayRequestContext, role: WebRTCEndpoint.Role) async throws -> Response {
        let pathName = try context.parameters.require("path")
        try await authorize(request, context: context, path: pathName, role: role)
        let id = try context.parameters.require("id")
        let fragment = try await body(of: request, type: "application/trickle-ice-sdpfrag", what: "ICE fragment")
        let result: WebRTCEndpoint.PatchResult
        do {
            result = try await gateway.webrtc.patch(id: id, pathName: pathName, role: role, ifMatch: request.headers[.ifMatch],
                                                 fragmentText: fragment)
        } catch {
            throw error.httpError
        }
        switch result {
        case .accepted(let etag):
            return Response(status: .noContent, headers: [.eTag: etag])
        case .restarted(let fragment, let etag):
            return Response(status: .ok, headers: [.contentType: "application/trickle-ice-sdpfrag", .eTag: etag],
                            body: .init(byteBuffer: .init(string: fragment)))
        }
    }

    /// The request body as text, after checking its type (415) and size (413).
    private func body(of request: Request, type: String, what: String) async throws -> String {
        let contentType = request.headers[.contentType]?.split(separator: ";").first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == type else {
            throw HTTPError(.unsupportedMediaType, message: "Content-Type must be \(type)")
        }
        var request = request
        do {
            return String(buffer: try await request.collectBody(upTo: settings.maxOfferBytes))
        } catch {
            throw HTTPError(.contentTooLarge, message: "\(what) larger than \(settings.maxOfferBytes) bytes")
        }
    }
}

extension WebRTCEndpointError {
    /// The HTTP answer for a refused request: status plus a one-line reason.
    var httpError: HTTPError {
        switch self {
        case .badRequest: return HTTPError(.badRequest, message: description)
        case .unknownPath, .unknownSession: return HTTPError(.notFound, message: description)
        case .notReady: return HTTPError(.serviceUnavailable, headers: [.rtcRetryAfter: "1"], message: description)
        case .notAcceptable: return HTTPError(.notAcceptable, message: description)
        case .busy: return HTTPError(.conflict, message: description)
        case .preconditionFailed: return HTTPError(.preconditionFailed, message: description)
        case .preconditionRequired: return HTTPError(.preconditionRequired, message: description)
        case .serviceUnavailable: return HTTPError(.serviceUnavailable, message: description)
        case .tooManySessions: return HTTPError(.tooManyRequests, headers: [.rtcRetryAfter: "5"], message: description)
        }
    }
}
