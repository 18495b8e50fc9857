import Foundation
import RTCBase
import Runtime
@testable import Server
import Testing

@Suite struct ServeOptionsTests {
    func writeConfig(_ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rtcbridge-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("rtcbridge.yml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    @Test func defaultsServeTheDemo() throws {
        let (gateway, http) = try ServeOptions().resolve()
        #expect(gateway.paths.map(\.name) == ["demo"] && gateway.paths.first?.source == .demo)
        #expect(gateway.webRTCUDPPort == 8189 && http.port == 8889 && http.host == "0.0.0.0")
        #expect(http.bearerToken == nil && http.corsOrigins.isEmpty)
        #expect(http.maxConnections == 1024 && http.idleTimeoutSeconds == 30)
    }

    @Test func fileIsReadAndFlagsWin() throws {
        let file = try writeConfig("""
            http: { address: "127.0.0.1:9000", corsOrigins: ["https://a.example"], token: "t0ken", iceServers: ["stun:s.example:3478"], maxOfferBytes: 4096 }
            webrtc: { udpPort: 9100, iceHosts: ["10.0.0.5"] }
            paths:
              cam: { source: cam.sdp }
              clip: { source: demo }
            """)
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        try "v=0\n".write(toFile: folder + "/cam.sdp", atomically: true, encoding: .utf8)
        try "v=0\n".write(toFile: folder + "/other.sdp", atomically: true, encoding: .utf8)
        var options = ServeOptions()
        options.configFile = file
        var (gateway, http) = try options.resolve()
        #expect(gateway.paths.map(\.name) == ["cam", "clip"])
        #expect(gateway.paths.first?.source == .rtpSDPFile(folder + "/cam.sdp"))   // relative to the file
        #expect(http.host == "127.0.0.1" && http.port == 9000 && http.maxOfferBytes == 4096)
        #expect(http.corsOrigins == ["https://a.example"] && http.iceServers.map(\.url) == ["stun:s.example:3478"])
        #expect(http.bearerToken == "t0ken" && gateway.webRTCUDPPort == 9100 && gateway.iceHostAddresses.map(\.description) == ["10.0.0.5"])

        options.http = "0.0.0.0:0"
        options.webRTCUDPPort = 0
        options.paths = ["cam=\(folder)/other.sdp"]
        options.token = "flag"
        (gateway, http) = try options.resolve()
        #expect(http.port == 0 && gateway.webRTCUDPPort == 0 && http.bearerToken == "flag")
        #expect(gateway.paths.map(\.name) == ["clip", "cam"])
        #expect(gateway.paths.last?.source == .rtpSDPFile(folder + "/other.sdp"))

        options.paths = ["cam=/nonexistent/x.sdp"]
        #expect { try options.resolve() } throws: { "\($0)".contains("/nonexistent/x.sdp") }
    }

    @Test(arguments: [
        ("webrtc: { udpPort: \"abc\" }", "'webrtc.udpPort' must be an integer"),
        ("webrtc: { udpPort: 70000 }", "udpPort"),
        ("http: { maxOfferBytes: 0 }", "maxOfferBytes"),
        ("http: { address: \"nohost:port\" }", "HOST:PORT"),
        ("paths: { cam: { nosource: x } }", "source"),
        ("paths: { cam: { source: ftp://x } }", "unknown source"),
        ("paths: { cam: { source: missing.sdp } }", "does not exist"),
        ("rtsp: { idleTimeout: \"soon\" }", "rtsp.idleTimeout"),
        ("rtsp: { nonceLifetime: \"0s\" }", "rtsp.nonceLifetime"),
        ("rtsp: { maxConnections: 0 }", "rtsp.maxConnections"),
        ("rtsp: { maxConnectionsPerClient: 0 }", "rtsp.maxConnectionsPerClient"),
        ("rtsp: { maxNoncesPerConnection: 0 }", "rtsp.maxNoncesPerConnection"),
        ("rtsp: { maxQueuedWriteBytes: -1 }", "rtsp.maxQueuedWriteBytes"),
    ])
    func badFilesNameTheProblem(text: String, expected: String) throws {
        var options = ServeOptions()
        options.configFile = try writeConfig(text)
        #expect {
            try options.resolve()
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test func missingFileAndBadFlagsAreClear() {
        var options = ServeOptions()
        options.configFile = "/nonexistent/rtcbridge.yml"
        #expect { try options.resolve() } throws: { "\($0)".contains("/nonexistent/rtcbridge.yml") }
        for bad in ["nope", "=demo", "cam="] {
            var o = ServeOptions()
            o.paths = [bad]
            #expect { try o.resolve() } throws: { "\($0)".contains("NAME=SOURCE") }
        }
        var o = ServeOptions()
        o.webRTCUDPPort = 65536
        #expect(throws: (any Error).self) { try o.resolve() }
        o.webRTCUDPPort = 65535
        #expect(throws: Never.self) { try o.resolve() }
    }

    @Test func hostPortParsing() throws {
        #expect(try parseHostPort("127.0.0.1:80") == ("127.0.0.1", 80))
        #expect(try parseHostPort(":8889") == ("0.0.0.0", 8889))
        #expect(try parseHostPort("[::1]:443") == ("::1", 443))
        #expect(try parseHostPort("host:65535") == ("host", 65535))
        for bad in ["host:65536", "host:-1", "host:", "host:x", ""] {
            #expect(throws: ConfigError.self) { try parseHostPort(bad) }
        }
    }

    @Test func tokensCompareInConstantTimeShape() {
        #expect(constantTimeEquals("s3cret", "s3cret"))
        #expect(!constantTimeEquals("s3cret", "s3creT"))
        #expect(!constantTimeEquals("s3cret", "s3cre"))
        #expect(!constantTimeEquals("", "x"))
        #expect(constantTimeEquals("", ""))
        // Lengths that differ by a multiple of 256 with NUL padding: the whole length difference
        // must count, not its low 8 bits.
        #expect(!constantTimeEquals("", String(repeating: "\u{0}", count: 256)))
        #expect(!constantTimeEquals("a", "a" + String(repeating: "\u{0}", count: 512)))
        #expect(!constantTimeEquals(String(repeating: "\u{0}", count: 65_536), ""))
    }

    @Test func bearerSchemeIsCaseInsensitive() {
        #expect(bearerToken(fromAuthorization: "Bearer s3cret") == "s3cret")
        #expect(bearerToken(fromAuthorization: "bearer s3cret") == "s3cret")
        #expect(bearerToken(fromAuthorization: "BEARER   s3cret ") == "s3cret")
        #expect(bearerToken(fromAuthorization: "Basic czNjcmV0") == nil)
        #expect(bearerToken(fromAuthorization: "s3cret") == nil)
        #expect(bearerToken(fromAuthorization: "Bearer ") == nil)
        #expect(bearerToken(fromAuthorization: "Bearers3cret") == nil)
    }

    @Test func corsCoversOnlyWebRTCResources() {
        for path in ["/demo/whep", "/demo/whip", "/demo/whep/abc", "/cam/whip/1"] {
            #expect(isWebRTCResource(path), "\(path)")
        }
        for path in ["/api/stats", "/api/whep", "/api/whep/x", "/", "/demo/", "/demo/publish", "/static/player.js",
                     "/demo/whep/a/b", "/whep"] {
            #expect(!isWebRTCResource(path), "\(path)")
        }
    }

    @Test func connectionLimitsFromFileAndCORSFromFlags() throws {
        let file = try writeConfig("http: { maxConnections: 2, idleTimeout: 5 }\nwebrtc: { maxSessions: 50, maxSessionsPerClient: 3 }\n")
        var options = ServeOptions()
        options.configFile = file
        options.corsOrigins = ["https://a.example"]
        let (gateway, http) = try options.resolve()
        #expect(http.maxConnections == 2 && http.idleTimeoutSeconds == 5 && http.corsOrigins == ["https://a.example"])
        #expect(gateway.maxWebRTCSessions == 50 && gateway.maxWebRTCSessionsPerClient == 3)
        for bad in ["http: { maxConnections: 0 }\n", "http: { idleTimeout: -1 }\n", "webrtc: { maxSessionsPerClient: 0 }\n"] {
            var options = ServeOptions()
            options.configFile = try writeConfig(bad)
            #expect(throws: ConfigError.self) { try options.resolve() }
        }
    }

    @Test func sendBufferFromFileWithinItsCaps() throws {
        #expect(try ServeOptions().resolve().0.webRTCSendBufferBytes == 4 << 20)
        for good in [65_536, 268_435_456] {
            var options = ServeOptions()
            options.configFile = try writeConfig("webrtc: { sendBufferBytes: \(good) }\n")
            #expect(try options.resolve().0.webRTCSendBufferBytes == good)
        }
        for bad in [65_535, 268_435_457, 0] {
            var options = ServeOptions()
            options.configFile = try writeConfig("webrtc: { sendBufferBytes: \(bad) }\n")
            #expect {
                try options.resolve()
            } throws: { error in
                "\(error)".contains("webrtc.sendBufferBytes must be from 65536 to 268435456")
            }
        }
    }

    @Test func recordOptionsFromFlagAndFile() throws {
        var options = ServeOptions()
        options.configFile = try writeConfig("paths:\n  cam: { source: publisher, record: \"/rec,maxBytes=50G,retain=14d\" }\n")
        options.records = ["live=/other,retain=24h"]
        let recordings = try options.resolve().0.recordings
        #expect(recordings.map(\.path) == ["cam", "live"])
        #expect(recordings[0].spec.maxBytes == 50 << 30 && recordings[0].spec.retain == .seconds(14 * 86_400))
        #expect(recordings[1].spec.maxBytes == nil && recordings[1].spec.retain == .seconds(86_400))
        options.records = ["live=/other,retain=24x"]
        #expect(throws: (any Error).self) { try options.resolve() }
    }

    @Test func takeoverFromFlagAndFile() throws {
        let file = try writeConfig("paths:\n  studio: { source: publisher, allowTakeover: true }\n  booth: { source: publisher }\n")
        var options = ServeOptions()
        options.configFile = file
        options.paths = ["live=publisher,takeover"]
        let (gateway, _) = try options.resolve()
        #expect(gateway.takeoverPaths == ["studio", "live"])
        #expect(gateway.paths.allSatisfy { $0.source == .publisher })
    }

    @Test func fileSourcesResolveAndAreChecked() throws {
        let file = try writeConfig("paths:\n  clip: { source: v.h264+a.opus }\n  still: { source: v.h264 }\n")
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        for name in ["v.h264", "a.opus"] { try "x".write(toFile: folder + "/" + name, atomically: true, encoding: .utf8) }
        var options = ServeOptions()
        options.configFile = file
        let (gateway, _) = try options.resolve()
        #expect(gateway.paths.first { $0.name == "clip" }?.source == .files(video: folder + "/v.h264", audio: folder + "/a.opus"))
        #expect(gateway.paths.first { $0.name == "still" }?.source == .files(video: folder + "/v.h264", audio: nil))
        #expect(SourceSpec.files("a.opus+b.h264") == .files(video: "b.h264", audio: "a.opus"))
        #expect(SourceSpec.files("a.mp4") == .files(video: "a.mp4", audio: nil))
        for bad in ["a.h264+b.h264", "a.mkv", "a.mp4+b.ivf", "a.h264+b.opus+c.opus", "+"] { #expect(SourceSpec.files(bad) == nil, "\(bad)") }
        var missing = ServeOptions()
        missing.paths = ["clip=/nonexistent/v.h264+/nonexistent/a.opus"]
        #expect { try missing.resolve() } throws: { "\($0)".contains("/nonexistent/v.h264") }
    }
}

/// `--shutdown-timeout SECONDS` and `shutdownTimeout:` (the drain on SIGTERM), at its limits.
@Suite struct ShutdownTimeoutOptionTests {
    @Test func defaultFileAndFlag() throws {
        #expect(try ServeOptions().resolve().0.shutdownTimeout == .seconds(5))
        let file = try ServeOptionsTests().writeConfig("shutdownTimeout: 2.5\n")
        var options = ServeOptions()
        options.configFile = file
        #expect(try options.resolve().0.shutdownTimeout == .milliseconds(2500))
        options.shutdownTimeout = 0.1
        #expect(try options.resolve().0.shutdownTimeout == .milliseconds(100))
        options.shutdownTimeout = 3600
        #expect(try options.resolve().0.shutdownTimeout == .seconds(3600))
    }

    @Test(arguments: [0.0, 0.09, 3600.5, -1, .infinity, .nan])
    func outOfRangeIsRefused(seconds: Double) {
        var options = ServeOptions()
        options.shutdownTimeout = seconds
        #expect { try options.resolve() } throws: { "\($0)".contains("--shutdown-timeout") }
    }

    @Test func fileValueOutOfRangeOrNotANumberIsRefused() throws {
        var options = ServeOptions()
        options.configFile = try ServeOptionsTests().writeConfig("shutdownTimeout: 3601\n")
        #expect { try options.resolve() } throws: { "\($0)".contains("shutdownTimeout") }
        options.configFile = try ServeOptionsTests().writeConfig("shutdownTimeout: soon\n")
        #expect(throws: (any Error).self) { try options.resolve() }
    }
}
