import Foundation
import Testing

extension InteropSuite {
    /// Bad and borderline requests on the WHIP side and on PATCH: stale ETags (412), wrong body
    /// types (415), per-path bearer tokens (401), a busy path (409), oversized bodies (413),
    /// unknown and traversing path names (404, refused config). Each error has a one-line reason.
    @Suite("WHIP and PATCH errors")
    struct WHIPErrorTests {
        static let publishToken = "pub-s3cret", readToken = "read-s3cret"
        static let sdpType = ["Content-Type": "application/sdp"]
        static let fragmentType = "application/trickle-ice-sdpfrag"

        /// A trickle fragment with the sample offers' credentials (same ufrag/pwd: no restart).
        static let trickleFragment = [
            "a=ice-ufrag:EwYQ", "a=ice-pwd:QC8K5rlVNvf/ll7Uu1rohykL", "m=audio 9 UDP/TLS/RTP/SAVPF 0", "a=mid:0",
            "a=candidate:2 1 udp 2122194687 127.0.0.1 50001 typ host generation 0", "a=end-of-candidates",
        ].joined(separator: "\r\n") + "\r\n"

        static func expectError(_ response: HTTPExchange, _ status: Int, _ what: Comment,
                                sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(response.status == status, "\(what): \(response.status) \(response.body)", sourceLocation: sourceLocation)
            let reason = response.body.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!reason.isEmpty && !reason.contains("\n"), "\(what): reason must be one line: \(response.body)",
                    sourceLocation: sourceLocation)
        }

        static func resourceURL(_ created: HTTPExchange, endpoint: String) throws -> String {
            let location = try #require(created.header("Location"), "201 without Location")
            return try #require(URL(string: location, relativeTo: URL(string: endpoint))).absoluteString
        }

        @Test("PATCH: 204 with the ETag or *, 412 with a stale ETag, 415 with a wrong type, 404 after DELETE",
              .requires(.root, .ip, .gateway, .curl), .timeLimit(.minutes(1)))
        func patchPreconditions() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "demo=demo", "--path", "live=publisher"])
            try await scope.waitUntilReady(gateway, path: "demo")
            let body = Data(Self.trickleFragment.utf8)
            // The same checks on a WHEP viewer and on a WHIP publisher resource (curl: no ICE follows).
            for (endpoint, offer) in [(gateway.url("/demo/whep"), SampleOffers.recvonly),
                                      (gateway.url("/live/whip"), SampleOffers.sendonly)] {
                let created = try await scope.http("POST", endpoint, headers: Self.sdpType, body: Data(offer.utf8))
                #expect(created.status == 201, "POST \(endpoint): \(created.status) \(created.body)")
                #expect(created.header("Accept-Patch") == Self.fragmentType, "\(created.headers)")
                let etag = try #require(created.header("ETag"), "201 without ETag")
                let resource = try Self.resourceURL(created, endpoint: endpoint)

                let stale = try await scope.http("PATCH", resource, headers: [
                    "Content-Type": Self.fragmentType, "If-Match": "\"not-the-etag\""], body: body)
                Self.expectError(stale, 412, "PATCH \(endpoint) with a stale ETag")
                let wrongType = try await scope.http("PATCH", resource, headers: [
                    "Content-Type": "application/sdp", "If-Match": etag], body: body)
                Self.expectError(wrongType, 415, "PATCH \(endpoint) as application/sdp")
                let unconditional = try await scope.http("PATCH", resource, headers: [
                    "Content-Type": Self.fragmentType], body: body)
                Self.expectError(unconditional, 428, "PATCH \(endpoint) without If-Match")
                let halfRestart = try await scope.http("PATCH", resource, headers: [
                    "Content-Type": Self.fragmentType, "If-Match": "*"], body: Data("a=ice-ufrag:newu\r\n".utf8))
                Self.expectError(halfRestart, 400, "PATCH \(endpoint) with a new ufrag but no pwd")

                let trickled = try await scope.http("PATCH", resource, headers: [
                    "Content-Type": Self.fragmentType, "If-Match": etag], body: body)
                #expect(trickled.status == 204, "PATCH \(endpoint) with the ETag: \(trickled.status) \(trickled.body)")
                #expect(trickled.header("ETag") == etag, "trickle must keep the ETag: \(trickled.headers)")
                let wildcard = try await scope.http("PATCH", resource, headers: [
                    "Content-Type": Self.fragmentType, "If-Match": "*"], body: body)
                #expect(wildcard.status == 204, "PATCH \(endpoint) with If-Match *: \(wildcard.status) \(wildcard.body)")

                let deleted = try await scope.http("DELETE", resource)
                #expect(deleted.status == 200 || deleted.status == 204, "DELETE \(resource): \(deleted.status)")
                let gone = try await scope.http("PATCH", resource, headers: [
                    "Content-Type": Self.fragmentType, "If-Match": "*"], body: body)
                Self.expectError(gone, 404, "PATCH after DELETE")
            }
            #expect(gateway.process.isRunning)
        }

        @Test("Per-path tokens (401), busy path (409), oversized offer (413), unknown path (404), path freed by DELETE",
              .requires(InteropTool.browserAgainstGateway + [.curl]), .timeLimit(.minutes(2)))
        func tokensAndBusyPath() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let configFile = scope.file("rtcbridge.yml")
            try """
                http: {address: "127.0.0.1:0", corsOrigins: ["*"]}
                webrtc: {udpPort: 0, iceHosts: [127.0.0.1]}
                paths:
                  live: {source: publisher, publishToken: \(Self.publishToken), readToken: \(Self.readToken)}
                  open: {source: publisher}

                """.write(toFile: configFile, atomically: true, encoding: .utf8)
            let gateway = try await scope.startGateway(exactly: ["--config", configFile, "--log-level", "debug"])
            let whip = gateway.url("/live/whip"), whep = gateway.url("/live/whep")
            let offer = Data(SampleOffers.sendonly.utf8)
            func bearer(_ token: String) -> [String: String] {
                Self.sdpType.merging(["Authorization": "Bearer \(token)"]) { $1 }
            }
            func expectUnauthorized(_ response: HTTPExchange, _ what: Comment) {
                Self.expectError(response, 401, what)
                #expect(response.header("WWW-Authenticate") == "Bearer", "\(what): \(response.headers)")
            }

            expectUnauthorized(try await scope.http("POST", whip, headers: Self.sdpType, body: offer), "WHIP without a token")
            expectUnauthorized(try await scope.http("POST", whip, headers: bearer("wrong"), body: offer), "WHIP with a wrong token")
            expectUnauthorized(try await scope.http("POST", whip, headers: bearer(Self.readToken), body: offer),
                               "WHIP with the read token")

            // A real publisher with the publish token.
            let publisher = try scope.startWHIPPublisher(whip, token: Self.publishToken)
            try await scope.waitForPublishedMedia(gateway, path: "live", publisher: publisher)

            let busy = try await scope.http("POST", whip, headers: bearer(Self.publishToken), body: offer)
            Self.expectError(busy, 409, "a second publisher on a busy path")

            let recvonly = Data(SampleOffers.recvonly.utf8)
            expectUnauthorized(try await scope.http("POST", whep, headers: Self.sdpType, body: recvonly), "WHEP without a token")
            expectUnauthorized(try await scope.http("POST", whep, headers: bearer(Self.publishToken), body: recvonly),
                               "WHEP with the publish token")
            // The read token plays: a Chromium viewer decodes the published stream.
            let viewer = try await scope.runBrowser(["whep", whep, "--token", Self.readToken, "--seconds", "2"])
            #expect(viewer.ok && (viewer.framesDecoded ?? 0) > 0, "WHEP with the read token: \(viewer.json)")
            #expect(viewer.deleteStatus == 200 || viewer.deleteStatus == 204, "\(viewer.json)")

            let oversized = Data(SampleOffers.oversized(count: 128 * 1024).utf8)
            Self.expectError(try await scope.http("POST", whip, headers: bearer(Self.publishToken), body: oversized),
                             413, "128 KiB WHIP offer")
            Self.expectError(try await scope.http("POST", gateway.url("/open/whip"), headers: Self.sdpType, body: oversized),
                             413, "128 KiB WHIP offer to a path without tokens")
            Self.expectError(try await scope.http("POST", gateway.url("/nope/whip"), headers: Self.sdpType, body: offer),
                             404, "WHIP to an unknown path")
            Self.expectError(try await scope.http("POST", gateway.url("/..%2Flive/whip"), headers: bearer(Self.publishToken),
                                                  body: offer), 404, "WHIP to an encoded ../live")

            // The publisher's DELETE frees the path: the next publisher is accepted.
            let published = try await publisher.finish()
            #expect(published.ok && published.deleteStatus == 200, "\(published.json)")
            #expect(try await scope.waitUntilIdle(gateway, path: "live"), "path still busy after the publisher's DELETE")
            let next = try await scope.http("POST", whip, headers: bearer(Self.publishToken), body: offer)
            #expect(next.status == 201, "WHIP after the first publisher left: \(next.status) \(next.body)")
            #expect(next.header("Location")?.hasPrefix("/live/whip/") == true, "\(next.headers)")
            #expect(next.body.contains("a=recvonly") && next.body.contains("a=rtpmap:102 H264/90000"),
                    "the answer must receive and prefer H.264: \(next.body)")
            let resource = try Self.resourceURL(next, endpoint: whip)
            expectUnauthorized(try await scope.http("DELETE", resource), "DELETE of a WHIP resource without a token")
            let deleted = try await scope.http("DELETE", resource, headers: ["Authorization": "Bearer \(Self.publishToken)"])
            #expect(deleted.status == 200 || deleted.status == 204, "\(deleted.status) \(deleted.body)")

            // Tokens never reach the log (debug level).
            gateway.process.terminate()
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            for token in [Self.publishToken, Self.readToken] {
                #expect(!log.contains(token), "a token appears in the gateway's output")
            }
        }

        @Test("A path name with '..' in the config file or on the command line: the gateway refuses to start",
              .requires(.gateway), .timeLimit(.minutes(1)))
        func traversalInPathNames() async throws {
            let folder = InteropEnvironment.current.logRoot + "/cli-\(getpid())"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let safePorts = CommandLineErrorTests.safePorts
            for (index, name) in ["..", "a/../b", "../etc"].enumerated() {
                let file = folder + "/traversal-\(index).yml"
                try "paths:\n  \"\(name)\": {source: publisher}\n".write(toFile: file, atomically: true, encoding: .utf8)
                try await CommandLineErrorTests.expectRefusal(["--config", file] + safePorts,
                                                              mentioning: "invalid path name \"\(name)\"")
            }
            try await CommandLineErrorTests.expectRefusal(["--path", "../x=publisher"] + safePorts, mentioning: "\"..\"")
        }
    }
}
