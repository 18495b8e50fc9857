import Foundation
import Testing

extension InteropSuite {
    /// RFC 9725 leaves a busy path to the server: by default a second publisher gets 409; a path
    /// configured with takeover (`--path live=publisher,takeover`, YAML `allowTakeover: true`)
    /// ends the current WHIP publisher and accepts the new one.
    @Suite("WHIP takeover")
    struct WHIPTakeoverTests {
        @Test("A path that allows takeover replaces its WHIP publisher; the old resource is gone",
              .requires(.root, .ip, .gateway, .curl), .timeLimit(.minutes(1)))
        func takeover() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let gateway = try await scope.startGateway(["--path", "live=publisher,takeover", "--path", "fixed=publisher"])
            let offer = Data(SampleOffers.sendonly.utf8)
            let sdp = ["Content-Type": "application/sdp"]

            let first = try await scope.http("POST", gateway.url("/live/whip"), headers: sdp, body: offer)
            #expect(first.status == 201, "\(first.status) \(first.body)")
            let firstResource = try WHIPErrorTests.resourceURL(first, endpoint: gateway.url("/live/whip"))
            let second = try await scope.http("POST", gateway.url("/live/whip"), headers: sdp, body: offer)
            #expect(second.status == 201, "takeover: \(second.status) \(second.body)")
            let secondResource = try WHIPErrorTests.resourceURL(second, endpoint: gateway.url("/live/whip"))
            #expect(firstResource != secondResource)
            let oldGone = try await scope.http("DELETE", firstResource)
            #expect(oldGone.status == 404, "the replaced publisher's resource must be gone: \(oldGone.status)")
            let newDeleted = try await scope.http("DELETE", secondResource)
            #expect(newDeleted.status == 200 || newDeleted.status == 204)

            // Without takeover the second publisher is refused and the first keeps the path.
            let kept = try await scope.http("POST", gateway.url("/fixed/whip"), headers: sdp, body: offer)
            #expect(kept.status == 201)
            let refused = try await scope.http("POST", gateway.url("/fixed/whip"), headers: sdp, body: offer)
            #expect(refused.status == 409, "\(refused.status) \(refused.body)")
            #expect(gateway.process.text(.stderr).contains("WHIP publisher taken over"))
            #expect(gateway.process.isRunning)
        }
    }
}
