import Foundation
import Testing

extension InteropSuite {
    /// `rtcbridge serve --config FILE.yml` with no flags: addresses, ICE servers, the offer size
    /// cap and the paths all come from the file.
    @Suite("YAML config file")
    struct ConfigFileTests {
        static let maxOfferBytes = 4096

        /// The config of `configuredGateway`; `idle.sdp` is relative, so it must resolve against
        /// the file's folder (the gateway's working directory is elsewhere).
        static let config = """
            http:
              address: 127.0.0.1:0
              iceServers: ["stun:stun.example.org:3478"]
              maxOfferBytes: \(maxOfferBytes)
            webrtc:
              udpPort: 0
              iceHosts: [127.0.0.1]
            paths:
              clip: {source: demo}
              idle: {source: idle.sdp}

            """

        @Test("Paths, ICE server Link header and maxOfferBytes (cap accepted, cap + 1 refused) from the file",
              .requires(.root, .ip, .gateway, .curl), .timeLimit(.minutes(1)))
        func configuredGateway() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let configFile = scope.file("rtcbridge.yml")
            try Self.config.write(toFile: configFile, atomically: true, encoding: .utf8)
            try HTTPErrorTests.idleSourceSDP.write(toFile: scope.file("idle.sdp"), atomically: true, encoding: .utf8)
            #expect(FileManager.default.currentDirectoryPath != scope.logDirectory)

            let gateway = try await scope.startGateway(exactly: ["--config", configFile])
            let stats = try await scope.waitUntilReady(gateway, path: "clip")
            #expect(stats.paths.map(\.name).sorted() == ["clip", "idle"], "\(stats.paths.map(\.name))")
            #expect(stats.path("idle")?.ready == false)
            #expect(stats.path("demo") == nil, "the default path must not be added when the file has paths")

            let sdpType = ["Content-Type": "application/sdp"]
            let whep = gateway.url("/clip/whep")
            let created = try await scope.http("POST", whep, headers: sdpType, body: Data(SampleOffers.recvonly.utf8))
            #expect(created.status == 201, "\(created.body)")
            #expect(created.header("Link") == "<stun:stun.example.org:3478>; rel=\"ice-server\"",
                    "Link: \(created.header("Link") ?? "missing")")

            let atCap = try #require(SampleOffers.padded(toExactly: Self.maxOfferBytes))
            let overCap = try #require(SampleOffers.padded(toExactly: Self.maxOfferBytes + 1))
            #expect(atCap.utf8.count == Self.maxOfferBytes && overCap.utf8.count == Self.maxOfferBytes + 1)
            let accepted = try await scope.http("POST", whep, headers: sdpType, body: Data(atCap.utf8))
            #expect(accepted.status == 201, "\(Self.maxOfferBytes) bytes: \(accepted.status) \(accepted.body)")
            let refused = try await scope.http("POST", whep, headers: sdpType, body: Data(overCap.utf8))
            #expect(refused.status == 413, "\(Self.maxOfferBytes + 1) bytes: \(refused.status) \(refused.body)")
            let reason = refused.body.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!reason.isEmpty && !reason.contains("\n"), "413 reason must be one line: \(refused.body)")
            #expect(gateway.process.isRunning)
        }
    }
}
