import RTCBase

/// The client side of one WHIP publication or WHEP playback (RFC 9725 §4), sans-IO: POST the
/// offer to the endpoint (following 307/308, bounded), keep the session URL from `Location`
/// (relative or absolute) and its ETag, read `Link: rel="ice-server"`, PATCH trickle fragments
/// and ICE restarts with `If-Match`, DELETE on stop; after a failure that may heal (transport
/// errors, 5xx, 404 …, or the media session ending) wait with exponential backoff and jitter and
/// ask for a fresh offer (`.offerNeeded`), at most `maxAttempts` times in a row.
///
/// The owner makes each `.send` request over HTTP and feeds back `handle(response:to:now:)` or
/// `handleFailure(_:to:now:)`; then drains `poll()` until `.timeout`.
public struct WHIPClient {
    public enum State: Sendable, Equatable {
        /// Waiting for `publish(offer:now:)`.
        case idle
        case offering
        /// The resource exists: `resourceURL` answers PATCH and DELETE.
        case established(resourceURL: String)
        /// Backing off until the instant, then `.offerNeeded`.
        case waiting(until: Instant)
        /// DELETE (or the POST it waits for) in flight.
        case stopping
        /// Ended: by `stop` (reason nil) or for good after an error.
        case stopped(WHIPClientError?)
    }

    /// What the server settled in a 201.
    public struct Answer: Sendable, Equatable {
        public var sdp: String
        public var resourceURL: String
        public var etag: String?
        public var iceServers: [WHIPICEServer]
    }

    public enum Event: Sendable, Equatable {
        /// 201: start the media session with this answer.
        case answered(Answer)
        /// The backoff passed: make a fresh session and offer, then `publish(offer:now:)`.
        case offerNeeded
        /// An attempt failed; `retryAt` nil means for good (the client is stopped).
        case failed(WHIPClientError, retryAt: Instant?)
        /// A restart PATCH was answered with this `application/trickle-ice-sdpfrag` body.
        case restartAnswered(fragment: String)
        /// A PATCH failed (the session goes on; trickle stops after 405/501).
        case patchFailed(WHIPClientError)
        /// `stop` completed (DELETE answered or failed, or nothing to delete).
        case stopped
    }

    public enum Output: Sendable, Equatable {
        case send(WHIPClientRequest)
        case event(Event)
        case timeout(Instant)
    }

    enum RequestKind: Sendable, Equatable {
        case offer(url: String, body: String, visited: [String])
        case patch(restart: Bool)
        case delete(completesStop: Bool)
    }

    public let endpoint: String
    public let configuration: WHIPClientConfiguration
    public internal(set) var state: State = .idle
    /// The resource's current entity tag (nil when the server sent none: PATCH then says `*`).
    public internal(set) var etag: String?
    /// Failed attempts since the last connected session.
    public internal(set) var failures = 0
    /// POSTs sent (redirects included), for stats.
    public internal(set) var offersSent = 0
    /// False after the server refused PATCH with 405 or 501: trickle is not sent any more.
    public internal(set) var trickleSupported = true

    var backoff: ReconnectBackoff
    var generator: any RandomNumberGenerator & Sendable
    var pending: [Int: RequestKind] = [:]
    var nextRequestID = 1
    var stopRequested = false
    var outputs = OutputQueue<Output>()

    /// `endpoint` is the absolute `http(s)://` URL of the WHIP/WHEP endpoint; `generator` draws the
    /// backoff jitter (a seeded one in tests).
    public init(endpoint: String, configuration: WHIPClientConfiguration = .init(),
                generator: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.backoff = configuration.backoff
        self.generator = generator
    }

    // MARK: inputs

    /// POSTs `offer` (SDP) to the endpoint; only while idle (first start, or after `.offerNeeded`).
    public mutating func publish(offer: String, now: Instant) {
        guard state == .idle, !stopRequested else { return }
        state = .offering
        sendOffer(to: endpoint, body: offer, visited: [endpoint])
    }

    /// The media session connected: the failure count and the backoff start over.
    public mutating func sessionConnected() {
        failures = 0
        backoff.reset()
    }

    /// The media session of the established resource ended: DELETE the resource (best effort),
    /// then back off and ask for a new offer.
    public mutating func sessionFailed(_ reason: String, now: Instant) {
        guard case .established(let resourceURL) = state else { return }
        send(.delete, url: resourceURL, kind: .delete(completesStop: false))
        fail(.sessionEnded(reason), now: now)
    }

    /// Sends a trickle fragment (`restart` false) or an ICE restart fragment (new credentials,
    /// RFC 9725 §4.4) to the resource with `If-Match`. Ignored unless established (and trickle
    /// after the server refused PATCH).
    public mutating func patch(fragment: String, restart: Bool) {
        guard case .established(let resourceURL) = state, restart || trickleSupported else { return }
        send(.patch, url: resourceURL, kind: .patch(restart: restart), headers: [
            WHIPHeaderField("Content-Type", "application/trickle-ice-sdpfrag"),
            WHIPHeaderField("If-Match", etag ?? "*"),
        ], body: fragment)
    }

    /// Ends the publication: DELETE the resource when there is one (also one whose POST is still
    /// in flight), then `.stopped`.
    public mutating func stop(now: Instant) {
        guard !stopRequested else { return }
        stopRequested = true
        switch state {
        case .established(let resourceURL):
            state = .stopping
            send(.delete, url: resourceURL, kind: .delete(completesStop: true))
        case .offering:
            state = .stopping   // the POST's answer decides: a 201 is deleted at once
        case .idle, .waiting, .stopping:
            finishStop()
        case .stopped:
            break
        }
    }

    public mutating func handleTimeout(now: Instant) {
        if case .waiting(let until) = state, now >= until {
            state = .idle
            outputs.append(.event(.offerNeeded))
        }
    }

    public mutating func poll() -> Output {
        if let output = outputs.popFirst() { return output }
        if case .waiting(let until) = state { return .timeout(until) }
        return .timeout(.distantFuture)
    }

    // MARK: requests

    mutating func sendOffer(to url: String, body: String, visited: [String]) {
        offersSent += 1
        send(.post, url: url, kind: .offer(url: url, body: body, visited: visited), headers: [
            WHIPHeaderField("Content-Type", "application/sdp"),
            WHIPHeaderField("Accept", "application/sdp"),
        ], body: body)
    }

    mutating func send(_ method: WHIPClientRequest.Method, url: String, kind: RequestKind,
                       headers: [WHIPHeaderField] = [], body: String? = nil) {
        let id = nextRequestID
        nextRequestID += 1
        pending[id] = kind
        outputs.append(.send(WHIPClientRequest(id: id, method: method, url: url, headers: headers, body: body)))
    }

    /// A failed attempt: back off when it may heal and attempts remain, else stop for good.
    mutating func fail(_ error: WHIPClientError, now: Instant) {
        failures += 1
        if stopRequested {
            finishStop()
            return
        }
        guard error.isRetryable else {
            state = .stopped(error)
            outputs.append(.event(.failed(error, retryAt: nil)))
            return
        }
        if let maxAttempts = configuration.maxAttempts, failures >= max(1, maxAttempts) {
            let final = WHIPClientError.gaveUp(attempts: failures, last: error.description)
            state = .stopped(final)
            outputs.append(.event(.failed(final, retryAt: nil)))
            return
        }
        let retryAt = now + backoff.nextDelay(using: &generator)
        state = .waiting(until: retryAt)
        outputs.append(.event(.failed(error, retryAt: retryAt)))
    }

    mutating func finishStop() {
        state = .stopped(nil)
        outputs.append(.event(.stopped))
    }
}
