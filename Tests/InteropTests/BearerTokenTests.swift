import Foundation
import Testing

extension InteropSuite {
    /// `rtcbridge serve --token T`: WHEP POST and DELETE need `Authorization: Bearer T`
    /// (RFC 9725 §4.5); the token never shows up in the gateway's output.
    @Suite("WHEP bearer token")
    struct BearerTokenTests {
        static let token = "s3cret"

        @Test("401 with WWW-Authenticate: Bearer without or with a wrong token; 201 and DELETE with it",
              .requires(.root, .ip, .gateway, .curl), .timeLimit(.minutes(1)))
        func tokenGuardsPostAndDelete() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            // trace: the most talkative level, so that a logged header or setting would show.
            let gateway = try await scope.startGateway(exactly: [
                "--token", Self.token, "--http", "127.0.0.1:0", "--webrtc-udp", "0", "--ice-host", "127.0.0.1",
                "--log-level", "trace",
            ])
            try await scope.waitUntilReady(gateway, path: "demo")
            let sdpType = ["Content-Type": "application/sdp"]
            let offer = Data(SampleOffers.recvonly.utf8)
            let whep = gateway.url("/demo/whep")

            func expectUnauthorized(_ response: HTTPExchange, _ what: Comment) {
                #expect(response.status == 401, what)
                #expect(response.header("WWW-Authenticate") == "Bearer", "\(what): \(response.headers)")
                let reason = response.body.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(!reason.isEmpty && !reason.contains("\n"), "\(what): reason must be one line: \(response.body)")
                #expect(!response.body.contains(Self.token), "\(what): the body reveals the token")
            }

            let missing = try await scope.http("POST", whep, headers: sdpType, body: offer)
            expectUnauthorized(missing, "POST without Authorization")
            let wrong = try await scope.http("POST", whep, headers: sdpType.merging(["Authorization": "Bearer wrong"]) { $1 },
                                             body: offer)
            expectUnauthorized(wrong, "POST with a wrong token")
            let notBearer = try await scope.http("POST", whep,
                                                 headers: sdpType.merging(["Authorization": Self.token]) { $1 }, body: offer)
            expectUnauthorized(notBearer, "POST with the token but no Bearer scheme")

            let authorization = ["Authorization": "Bearer \(Self.token)"]
            let created = try await scope.http("POST", whep, headers: sdpType.merging(authorization) { $1 }, body: offer)
            #expect(created.status == 201, "\(created.body)")
            #expect(created.body.hasPrefix("v=0"))
            let location = try #require(created.header("Location"))
            let resource = try #require(URL(string: location, relativeTo: URL(string: whep))).absoluteString

            // The scheme is case-insensitive (RFC 9110 §11.1).
            let lowercase = try await scope.http("POST", whep, headers: sdpType.merging(["Authorization": "bearer \(Self.token)"]) { $1 },
                                                 body: offer)
            #expect(lowercase.status == 201, "lowercase 'bearer': \(lowercase.status) \(lowercase.body)")
            if let second = lowercase.header("Location"), let url = URL(string: second, relativeTo: URL(string: whep)) {
                let gone = try await scope.http("DELETE", url.absoluteString, headers: ["Authorization": "BEARER \(Self.token)"])
                #expect(gone.status == 200 || gone.status == 204, "DELETE with 'BEARER': \(gone.status)")
            }

            let deleteWithout = try await scope.http("DELETE", resource)
            expectUnauthorized(deleteWithout, "DELETE without Authorization")
            let deleteWrong = try await scope.http("DELETE", resource, headers: ["Authorization": "Bearer wrong"])
            expectUnauthorized(deleteWrong, "DELETE with a wrong token")
            // The refused DELETEs left the session alone: the authorized one still finds it.
            let deleted = try await scope.http("DELETE", resource, headers: authorization)
            #expect(deleted.status == 200 || deleted.status == 204, "\(deleted.status) \(deleted.body)")
            let deletedAgain = try await scope.http("DELETE", resource, headers: authorization)
            #expect(deletedAgain.status == 404, "a DELETEd session must be gone: \(deletedAgain.status)")
            #expect(gateway.process.isRunning)

            // Let the gateway write what it logs about these requests, then stop it so that
            // everything it buffered reaches the files.
            gateway.process.terminate()
            let log = gateway.process.text(.stdout) + gateway.process.text(.stderr)
            #expect(!log.isEmpty, "the gateway logged nothing at trace level")
            #expect(!log.contains(Self.token), "the token appears in the gateway's output:\n\(gateway.process.logTail())")
        }
    }
}
