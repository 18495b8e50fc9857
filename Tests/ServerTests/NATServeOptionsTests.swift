import ICE
import Runtime
@testable import Server
import Testing

/// `--ice-server`, `--webrtc-tcp` and their YAML keys (`http.iceServers`, `webrtc.tcp*`,
/// `webrtc.stunRefresh`).
extension ServeOptionsTests {
    @Test func iceServersFromFlagsReplaceTheFileAndReachTheGateway() throws {
        var options = ServeOptions()
        options.configFile = try writeConfig("http: { iceServers: [\"stun:file.example\"] }\n")
        #expect(try options.resolve().1.iceServers.map(\.url) == ["stun:file.example:3478"])
        options.iceServers = ["stun:192.0.2.1:19302", "turn:192.0.2.2?transport=tcp,username=u,credential=p"]
        let (gateway, http) = try options.resolve()
        #expect(http.iceServers.map(\.url) == ["stun:192.0.2.1:19302", "turn:192.0.2.2:3478?transport=tcp"])
        #expect(gateway.iceServers == http.iceServers)
    }

    @Test func badICEServersAreNamedWithoutTheirCredentials() throws {
        var options = ServeOptions()
        options.iceServers = ["turn:192.0.2.2,username=u"]
        #expect {
            try options.resolve()
        } throws: { error in
            "\(error)".hasPrefix("--ice-server: ice server: a TURN server needs") || "\(error)".contains("give username= with credential=")
        }
        options.iceServers = Array(repeating: "stun:192.0.2.1", count: ServeOptions.maxICEServers)
        #expect(try options.resolve().1.iceServers.count == ServeOptions.maxICEServers)
        options.iceServers.append("stun:192.0.2.1")
        #expect { try options.resolve() } throws: { "\($0)".contains("at most 16 ICE servers") }
        var file = ServeOptions()
        file.configFile = try writeConfig("http: { iceServers: [\"turn:h,secret=hunter2,bogus=1\"] }\n")
        #expect { try file.resolve() } throws: { "\($0)".contains("http.iceServers") && !"\($0)".contains("hunter2") }
    }

    @Test func webRTCTCPIsOffByDefaultAndTakesAPort() throws {
        #expect(try ServeOptions().resolve().0.webRTCTCP.port == nil)
        var options = ServeOptions()
        options.webRTCTCPPort = 8189
        #expect(try options.resolve().0.webRTCTCP.port == 8189)
        options.webRTCTCPPort = 65536
        #expect { try options.resolve() } throws: { "\($0)".contains("--webrtc-tcp 65536 is not a port") }
    }

    @Test func webRTCTCPCapsFromTheFileAtTheirLimits() throws {
        for (key, low, high) in [("tcpMaxFrameBytes", 1500, 65535), ("tcpMaxBufferedBytes", 65536, 64 << 20),
                                 ("tcpMaxConnections", 1, 1_000_000), ("tcpPort", 0, 65535)] {
            for good in [low, high] {
                var options = ServeOptions()
                options.configFile = try writeConfig("webrtc: { \(key): \(good) }\n")
                let tcp = try options.resolve().0.webRTCTCP
                #expect([tcp.maxFrameBytes, tcp.maxBufferedBytes, tcp.maxConnections, tcp.port ?? -1].contains(good), "\(key)")
            }
            for bad in [low - 1, high + 1] {
                var options = ServeOptions()
                options.configFile = try writeConfig("webrtc: { \(key): \(bad) }\n")
                #expect { try options.resolve() } throws: { "\($0)".contains("webrtc.\(key) must be from \(low) to \(high)") }
            }
        }
    }

    @Test func stunRefreshWithinItsRange() throws {
        var options = ServeOptions()
        options.configFile = try writeConfig("webrtc: { stunRefresh: \"10s\" }\n")
        #expect(try options.resolve().0.serverReflexive.refreshInterval == .seconds(10))
        options.configFile = try writeConfig("webrtc: { stunRefresh: \"24h\" }\n")
        #expect(try options.resolve().0.serverReflexive.refreshInterval == .seconds(86_400))
        for bad in ["9s", "1441m", "soon"] {
            options.configFile = try writeConfig("webrtc: { stunRefresh: \"\(bad)\" }\n")
            #expect { try options.resolve() } throws: { "\($0)".contains("webrtc.stunRefresh") }
        }
    }
}
