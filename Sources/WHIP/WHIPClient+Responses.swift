import RTCBase

extension WHIPClient {
    /// The HTTP answer to request `id` (redirects not followed by the HTTP stack). Answers to
    /// requests of an earlier attempt or unknown ids are ignored.
    public mutating func handle(response: WHIPClientResponse, to id: Int, now: Instant) {
        guard let kind = pending.removeValue(forKey: id) else { return }
        switch kind {
        case .offer(let url, let body, let visited):
            handleOfferResponse(response, url: url, body: body, visited: visited, now: now)
        case .patch(let restart):
            handlePatchResponse(response, restart: restart)
        case .delete(let completesStop):
            if completesStop { finishStop() }
        }
    }

    /// Request `id` got no answer (refused, unresolvable, timed out, TLS); `reason` is shown as is.
    public mutating func handleFailure(_ reason: String, to id: Int, now: Instant) {
        guard let kind = pending.removeValue(forKey: id) else { return }
        switch kind {
        case .offer:
            fail(.transport(reason), now: now)
        case .patch:
            outputs.append(.event(.patchFailed(.transport(reason))))
        case .delete(let completesStop):
            if completesStop { finishStop() }
        }
    }

    mutating func handleOfferResponse(_ response: WHIPClientResponse, url: String, body: String, visited: [String],
                                      now: Instant) {
        switch response.status {
        case 201:
            guard let location = response.header("Location"),
                  let resourceURL = WHIPClientURL.resolve(location, against: url,
                                                          maxLength: configuration.maxLocationBytes) else {
                fail(.badLocation("201 without a usable Location"), now: now)
                return
            }
            if stopRequested {
                send(.delete, url: resourceURL, kind: .delete(completesStop: true))
                return
            }
            guard !response.body.isEmpty else {
                send(.delete, url: resourceURL, kind: .delete(completesStop: false))
                fail(.badResponse("201 without an SDP answer"), now: now)
                return
            }
            etag = response.header("ETag")
            state = .established(resourceURL: resourceURL)
            let servers = WHIPICEServer.parse(linkFields: response.headers("Link"), maxServers: configuration.maxICEServers,
                                              maxFieldBytes: configuration.maxLinkFieldBytes)
            outputs.append(.event(.answered(Answer(sdp: response.body, resourceURL: resourceURL, etag: etag,
                                                   iceServers: servers))))
        case 307, 308:
            guard visited.count <= configuration.maxRedirects else {
                fail(.tooManyRedirects(configuration.maxRedirects), now: now)
                return
            }
            guard let location = response.header("Location"),
                  let target = WHIPClientURL.resolve(location, against: url, maxLength: configuration.maxLocationBytes)
            else {
                fail(.badLocation("\(response.status) without a usable Location"), now: now)
                return
            }
            guard !visited.contains(target) else {
                fail(.redirectLoop(target), now: now)
                return
            }
            if stopRequested {
                finishStop()
                return
            }
            sendOffer(to: target, body: body, visited: visited + [target])
        default:
            fail(.http(status: response.status, reason: reason(response)), now: now)
        }
    }

    mutating func handlePatchResponse(_ response: WHIPClientResponse, restart: Bool) {
        switch response.status {
        case 200, 204:
            if let newTag = response.header("ETag") { etag = newTag }
            if restart {
                outputs.append(.event(.restartAnswered(fragment: response.body)))
            }
        default:
            if response.status == 405 || response.status == 501 { trickleSupported = false }
            outputs.append(.event(.patchFailed(.http(status: response.status, reason: reason(response)))))
        }
    }

    /// The first line of an error body, printable ASCII only, at most `maxReasonBytes`.
    func reason(_ response: WHIPClientResponse) -> String {
        var text = ""
        for scalar in response.body.unicodeScalars {
            if scalar == "\n" || scalar == "\r" || text.utf8.count >= configuration.maxReasonBytes { break }
            text.unicodeScalars.append((0x20..<0x7F).contains(scalar.value) ? scalar : "?")
        }
        return String(Substring(text).withoutBlanks)
    }
}
