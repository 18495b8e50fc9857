import Foundation
import Testing

extension InteropSuite {
    /// WHEP endpoint answers to bad and borderline requests, sent with curl from inside the
    /// namespace. Every error carries a one-line text reason.
    @Suite("WHEP HTTP errors and CORS")
    struct HTTPErrorTests {
        /// An SDP like ffmpeg's, for a path whose source never sends: known, but never ready.
        static let idleSourceSDP = [
            "v=0", "o=- 0 0 IN IP4 127.0.0.1", "s=No Name", "c=IN IP4 127.0.0.1", "t=0 0", "a=tool:libavformat",
            "m=video 5004 RTP/AVP 96", "a=rtpmap:96 H264/90000", "a=fmtp:96 packetization-mode=1",
            "m=audio 5006 RTP/AVP 111", "a=rtpmap:111 opus/48000/2",
        ].joined(separator: "\n") + "\n"

        @Test("400, 404, 406, 413, 415 and 503 with a one-line reason; 201, PATCH and DELETE for a good offer; CORS",
              .requires(.root, .ip, .gateway, .curl), .timeLimit(.minutes(1)))
        func errorsAndCORS() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let idleSDP = scope.file("idle.sdp")
            try Self.idleSourceSDP.write(toFile: idleSDP, atomically: true, encoding: .utf8)
            let origin = "http://127.0.0.1:1"
            let gateway = try await scope.startGateway(["--path", "demo=demo", "--path", "idle=\(idleSDP)",
                                                        "--cors-origin", origin])
            try await scope.waitUntilReady(gateway, path: "demo")
            let sdpType = ["Content-Type": "application/sdp"]
            let offer = Data(SampleOffers.recvonly.utf8)

            func expectError(_ response: HTTPExchange, _ status: Int, _ what: Comment) {
                #expect(response.status == status, what)
                let reason = response.body.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(!reason.isEmpty && !reason.contains("\n"), "reason for \(status) must be one line: \(response.body)")
            }

            let malformed = try await scope.http("POST", gateway.url("/demo/whep"), headers: sdpType,
                                                 body: Data("this is not SDP\r\n".utf8))
            expectError(malformed, 400, "malformed SDP")

            let unknownPath = try await scope.http("POST", gateway.url("/no-such-path/whep"), headers: sdpType, body: offer)
            expectError(unknownPath, 404, "unknown path")

            let wrongType = try await scope.http("POST", gateway.url("/demo/whep"),
                                                 headers: ["Content-Type": "text/plain"], body: offer)
            expectError(wrongType, 415, "wrong content type")

            let tooLarge = try await scope.http("POST", gateway.url("/demo/whep"), headers: sdpType,
                                                body: Data(SampleOffers.oversized(count: 128 * 1024).utf8))
            expectError(tooLarge, 413, "128 KiB body")

            let noCommonCodec = try await scope.http("POST", gateway.url("/demo/whep"), headers: sdpType,
                                                     body: Data(SampleOffers.unknownCodecs.utf8))
            expectError(noCommonCodec, 406, "no common codec")

            let notReady = try await scope.http("POST", gateway.url("/idle/whep"), headers: sdpType, body: offer)
            expectError(notReady, 503, "path known, source not ready")
            #expect(notReady.header("Retry-After") != nil, "503 without Retry-After")

            let preflight = try await scope.http("OPTIONS", gateway.url("/demo/whep"), headers: [
                "Origin": origin, "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            ])
            #expect(preflight.status == 204)
            let allowOrigin = preflight.header("Access-Control-Allow-Origin")
            #expect(allowOrigin == origin, "Allow-Origin: \(allowOrigin ?? "missing")")
            let methods = preflight.header("Access-Control-Allow-Methods")?.uppercased() ?? ""
            #expect(methods.contains("POST") && methods.contains("DELETE"), "Allow-Methods: \(methods)")
            let allowHeaders = preflight.header("Access-Control-Allow-Headers")?.lowercased() ?? ""
            #expect(allowHeaders.contains("content-type"), "Allow-Headers: \(allowHeaders)")

            // A good offer: 201 with Location, ETag, an SDP answer, and CORS exposure of Location.
            let created = try await scope.http("POST", gateway.url("/demo/whep"),
                                               headers: sdpType.merging(["Origin": origin]) { $1 }, body: offer)
            #expect(created.status == 201, "\(created.body)")
            #expect(created.header("Content-Type")?.hasPrefix("application/sdp") == true)
            #expect(created.header("ETag") != nil)
            #expect(created.body.hasPrefix("v=0"))
            #expect(created.header("Access-Control-Allow-Origin") != nil)
            #expect(created.header("Access-Control-Expose-Headers")?.lowercased().contains("location") == true)
            // Other origins get no CORS grant, and the API never has one.
            let stranger = try await scope.http("OPTIONS", gateway.url("/demo/whep"), headers: [
                "Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
            ])
            #expect(stranger.header("Access-Control-Allow-Origin") == nil, "\(stranger.headers)")
            let stats = try await scope.http("GET", gateway.url("/api/stats"), headers: ["Origin": origin])
            #expect(stats.status == 200 && stats.header("Access-Control-Allow-Origin") == nil, "\(stats.headers)")
            let location = try #require(created.header("Location"))
            let resource = try #require(URL(string: location, relativeTo: URL(string: gateway.url("/demo/whep"))))
                .absoluteString
            // The session answers only under its own path and role: elsewhere 404, and it lives on.
            let etag = try #require(created.header("ETag"))
            let fragmentType = ["Content-Type": "application/trickle-ice-sdpfrag", "If-Match": etag]
            for elsewhere in [resource.replacingOccurrences(of: "/demo/whep/", with: "/idle/whep/"),
                              resource.replacingOccurrences(of: "/demo/whep/", with: "/demo/whip/")] {
                #expect(elsewhere != resource)
                let patched = try await scope.http("PATCH", elsewhere, headers: fragmentType,
                                                   body: Data("a=end-of-candidates\r\n".utf8))
                expectError(patched, 404, "PATCH under another path or role")
                expectError(try await scope.http("DELETE", elsewhere), 404, "DELETE under another path or role")
            }
            let trickled = try await scope.http("PATCH", resource, headers: fragmentType,
                                                body: Data("a=end-of-candidates\r\n".utf8))
            #expect(trickled.status == 204 && trickled.header("ETag") == etag, "\(trickled.status) \(trickled.body)")
            let deleted = try await scope.http("DELETE", resource)
            #expect(deleted.status == 200 || deleted.status == 204)
            expectError(try await scope.http("DELETE", resource), 404, "second DELETE")
            #expect(gateway.process.isRunning)
        }
    }
}
