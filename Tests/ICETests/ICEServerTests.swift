import ICE
import Testing

@Suite struct ICEServerTests {
    @Test func parsesStunWithAndWithoutPort() throws {
        let plain = try ICEServer(parsing: "stun:stun.example.org")
        #expect(plain.scheme == .stun && plain.host == "stun.example.org" && plain.port == 3478 && plain.credentials == .none)
        #expect(plain.url == "stun:stun.example.org:3478")
        let v6 = try ICEServer(parsing: "stun:[2001:db8::1]:19302")
        #expect(v6.host == "2001:db8::1" && v6.port == 19302 && v6.url == "stun:[2001:db8::1]:19302")
        #expect(try ICEServer(parsing: "STUN:10.0.0.1:1").url == "stun:10.0.0.1:1")
    }

    @Test func parsesTurnWithTransportAndPassword() throws {
        let server = try ICEServer(parsing: "turn:turn.example.org:3479?transport=tcp,username=alice,credential=pa%2Css")
        #expect(server.scheme == .turn && server.port == 3479 && server.transport == .tcp)
        #expect(server.credentials == .password(username: "alice", credential: "pa,ss"))
        #expect(server.url == "turn:turn.example.org:3479?transport=tcp")
        let tls = try ICEServer(parsing: "turns:turn.example.org,username=a,credential=b")
        #expect(tls.port == 5349 && tls.transport == nil)
    }

    @Test func parsesSharedSecretWithTTL() throws {
        let server = try ICEServer(parsing: "turn:10.1.0.2?transport=udp,secret=north-secret,user=alice,ttl=3600")
        #expect(server.credentials == .sharedSecret(secret: "north-secret", user: "alice", ttlSeconds: 3600))
        let defaults = try ICEServer(parsing: "turn:10.1.0.2,secret=s")
        #expect(defaults.credentials == .sharedSecret(secret: "s", user: "", ttlSeconds: ICEServer.defaultTTLSeconds))
    }

    @Test(arguments: [
        "stun:", "http://x", "stun://host", "stun:host:0", "stun:host:65536", "stun:host:+1", "stun:ho st",
        "stun:host?transport=udp", "stun:host,username=a,credential=b", "turn:host", "turn:host,username=a",
        "turn:host,credential=b", "turn:host,username=a,credential=b,secret=c", "turn:host?transport=sctp,secret=s",
        "turn:host?foo=udp,secret=s", "turn:host,secret=s,ttl=59", "turn:host,secret=s,ttl=604801",
        "turn:host,secret=s,ttl=1e3", "turn:host,secret=s,secret=t", "turn:host,secret=", "turn:host,secret=%4",
        "turn:host,secret=%0a", "turn:host,password=x", "turn:host,secret=s,extra", "turn:host,username=a,credential=b,user=c",
        "stun:[::1", "stun:[nothost]:1", "stun:host,ttl=60",
    ])
    func rejects(_ text: String) {
        #expect(throws: ICEServerError.self) { try ICEServer(parsing: text) }
    }

    @Test func errorsNeverShowCredentials() {
        for text in ["turn:host,username=alice,credential=hunter2,hunter3", "turn:host,secret=hunter2,hunter3=1"] {
            do {
                _ = try ICEServer(parsing: text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(!"\(error)".contains("hunter"))
            }
        }
    }

    @Test func ttlAtTheLimitsAndTextAtTheCap() throws {
        _ = try ICEServer(parsing: "turn:h,secret=s,ttl=60")
        _ = try ICEServer(parsing: "turn:h,secret=s,ttl=604800")
        let prefix = "turn:h,secret="
        let atCap = prefix + String(repeating: "x", count: ICEServer.maxTextBytes - prefix.utf8.count)
        _ = try ICEServer(parsing: atCap)
        #expect(throws: ICEServerError.self) { try ICEServer(parsing: atCap + "x") }
    }

    /// Known vector, computed independently: base64(HMAC-SHA1("north-secret", "1700086400:alice")).
    @Test func restCredentialsMatchAKnownVector() throws {
        let server = try ICEServer(parsing: "turn:h,secret=north-secret,user=alice,ttl=86400")
        let made = server.credentials(nowUnixSeconds: 1_700_000_000)
        #expect(made?.username == "1700086400:alice")
        #expect(made?.credential == "Nni2GlD6PVaoCP0Cx2DhLKDWjyY=")
        #expect(try ICEServer(parsing: "stun:h").credentials(nowUnixSeconds: 1) == nil)
    }

    @Test func linkHeaderQuotesCredentials() throws {
        #expect(try ICEServer(parsing: "stun:s.example:3478").linkHeaderValue(nowUnixSeconds: 0)
            == "<stun:s.example:3478>; rel=\"ice-server\"")
        let turn = try ICEServer(parsing: "turn:t.example?transport=udp,username=a%22b,credential=c%5Cd")
        #expect(turn.linkHeaderValue(nowUnixSeconds: 0)
            == #"<turn:t.example:3478?transport=udp>; rel="ice-server"; username="a\"b"; credential="c\\d"; credential-type="password""#)
        #expect(ICEServer.quoted("plain") == "\"plain\"")
    }

    @Test func descriptionAndDumpRedactCredentials() throws {
        for text in ["turn:h,username=alice,credential=hunter2", "turn:h,secret=hunter2,user=alice"] {
            let server = try ICEServer(parsing: text)
            var dumped = ""
            dump(server, to: &dumped)
            for shown in ["\(server)", String(reflecting: server), dumped] {
                #expect(!shown.contains("hunter2") && shown.contains("turn:h:3478"))
            }
        }
    }
}
