import RTSP
import Testing

/// Found by FuzzRTSP in CI: `/ PRATVP/TCP` parsed (the empty protocol was skipped) into a
/// profile with a leading space, which its written form then lost, so the header did not parse
/// back the same. Each part of the specification must be a token.
@Suite struct RTSPTransportFuzzRegressionTests {
    @Test(arguments: ["/ PRATVP/TCP;unicast;interleaved=2-3", "RTP//TCP;unicast", "RTP/AVP/;unicast",
                      "RTP/ AVP;unicast", "RTP /AVP;unicast", "R TP/AVP/TCP;interleaved=0-1"])
    func specificationPartsAreTokens(header: String) {
        #expect(throws: RTSPHeaderError.self) { try RTSPTransport(parsing: header) }
    }

    @Test func wellFormedSpecificationsStillRoundTrip() throws {
        for header in ["RTP/AVP;unicast;client_port=5000-5001", "RTP/AVP/TCP;unicast;interleaved=2-3",
                       " RTP/SAVP/UDP ;multicast;ttl=8"] {
            let transport = try RTSPTransport(parsing: header)
            #expect(try RTSPTransport(parsing: transport.headerValue) == transport, "\(header)")
        }
    }
}
