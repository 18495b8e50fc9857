import RTSP
import Testing

/// Inputs FuzzRTSP found (Fuzz/README.md), cut down to what triggers each bug.
@Suite struct RTSPDigestChallengeFuzzRegressionTests {
    /// A quoted qop option holding an escaped quote was written back unescaped, so the challenge
    /// did not parse back from its `headerValue`.
    @Test func qopWithQuoteSurvivesARoundTrip() {
        let value = #"Digest realm="IP Camera(C6290)", nonce="7d7e4cf1", qop="a(c6290)\"", algorithm=MD5"#
        let challenges = RTSPAuthChallenge.parse([value])
        guard case .digest(let digest) = challenges.first else {
            Issue.record("no Digest challenge in \(challenges)")
            return
        }
        #expect(digest.qop == ["a(c6290)\""])
        #expect(RTSPAuthChallenge.parse([digest.headerValue]) == challenges)
    }
}
