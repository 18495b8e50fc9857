import ICE
import RTCBase
import STUN
import Testing

@Suite struct ICECredentialsTests {
    @Test func generatedCredentialsUseTheICECharset() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let credentials = ICECredentials.generate()
        #expect(credentials.ufrag.count == 8)
        #expect(credentials.password.count == 24)
        #expect(credentials.ufrag.allSatisfy(allowed.contains))
        #expect(credentials.password.allSatisfy(allowed.contains))
        #expect(ICECredentials.generate() != credentials)
    }

    @Test func descriptionRedactsThePassword() {
        let credentials = ICECredentials(ufrag: "abcd", password: "secretsecretsecretsecret")
        #expect(!"\(credentials)".contains("secret"))
        #expect(!String(reflecting: credentials).contains("secret"))
        #expect("\(credentials)".contains("abcd"))
    }

    @Test func usernameSplitting() {
        #expect(ICECredentials.localUfrag(fromUsername: "lite:peer") == "lite")
        #expect(ICECredentials.remoteUfrag(fromUsername: "lite:peer") == "peer")
        #expect(ICECredentials.localUfrag(fromUsername: "a:b:c") == "a")
        #expect(ICECredentials.localUfrag(fromUsername: "nocolon") == nil)
        #expect(ICECredentials.localUfrag(fromUsername: ":peer") == nil)
        #expect(ICECredentials.remoteUfrag(fromUsername: "lite:") == nil)
    }

    @Test func localUfragForRoutingADatagram() {
        let peer = ControllingPeer(agent: ICECredentials(ufrag: "LiteUfrg", password: "p"),
                                   own: ICECredentials(ufrag: "peer", password: "q"))
        #expect(ICELiteAgent.localUfrag(in: peer.check()[...]) == "LiteUfrg")
        #expect(ICELiteAgent.localUfrag(in: [0x80, 0, 0, 0][...]) == nil)
        #expect(ICELiteAgent.localUfrag(in: [UInt8](repeating: 0, count: 40)[...]) == nil)
    }

    @Test func hostPriority() {
        // RFC 8445 §5.1.2.1: 126 << 24 | 65535 << 8 | 255 = 2130706431 (the value browsers send).
        #expect(ICECandidatePriority.host(localPreference: 65535) == 2_130_706_431)
        #expect(ICECandidatePriority.host(localPreference: 0, component: 2) == 0x7e00_00fe)
        #expect(ICECandidatePriority.host(localPreference: 1, component: 0) == 0x7e00_01ff)
        #expect(ICECandidatePriority.priority(typePreference: 200, localPreference: 0, component: 256) == 0x7e00_0000)
        #expect(ICECandidatePriority.priority(typePreference: 110, localPreference: 10, component: 1) == 0x6e00_0aff)
    }

    @Test func dropReasonsDescribeThemselves() {
        #expect(ICEDropReason.badIntegrity.description == "MESSAGE-INTEGRITY does not verify")
        #expect(ICEDropReason.malformed(.tooShort(length: 3)).description
            == "malformed STUN: STUN message too short: 3 bytes, header needs 20")
    }
}

@Suite struct ICELiteAgentRedactionTests {
    @Test func agentNeverPrintsThePassword() {
        let credentials = ICECredentials(ufrag: "abcd", password: "hunter2hunter2hunter2xyz")
        let agent = ICELiteAgent(local: credentials, remote: nil, now: at(0))
        var dumped = ""
        dump(agent, to: &dumped)
        for text in ["\(agent)", String(reflecting: agent), dumped] {
            #expect(!text.contains("hunter2"))
            #expect(text.contains("abcd"))
        }
        // The key bytes ("h" = 104, "u" = 117, …) must not show up as a number list either.
        #expect(!dumped.contains("104"))
    }

    @Test func credentialsDumpRedactsThePassword() {
        var dumped = ""
        dump(ICECredentials(ufrag: "abcd", password: "hunter2hunter2hunter2xyz"), to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(dumped.contains("<redacted>"))
    }
}
