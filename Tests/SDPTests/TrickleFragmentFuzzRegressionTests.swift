import SDP
import Testing

/// Inputs FuzzSDP found (Fuzz/README.md), cut down to what triggers each bug.
@Suite struct TrickleFragmentFuzzRegressionTests {
    /// Only one trailing CR was dropped, so `t \r \r` left a candidate extension `t` with the value
    /// `\r`, which the written fragment lost (`… t \r\r\n`) and then refused. Lines now end as in
    /// `SessionDescription`: trailing CR, spaces and tabs dropped, so the extension has no value.
    @Test func trailingCRsAndSpacesEndTheLine() throws {
        let bad = "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=candidate:2 1 TCP 2105524479 192.168.1.23 9 typ host t \r \r"
        #expect(throws: SDPError.self) { try TrickleFragment(parsing: bad) }

        let text = "a=ice-ufrag:abc \t\r\r\na=mid:0 \r\n"
            + "a=candidate:1 1 udp 2122260223 192.0.2.1 61764 typ host generation 0\r \r\n\r\n"
        let fragment = try TrickleFragment(parsing: text)
        #expect(fragment.iceUfrag == "abc")
        #expect(fragment.sections.count == 1 && fragment.sections[0].mid == "0")
        #expect(fragment.sections.first?.candidates.first?.extensions == [SDPCandidate.Extension(key: "generation", value: "0")])
        #expect(try TrickleFragment(parsing: fragment.serialized()) == fragment)
    }
}
