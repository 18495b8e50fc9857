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
}
