import Runtime
@testable import Server
import Testing

/// `--forward NAME=whip://…` and `--path NAME=whep://…` (issue #10, the client side).
@Suite struct ServeOptionsWHIPClientTests {
    @Test func whipForwardsAndWHEPSourcesAreParsedWithTheTokenRedacted() throws {
        var options = ServeOptions()
        options.paths = ["cam=demo", "relay=wheps://media.example/live/whep?token=pull-secret"]
        options.forwards = ["cam=whip://10.0.0.2:8889/in/whip?token=push-secret", "cam=rtp://127.0.0.1:5004"]
        let (gateway, _) = try options.resolve()
        #expect(gateway.forwards.count == 1)
        let push = try #require(gateway.whipForwards.first)
        #expect(gateway.whipForwards.count == 1 && push.path == "cam")
        #expect(push.target.endpoint == "http://10.0.0.2:8889/in/whip" && push.target.bearerToken == "push-secret")
        let relay = try #require(gateway.paths.first { $0.name == "relay" })
        #expect(relay.source.description == "wheps://media.example/live/whep?token=<redacted>")
    }

    @Test func aPushAsASourceOrAPullAsAForwardIsRefusedWithAReason() {
        var pullAsForward = ServeOptions()
        pullAsForward.forwards = ["cam=whep://h:1/p/whep"]
        #expect(throws: (any Error).self) { try pullAsForward.resolve() }
        var pushAsSource = ServeOptions()
        pushAsSource.paths = ["cam=whip://h:1/p/whip?token=secret"]
        do {
            _ = try pushAsSource.resolve()
            Issue.record("a whip:// source was accepted")
        } catch {
            #expect("\(error)".contains("use whep://") && !"\(error)".contains("secret"), "\(error)")
        }
    }
}
