import RTSP
import Runtime
@testable import Server
import Testing

/// Issue #8: the gateway's tokens protect RTSP too, and the `rtsp:` limits come from the config file.
extension ServeOptionsTests {
    @Test func globalTokenProtectsRTSPReadAndPublish() throws {
        var options = ServeOptions()
        options.paths = ["demo=demo", "push=publisher"]
        options.token = "s3cret"
        let (gateway, _) = try options.resolve()
        let rtsp = try #require(gateway.rtspServer)
        #expect(rtsp.authentication(path: "demo", access: .read)?.token == "s3cret")
        #expect(rtsp.authentication(path: "push", access: .publish)?.token == "s3cret")
        #expect(rtsp.authentication(path: "demo", access: .read)?.allowsBasic == false)
        let summary = rtsp.accessSummary(paths: ["demo", "push"], publishable: ["push"])
        #expect(summary == "read requires token; publish requires token; Digest")
        #expect(!summary.contains("s3cret"))
        let (_, http) = try options.resolve()
        #expect(http.accessSummary(paths: ["demo", "push"], publishable: ["push"])
            == "read (WHEP) requires token; publish (WHIP) requires token")
        // Without a token: open.
        options.token = nil
        let open = try #require(try options.resolve().0.rtspServer)
        #expect(open.authentication(path: "demo", access: .read) == nil)
        #expect(open.accessSummary(paths: ["demo", "push"], publishable: ["push"]) == "read open; publish open; Digest")
        #expect(try options.resolve().1.accessSummary(paths: ["demo"], publishable: []) == "read (WHEP) open; publish (WHIP): no paths")
    }

    @Test func pathTokensAndUsersAndLimitsFromTheFile() throws {
        let file = try writeConfig("""
            rtsp: { allowBasic: true, nonceLifetime: "10s", maxConnections: 5, maxConnectionsPerClient: 2, maxNoncesPerConnection: 3, idleTimeout: 3, sessionTimeout: "45s", maxQueuedWriteBytes: 65536 }
            paths:
              cam: { source: demo, readToken: "r3ad", readUsers: ["viewer:pw"] }
              push: { source: publisher, publishToken: "p0b" }
              open: { source: demo }
            """)
        var options = ServeOptions()
        options.configFile = file
        let rtsp = try #require(try options.resolve().0.rtspServer)
        #expect(rtsp.allowsBasic && rtsp.nonceLifetime == .seconds(10) && rtsp.maxConnections == 5 && rtsp.maxConnectionsPerClient == 2
                && rtsp.maxNoncesPerConnection == 3)
        #expect(rtsp.idleTimeout == .seconds(3) && rtsp.sessionTimeout == .seconds(45) && rtsp.maxQueuedWriteBytes == 65536)
        let cam = try #require(rtsp.authentication(path: "cam", access: .read))
        #expect(cam.token == "r3ad" && cam.users.map(\.username) == ["viewer"] && cam.allowsBasic)
        #expect(rtsp.authentication(path: "push", access: .publish)?.token == "p0b")
        #expect(rtsp.authentication(path: "push", access: .read) == nil)
        #expect(rtsp.authentication(path: "open", access: .read) == nil)
        let summary = rtsp.accessSummary(paths: ["cam", "open", "push"], publishable: ["push"])
        #expect(summary == "read open (except cam requires token or users); publish requires token; Digest or Basic")
        for secret in ["r3ad", "p0b", "pw"] {
            #expect(!summary.contains(secret))
            #expect(!"\(rtsp)".contains(secret), "\(rtsp)")
        }
    }

    /// The parser caps and the request queue come from `rtsp:`; defaults when absent.
    @Test func parserLimitsAndRequestQueueFromTheFile() throws {
        let defaults = try #require(try ServeOptions().resolve().0.rtspServer)
        #expect(defaults.limits == RTSPLimits() && defaults.maxQueuedRequests == 8)
        var options = ServeOptions()
        options.configFile = try writeConfig("""
            rtsp: { maxHeaderLines: 8, maxHeaderLineBytes: 300, maxStartLineBytes: 200, maxURLBytes: 100, maxBodyBytes: 2048,
                    maxInterleavedFrameBytes: 1500, maxBufferedBytes: 65536, maxQueuedRequests: 2 }
            """)
        let rtsp = try #require(try options.resolve().0.rtspServer)
        var expected = RTSPLimits()
        expected.maxHeaderLines = 8
        expected.maxHeaderLineBytes = 300
        expected.maxStartLineBytes = 200
        expected.maxURLBytes = 100
        expected.maxBodyBytes = 2048
        expected.maxInterleavedFrameBytes = 1500
        expected.maxBufferedBytes = 65536
        #expect(rtsp.limits == expected && rtsp.maxQueuedRequests == 2)
    }

    /// Each cap is accepted at both ends of its range and refused one past, with the key, the
    /// value and the range in the message.
    @Test(arguments: [("maxHeaderLines", 8, 1024), ("maxHeaderLineBytes", 256, 1 << 20), ("maxStartLineBytes", 64, 1 << 20),
                      ("maxURLBytes", 32, 1 << 20), ("maxBodyBytes", 1024, 128 * 1024), ("maxInterleavedFrameBytes", 1500, 65536),
                      ("maxBufferedBytes", 65536 + 4352, 64 << 20), ("maxQueuedRequests", 1, 1024)])
    func parserLimitsAreCheckedAtTheirRange(key: String, low: Int, high: Int) throws {
        func resolve(_ value: Int) throws -> RTSPServerSettings? {
            var options = ServeOptions()
            let buffer = key == "maxBufferedBytes" ? "" : ", maxBufferedBytes: \(2 << 20)"
            options.configFile = try writeConfig("rtsp: { \(key): \(value)\(buffer) }\n")
            return try options.resolve().0.rtspServer
        }
        for good in [low, high] { #expect(try resolve(good) != nil, "\(key): \(good)") }
        let below = key == "maxBufferedBytes" ? 65535 : low - 1
        let above = key == "maxBodyBytes" ? (16 << 20) + 1 : high + 1
        for bad in [below, above] {
            let error = #expect(throws: ConfigError.self) { try resolve(bad) }
            #expect(error?.description.contains("rtsp.\(key) is \(bad); it must be from") == true, "\(error?.description ?? "")")
        }
    }

    /// A buffer too small for a body (or frame) at its cap is refused, naming both keys.
    @Test func bufferMustHoldABodyAtItsCap() throws {
        var options = ServeOptions()
        options.configFile = try writeConfig("rtsp: { maxBodyBytes: 1048576, maxBufferedBytes: 1048576 }\n")
        let error = #expect(throws: ConfigError.self) { try options.resolve() }
        #expect(error?.description.contains("rtsp.maxBufferedBytes (1048576) must be at least 1052928") == true,
                "\(error?.description ?? "")")
        options.configFile = try writeConfig("rtsp: { maxBodyBytes: 1048576, maxBufferedBytes: 1052928 }\n")
        #expect(try options.resolve().0.rtspServer?.limits.maxBodyBytes == 1 << 20)
        options.configFile = try writeConfig("rtsp: { maxHeaderLines: \"many\" }\n")
        let typeError = #expect(throws: ConfigError.self) { try options.resolve() }
        #expect(typeError?.description.contains("'rtsp.maxHeaderLines' must be an integer") == true, "\(typeError?.description ?? "")")
    }
}
