import RTSP
import Testing

@Suite struct RTSPVersionTests {
    @Test func versionString() { #expect(RTSP.version == "RTSP/1.0") }
}
