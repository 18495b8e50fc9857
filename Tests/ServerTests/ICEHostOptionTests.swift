import ICE
import Runtime
@testable import Server
import Testing

/// `--ice-host IP[:PORT]` and YAML `webrtc.iceHosts`: advertised host candidates, with the bound
/// WebRTC port or a port of their own (port forwarding, `docker -p`).
@Suite struct ICEHostOptionTests {
    @Test(arguments: [
        ("192.0.2.7", "192.0.2.7", nil),
        ("192.0.2.7:9000", "192.0.2.7", 9000),
        ("192.0.2.7:1", "192.0.2.7", 1),
        ("192.0.2.7:65535", "192.0.2.7", 65535),
        ("::1", "::1", nil),
        ("2001:db8::5", "2001:db8::5", nil),
        ("[2001:db8::5]", "2001:db8::5", nil),
        ("[2001:db8::5]:9000", "2001:db8::5", 9000),
    ] as [(String, String, Int?)])
    func acceptedForms(text: String, ip: String, port: Int?) throws {
        let parsed = try ICEAdvertisedAddress(parsing: text)
        #expect(parsed.ip == ip && parsed.port == port)
        #expect(parsed.port(bound: 8189) == port ?? 8189)
    }

    @Test(arguments: [
        "192.0.2.7:65536", "192.0.2.7:0", "192.0.2.7:", "192.0.2.7:+900", "192.0.2.7:000009000", "192.0.2.7:x",
        "gateway.example:9000", "gateway.example", "", "[2001:db8::5]9000", "[2001:db8::5", "[192.0.2.7:9000",
        "[::1]:70000", "256.0.0.1", ":9000",
    ])
    func refusedForms(text: String) {
        #expect(throws: ICEAdvertisedAddressError.self) { try ICEAdvertisedAddress(parsing: text) }
    }

    @Test func theFlagNamesTheBadValue() {
        var options = ServeOptions()
        options.iceHosts = ["127.0.0.1", "127.0.0.1:99999"]
        #expect {
            try options.resolve()
        } throws: { error in
            "\(error)".contains("--ice-host '127.0.0.1:99999' is not IP, IP:PORT or [IPV6]:PORT")
        }
        options.iceHosts = ["127.0.0.1", "[::1]:9000"]
        let resolved = try? options.resolve()
        #expect(resolved?.0.iceHostAddresses.map(\.description) == ["127.0.0.1", "[::1]:9000"])
    }

    @Test func theFileTakesPortsToo() throws {
        var options = ServeOptions()
        options.configFile = try ServeOptionsTests().writeConfig("""
            webrtc: { udpPort: 9100, iceHosts: ["10.0.0.5", "203.0.113.7:40000"] }
            """)
        let (gateway, _) = try options.resolve()
        #expect(gateway.iceHostAddresses.map { $0.port(bound: gateway.webRTCUDPPort) } == [9100, 40000])
        options.configFile = try ServeOptionsTests().writeConfig("""
            webrtc: { iceHosts: ["10.0.0.5:0"] }
            """)
        #expect {
            try options.resolve()
        } throws: { error in
            "\(error)".contains("webrtc.iceHosts: '10.0.0.5:0' is not IP")
        }
    }
}
