import RTCBase
import Testing
import TestSupport
import WHIP

/// The sans-IO WHIP/WHEP client: POST → 201 + Location + ETag + Link, redirects, PATCH with
/// If-Match, DELETE, errors and bounded backoff, all on virtual time.
@Suite struct WHIPClientTests {
    static let endpoint = "http://10.0.0.2:8080/cam/whip"
    static let start = Instant(nanoseconds: 1_000_000_000)

    static func makeClient(_ configure: (inout WHIPClientConfiguration) -> Void = { _ in }) -> WHIPClient {
        var configuration = WHIPClientConfiguration()
        configure(&configuration)
        return WHIPClient(endpoint: endpoint, configuration: configuration, generator: SeededGenerator(seed: 3))
    }

    /// Drains the client: requests and events, and the final deadline.
    static func drain(_ client: inout WHIPClient) -> (requests: [WHIPClientRequest], events: [WHIPClient.Event], deadline: Instant) {
        var requests: [WHIPClientRequest] = []
        var events: [WHIPClient.Event] = []
        for _ in 0..<100 {
            switch client.poll() {
            case .send(let request): requests.append(request)
            case .event(let event): events.append(event)
            case .timeout(let deadline): return (requests, events, deadline)
            }
        }
        Issue.record("poll never reached .timeout")
        return (requests, events, .distantFuture)
    }

    /// The one request the client has to send now.
    static func nextRequest(_ client: inout WHIPClient) throws -> WHIPClientRequest {
        let requests = drain(&client).requests
        return try #require(requests.first)
    }

    static func created(location: String = "/cam/whip/abc123", etag: String? = "\"e1\"",
                        links: [String] = []) -> WHIPClientResponse {
        var headers = [WHIPHeaderField("Location", location), WHIPHeaderField("Content-Type", "application/sdp")]
        if let etag { headers.append(WHIPHeaderField("ETag", etag)) }
        headers += links.map { WHIPHeaderField("Link", $0) }
        return WHIPClientResponse(status: 201, headers: headers, body: "v=0\r\n")
    }

    @Test func postsTheOfferAndKeepsTheResourceETagAndICEServers() throws {
        var client = Self.makeClient()
        client.publish(offer: "v=0 offer", now: Self.start)
        let (requests, _, _) = Self.drain(&client)
        let post = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(post.method == .post && post.url == Self.endpoint && post.body == "v=0 offer")
        #expect(post.headers.contains(WHIPHeaderField("Content-Type", "application/sdp")))
        #expect(!post.headers.contains { $0.name.lowercased() == "authorization" })   // the runtime adds it

        let links = [
            "<stun:stun.example.net:3478>; rel=\"ice-server\"",
            "<turn:turn.example.net?transport=udp>; rel=\"ice-server\"; username=\"user\"; credential=\"pa;ss,word\"; "
                + "credential-type=\"password\", <https://example.net/other>; rel=\"help\"",
        ]
        client.handle(response: Self.created(links: links), to: post.id, now: Self.start)
        let (_, events, _) = Self.drain(&client)
        guard case .answered(let answer) = try #require(events.first) else {
            Issue.record("expected an answer, got \(events)")
            return
        }
        #expect(answer.resourceURL == "http://10.0.0.2:8080/cam/whip/abc123")
        #expect(answer.etag == "\"e1\"" && answer.sdp == "v=0\r\n")
        #expect(answer.iceServers == [
            WHIPICEServer(url: "stun:stun.example.net:3478"),
            WHIPICEServer(url: "turn:turn.example.net?transport=udp", username: "user", credential: "pa;ss,word"),
        ])
        #expect(!answer.iceServers[1].description.contains("pa;ss"))
        #expect(client.state == .established(resourceURL: answer.resourceURL))
    }

    @Test(arguments: [
        ("http://other.example:9000/r/1", "http://other.example:9000/r/1"),
        ("//other.example/r/2", "http://other.example/r/2"),
        ("/r/3", "http://10.0.0.2:8080/r/3"),
        ("abc", "http://10.0.0.2:8080/cam/abc"),
        ("  res/4 ", "http://10.0.0.2:8080/cam/res/4"),
    ])
    func resolvesLocationsAbsoluteOrRelative(location: String, expected: String) throws {
        var client = Self.makeClient()
        client.publish(offer: "o", now: Self.start)
        let post = try Self.nextRequest(&client)
        client.handle(response: Self.created(location: location), to: post.id, now: Self.start)
        #expect(client.state == .established(resourceURL: expected))
    }

    @Test func refusesLocationsOfOtherSchemesOrWithControlCharacters() throws {
        for location in ["ftp://x/y", "", "/a\u{1}b", "javascript:alert(1)://x"] {
            var client = Self.makeClient()
            client.publish(offer: "o", now: Self.start)
            let post = try Self.nextRequest(&client)
            client.handle(response: Self.created(location: location), to: post.id, now: Self.start)
            let events = Self.drain(&client).events
            #expect(events.contains { if case .failed(.badLocation, nil) = $0 { true } else { false } }, "\(location): \(events)")
        }
    }

    @Test func locationsAreCapped() throws {
        let atCap = "/" + String(repeating: "r", count: 99)   // 100 bytes
        for (location, accepted) in [(atCap, true), (atCap + "r", false)] {
            var client = Self.makeClient { $0.maxLocationBytes = 100 }
            client.publish(offer: "o", now: Self.start)
            let post = try Self.nextRequest(&client)
            client.handle(response: Self.created(location: location), to: post.id, now: Self.start)
            let established = client.state == .established(resourceURL: "http://10.0.0.2:8080" + location)
            #expect(established == accepted, "\(location.utf8.count) bytes: \(client.state)")
        }
    }

    @Test func followsRedirectsUpToTheCapAndDetectsLoops() throws {
        // Exactly maxRedirects hops are followed; one more fails.
        var client = Self.makeClient { $0.maxRedirects = 2 }
        client.publish(offer: "o", now: Self.start)
        var request = try Self.nextRequest(&client)
        for hop in 1...2 {
            client.handle(response: WHIPClientResponse(status: hop == 1 ? 307 : 308,
                                                       headers: [WHIPHeaderField("Location", "/hop\(hop)/whip")]),
                          to: request.id, now: Self.start)
            request = try Self.nextRequest(&client)
            #expect(request.method == .post && request.url == "http://10.0.0.2:8080/hop\(hop)/whip" && request.body == "o")
        }
        client.handle(response: WHIPClientResponse(status: 307, headers: [WHIPHeaderField("Location", "/hop3/whip")]),
                      to: request.id, now: Self.start)
        let events = Self.drain(&client).events
        #expect(events == [.failed(.tooManyRedirects(2), retryAt: nil)])

        var looping = Self.makeClient()
        looping.publish(offer: "o", now: Self.start)
        let first = try Self.nextRequest(&looping)
        looping.handle(response: WHIPClientResponse(status: 307, headers: [WHIPHeaderField("Location", "/a")]),
                       to: first.id, now: Self.start)
        let second = try Self.nextRequest(&looping)
        looping.handle(response: WHIPClientResponse(status: 307, headers: [WHIPHeaderField("Location", Self.endpoint)]),
                       to: second.id, now: Self.start)
        let drained1 = Self.drain(&looping).events
        #expect(drained1 == [.failed(.redirectLoop(Self.endpoint), retryAt: nil)])
    }

    @Test func clientErrorsAreFinalWithTheServersReason() throws {
        var client = Self.makeClient()
        client.publish(offer: "o", now: Self.start)
        let post = try Self.nextRequest(&client)
        client.handle(response: WHIPClientResponse(status: 401, body: "missing bearer token\nsecond line"),
                      to: post.id, now: Self.start)
        let events = Self.drain(&client).events
        #expect(events == [.failed(.http(status: 401, reason: "missing bearer token"), retryAt: nil)])
        #expect(WHIPClientError.http(status: 401, reason: "missing bearer token").description
            == "remote answered 401: missing bearer token")
        #expect(client.state == .stopped(.http(status: 401, reason: "missing bearer token")))
    }

    @Test func reasonsAreCappedAndPrintable() throws {
        var client = Self.makeClient { $0.maxReasonBytes = 10 }
        client.publish(offer: "o", now: Self.start)
        let post = try Self.nextRequest(&client)
        client.handle(response: WHIPClientResponse(status: 400, body: "ab\u{7}cdefghijklmnop"), to: post.id, now: Self.start)
        let drained2 = Self.drain(&client).events
        #expect(drained2 == [.failed(.http(status: 400, reason: "ab?cdefghi"), retryAt: nil)])
    }

    @Test func retriesWithExponentialBackoffAndJitterThenGivesUp() throws {
        var client = Self.makeClient { $0.maxAttempts = 4 }
        var now = Self.start
        var delays: [Duration] = []
        client.publish(offer: "o", now: now)
        for attempt in 1...4 {
            let post = try Self.nextRequest(&client)
            if attempt % 2 == 0 {
                client.handle(response: WHIPClientResponse(status: 503, body: "busy"), to: post.id, now: now)
            } else {
                client.handleFailure("connection refused", to: post.id, now: now)
            }
            let (_, events, deadline) = Self.drain(&client)
            if attempt == 4 {
                #expect(events == [.failed(.gaveUp(attempts: 4, last: "remote answered 503: busy"), retryAt: nil)])
                #expect(deadline == .distantFuture)
                break
            }
            #expect(events.count == 1)
            delays.append(deadline - now)
            now = deadline
            client.handleTimeout(now: now)
            let drained3 = Self.drain(&client).events
            #expect(drained3 == [.offerNeeded])
            client.publish(offer: "o", now: now)
        }
        // 1 s, 2 s, 4 s, each within ±20 %.
        #expect(delays.count == 3)
        for (index, delay) in delays.enumerated() {
            let base = Duration.seconds(1 << index)
            #expect(delay >= base * 0.8 && delay <= base * 1.2, "attempt \(index + 1): \(delay)")
        }
    }

    @Test func aConnectedSessionResetsTheBackoffAndAFailedOneRepublishes() throws {
        var client = Self.makeClient { $0.maxAttempts = 2 }
        var now = Self.start
        client.publish(offer: "o", now: now)
        var post = try Self.nextRequest(&client)
        client.handleFailure("timed out", to: post.id, now: now)
        now = Self.drain(&client).deadline
        client.handleTimeout(now: now)
        _ = Self.drain(&client)
        client.publish(offer: "o2", now: now)
        post = try Self.nextRequest(&client)
        client.handle(response: Self.created(), to: post.id, now: now)
        _ = Self.drain(&client)
        client.sessionConnected()
        #expect(client.failures == 0)
        // The remote went away: DELETE the old resource, back off from 1 s again.
        client.sessionFailed("ICE consent expired", now: now)
        let (requests, events, deadline) = Self.drain(&client)
        #expect(requests.map(\.method) == [.delete])
        #expect(requests.first?.url == "http://10.0.0.2:8080/cam/whip/abc123")
        #expect(events == [.failed(.sessionEnded("ICE consent expired"), retryAt: deadline)])
        #expect(deadline - now >= .milliseconds(800) && deadline - now <= .milliseconds(1200))
    }

    @Test func patchesCarryIfMatchAndFollowTheNewETag() throws {
        var client = Self.makeClient()
        client.publish(offer: "o", now: Self.start)
        let post = try Self.nextRequest(&client)
        client.handle(response: Self.created(), to: post.id, now: Self.start)
        _ = Self.drain(&client)

        client.patch(fragment: "a=candidate:1 1 udp 1 10.0.0.1 4000 typ host", restart: false)
        let trickle = try Self.nextRequest(&client)
        #expect(trickle.method == .patch && trickle.url == "http://10.0.0.2:8080/cam/whip/abc123")
        #expect(trickle.headers.contains(WHIPHeaderField("If-Match", "\"e1\"")))
        #expect(trickle.headers.contains(WHIPHeaderField("Content-Type", "application/trickle-ice-sdpfrag")))
        client.handle(response: WHIPClientResponse(status: 204), to: trickle.id, now: Self.start)
        let drained4 = Self.drain(&client).events
        #expect(drained4.isEmpty)

        client.patch(fragment: "a=ice-ufrag:new\r\na=ice-pwd:newpassword", restart: true)
        let restart = try Self.nextRequest(&client)
        client.handle(response: WHIPClientResponse(status: 200, headers: [WHIPHeaderField("ETag", "\"e2\"")],
                                                   body: "a=ice-ufrag:srv2"), to: restart.id, now: Self.start)
        let drained5 = Self.drain(&client).events
        #expect(drained5 == [.restartAnswered(fragment: "a=ice-ufrag:srv2")])
        #expect(client.etag == "\"e2\"")
        client.patch(fragment: "x", restart: false)
        let next = try Self.nextRequest(&client)
        #expect(next.headers.contains(WHIPHeaderField("If-Match", "\"e2\"")))

        // A server without trickle: 405 once, then no more trickle PATCHes (restarts still go).
        client.handle(response: WHIPClientResponse(status: 405), to: next.id, now: Self.start)
        let drained6 = Self.drain(&client).events
        #expect(drained6 == [.patchFailed(.http(status: 405, reason: ""))])
        client.patch(fragment: "y", restart: false)
        let drained7 = Self.drain(&client).requests
        #expect(drained7.isEmpty)
    }

    @Test func stopDeletesTheResourceEvenWhenThePostIsInFlight() throws {
        var client = Self.makeClient()
        client.publish(offer: "o", now: Self.start)
        let post = try Self.nextRequest(&client)
        client.handle(response: Self.created(), to: post.id, now: Self.start)
        _ = Self.drain(&client)
        client.stop(now: Self.start)
        let delete = try Self.nextRequest(&client)
        #expect(delete.method == .delete && delete.url == "http://10.0.0.2:8080/cam/whip/abc123")
        client.handle(response: WHIPClientResponse(status: 200), to: delete.id, now: Self.start)
        let drained8 = Self.drain(&client).events
        #expect(drained8 == [.stopped])
        #expect(client.state == .stopped(nil))

        var inFlight = Self.makeClient()
        inFlight.publish(offer: "o", now: Self.start)
        let pendingPost = try Self.nextRequest(&inFlight)
        inFlight.stop(now: Self.start)
        let drained9 = Self.drain(&inFlight).requests
        #expect(drained9.isEmpty)
        inFlight.handle(response: Self.created(location: "/cam/whip/late"), to: pendingPost.id, now: Self.start)
        let (requests, events, _) = Self.drain(&inFlight)
        #expect(requests.map(\.url) == ["http://10.0.0.2:8080/cam/whip/late"] && events.isEmpty)
        let lateDelete = try #require(requests.first)
        inFlight.handleFailure("connection refused", to: lateDelete.id, now: Self.start)
        let drained10 = Self.drain(&inFlight).events
        #expect(drained10 == [.stopped])

        // Stopping while backing off ends at once, with nothing to delete.
        var waiting = Self.makeClient()
        waiting.publish(offer: "o", now: Self.start)
        let refused = try Self.nextRequest(&waiting)
        waiting.handleFailure("connection refused", to: refused.id, now: Self.start)
        _ = Self.drain(&waiting)
        waiting.stop(now: Self.start)
        let stopped = Self.drain(&waiting)
        #expect(stopped.requests.isEmpty && stopped.events == [.stopped])
    }

    @Test func linkFieldsAreCapped() {
        let one = "<stun:a.example>; rel=\"ice-server\""
        let many = Array(repeating: one, count: 5).joined(separator: ", ")
        #expect(WHIPICEServer.parse(linkFields: [many], maxServers: 3, maxFieldBytes: 1000).count == 3)
        #expect(WHIPICEServer.parse(linkFields: [many], maxServers: 5, maxFieldBytes: 1000).count == 5)
        // A field at the byte cap is read; one byte more and it is ignored whole.
        #expect(WHIPICEServer.parse(linkFields: [one], maxServers: 8, maxFieldBytes: one.utf8.count).count == 1)
        #expect(WHIPICEServer.parse(linkFields: [one], maxServers: 8, maxFieldBytes: one.utf8.count - 1).isEmpty)
        // Other schemes, other relations, broken brackets: skipped.
        #expect(WHIPICEServer.parse(linkFields: ["<http://x>; rel=\"ice-server\"", "<stun:x>; rel=\"next\"", "stun:x; rel=ice-server"],
                                    maxServers: 8, maxFieldBytes: 1000).isEmpty)
    }
}

@Suite struct WHIPClientTargetTests {
    @Test func parsesSchemesAndTakesTheTokenOut() throws {
        let push = try WHIPClientTarget(parsing: "whip://10.0.0.2:8080/cam/whip?token=s3cret&x=1")
        #expect(push.role == .publish && push.endpoint == "http://10.0.0.2:8080/cam/whip?x=1" && push.bearerToken == "s3cret")
        #expect(push.description == "whip://10.0.0.2:8080/cam/whip?x=1&token=<redacted>")
        #expect(!"\(push)".contains("s3cret"))
        let pull = try WHIPClientTarget(parsing: "wheps://media.example/live/whep")
        #expect(pull.role == .play && pull.endpoint == "https://media.example/live/whep" && pull.bearerToken == nil)
        #expect(pull.description == "wheps://media.example/live/whep")
        #expect(WHIPClientTarget.isClientURL("WHEP://h/p") && !WHIPClientTarget.isClientURL("rtp://h:1"))
    }

    @Test func refusesWhatItCannotUse() {
        for text in ["http://h/p", "whip://", "whip://h", "whip:///p", "whip://u:p@h/p", "whip://h/p?token=",
                     "whip://h/p?token=a&token=b", "whip://h/a b"] {
            #expect(throws: WHIPClientTargetError.self, "\(text)") { try WHIPClientTarget(parsing: text) }
        }
        let atCap = "whip://h/" + String(repeating: "a", count: WHIPClientTarget.maxLength - 9)
        #expect((try? WHIPClientTarget(parsing: atCap)) != nil)
        #expect((try? WHIPClientTarget(parsing: atCap + "a")) == nil)
    }
}
