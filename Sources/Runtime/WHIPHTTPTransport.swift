import Foundation
import WHIP
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Makes the WHIP/WHEP client's HTTP requests through URLSession (libcurl on Linux; `https`
/// verified by the system trust store): adds `Authorization: Bearer` when a token is set, never
/// follows redirects (the `WHIPClient` does, bounded), gives up after `timeout`. The token is
/// never part of a result or an error text.
public struct WHIPHTTPTransport: Sendable {
    public let timeout: Duration
    private let bearerToken: String?
    private let session: URLSession

    public init(bearerToken: String?, timeout: Duration = .seconds(10)) {
        self.bearerToken = bearerToken
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        // libcurl counts whole seconds (a fraction would time out at once).
        let seconds = max(1, Double(timeout.components.seconds) + (timeout.components.attoseconds > 0 ? 1 : 0))
        configuration.timeoutIntervalForRequest = seconds
        configuration.timeoutIntervalForResource = seconds
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        session = URLSession(configuration: configuration, delegate: RedirectRefusal(), delegateQueue: nil)
    }

    /// The response, or why there is none (refused, unresolvable, timed out, TLS).
    public func send(_ request: WHIPClientRequest) async -> Result<WHIPClientResponse, WHIPTransportFailure> {
        guard let url = URL(string: request.url), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https" else {
            return .failure(WHIPTransportFailure(reason: "not an http(s) URL"))
        }
        var urlRequest = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData,
                                    timeoutInterval: session.configuration.timeoutIntervalForRequest)
        urlRequest.httpMethod = request.method.rawValue
        for field in request.headers { urlRequest.setValue(field.value, forHTTPHeaderField: field.name) }
        if let bearerToken { urlRequest.setValue("Bearer \(bearerToken)", forHTTPHeaderField: "Authorization") }
        if let body = request.body { urlRequest.httpBody = Data(body.utf8) }
        do {
            let (data, response) = try await session.data(for: urlRequest)
            guard let http = response as? HTTPURLResponse else {
                return .failure(WHIPTransportFailure(reason: "not an HTTP response"))
            }
            var headers: [WHIPHeaderField] = []
            for (name, value) in http.allHeaderFields {
                guard let name = name as? String, let value = value as? String else { continue }
                headers.append(WHIPHeaderField(name, value))
            }
            return .success(WHIPClientResponse(status: http.statusCode, headers: headers,
                                               body: String(decoding: data, as: UTF8.self)))
        } catch let error as URLError {
            return .failure(WHIPTransportFailure(reason: Self.describe(error)))
        } catch {
            return .failure(WHIPTransportFailure(reason: "\(type(of: error))"))
        }
    }

    static func describe(_ error: URLError) -> String {
        switch error.code {
        case .timedOut: "no answer within the timeout"
        case .cannotFindHost, .dnsLookupFailed: "host not found"
        case .cannotConnectToHost: "connection refused"
        case .networkConnectionLost: "connection lost"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
             .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot:
            "TLS failed (\(error.code.rawValue))"
        default: "URL error \(error.code.rawValue)"
        }
    }

    /// Keeps a 3xx answer as the answer: the WHIP client follows 307/308 itself (bounded, with
    /// loop detection) and re-sends the body.
    private final class RedirectRefusal: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }
}

/// Why a request got no HTTP answer.
public struct WHIPTransportFailure: Error, Sendable, Equatable {
    public var reason: String
}
