import Auth
import Foundation
import RTCBase
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Asks the auth webhook through URLSession (libcurl on Linux): POST the request as JSON, a 2xx
/// answer allows; any other status, a transport error or no answer within `timeout` denies.
/// Redirects are not followed. The body holds the token: it is never logged.
struct AuthWebhookClient: Sendable {
    let url: URL
    let timeout: Duration
    private let session: URLSession

    init(url: URL, timeout: Duration) {
        self.url = url
        self.timeout = timeout
        // libcurl's timeouts are whole seconds (a fraction times out at once): the session gets a
        // generous one that only ends abandoned transfers; `decide` enforces `timeout` itself.
        let configuration = URLSessionConfiguration.ephemeral
        let seconds = (timeout.secondsDouble + 1).rounded(.up)
        configuration.timeoutIntervalForRequest = seconds
        configuration.timeoutIntervalForResource = seconds
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    /// The webhook's decision for `request`: its answer, or a denial once `timeout` has passed.
    func decide(_ request: AuthRequest) async -> AuthDecision {
        var post = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData,
                              timeoutInterval: session.configuration.timeoutIntervalForRequest)
        post.httpMethod = "POST"
        post.setValue("application/json", forHTTPHeaderField: "Content-Type")
        guard let body = try? JSONEncoder().encode(WebhookAuthRequest(request)) else { return .deny(.webhookFailed) }
        post.httpBody = body
        let (session, timeout, prepared) = (self.session, self.timeout, post)
        let answer = FirstAnswer()
        return await withCheckedContinuation { continuation in
            answer.await(continuation)
            let exchange = Task {
                do {
                    let (_, response) = try await session.data(for: prepared)
                    guard let status = (response as? HTTPURLResponse)?.statusCode else { return answer.give(.deny(.webhookFailed)) }
                    answer.give((200..<300).contains(status) ? .allow : .deny(.webhookDenied))
                } catch {
                    answer.give(.deny(.webhookFailed))
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                exchange.cancel()
                answer.give(.deny(.webhookFailed))
            }
        }
    }

    /// Resumes the waiting caller once, with whichever comes first: the answer or the timeout.
    private final class FirstAnswer: Sendable {
        private let waiting = Mutex<CheckedContinuation<AuthDecision, Never>?>(nil)

        func await(_ continuation: CheckedContinuation<AuthDecision, Never>) {
            waiting.withLock { $0 = continuation }
        }

        func give(_ decision: AuthDecision) {
            waiting.withLock { $0.take() }?.resume(returning: decision)
        }
    }

    /// Keeps a 3xx answer as the answer (a deny) instead of following it.
    private final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }
}
