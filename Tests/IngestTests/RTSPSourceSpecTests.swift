@testable import Ingest
import Routing
import Testing

/// `RTSPSourceSpec`: URL parsing, YAML options, and redaction of the camera password.
@Suite struct RTSPSourceSpecTests {
    @Test func parsesURLWithCredentialsAndRedactsThem() throws {
        let spec = try RTSPSourceSpec(parsing: "rtsp://admin:s3cr%40t@camera.example:8554/stream1?channel=2")
        #expect(spec.url.user == "admin")
        #expect(spec.url.password == "s3cr@t")
        #expect(spec.url.host == "camera.example")
        #expect(spec.url.effectivePort == 8554)
        #expect(spec.url.query == "channel=2")
        #expect(spec.transport == .automatic)
        #expect(!spec.onDemand)
        #expect(spec.closeAfter == .seconds(10))
        #expect(spec.description == "rtsp://admin:***@camera.example:8554/stream1?channel=2")
        #expect(!spec.description.contains("s3cr"))
    }

    @Test func rejectsMalformedURLsWithoutEchoingThem() {
        for text in ["rtsp://user:topsecret@", "rtsp://user:topsecret@host:99999/x", "rtsp:/host"] {
            do {
                _ = try RTSPSourceSpec(parsing: text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(!"\(error)".contains("topsecret"), "\(error)")
                #expect("\(error)".contains("not a valid RTSP URL"))
            }
        }
    }

    @Test func rejectsRTSPSWithRedactedURL() {
        #expect {
            _ = try RTSPSourceSpec(parsing: "rtsps://u:topsecret@cam/x")
        } throws: { error in
            "\(error)" == "rtsps:// sources are not supported; use rtsp:// (rtsps://u:***@cam/x)"
        }
    }

    @Test func appliesYAMLOptions() throws {
        var spec = try RTSPSourceSpec(parsing: "rtsp://u:p@cam/x")
        try spec.apply(transport: "TCP", onDemand: true, closeAfter: "2500ms")
        #expect(spec.transport == .tcp)
        #expect(spec.onDemand)
        #expect(spec.closeAfter == .milliseconds(2500))
        #expect(spec.description == "rtsp://u:***@cam/x (transport=tcp, onDemand closeAfter=2500ms)")
        try spec.apply(transport: "udp", onDemand: nil, closeAfter: "2m")
        #expect(spec.transport == .udp && spec.onDemand && spec.closeAfter == .seconds(120))
        try spec.apply(transport: "automatic", onDemand: false, closeAfter: "7")
        #expect(spec.transport == .automatic && !spec.onDemand && spec.closeAfter == .seconds(7))
        try spec.apply(transport: nil, onDemand: nil, closeAfter: nil)
        #expect(spec.closeAfter == .seconds(7))
    }

    @Test func rejectsBadOptions() throws {
        var spec = try RTSPSourceSpec(parsing: "rtsp://cam/x")
        #expect(throws: SourceError.self) { try spec.apply(transport: "http", onDemand: nil, closeAfter: nil) }
        for bad in ["", "s", "-1s", "1.5s", "ten", "25h", "1000000000s"] {
            #expect(throws: SourceError.self, "\(bad)") { try spec.apply(transport: nil, onDemand: nil, closeAfter: bad) }
        }
        try spec.apply(transport: nil, onDemand: nil, closeAfter: "24h")
        #expect(spec.closeAfter == .seconds(86_400))
        #expect(RTSPSourceSpec.parseDuration("0s") == .zero)
    }
}

/// The reconnection schedule, with a generator that always yields the same value.
@Suite struct RTSPSourceBackoffTests {
    struct ConstantGenerator: RandomNumberGenerator {
        var value: UInt64
        mutating func next() -> UInt64 { value }
    }

    static func milliseconds(_ duration: Duration) -> Int64 { duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000 }

    @Test func doublesFromOneSecondToTheCapWithLowestJitter() {
        var backoff = RTSPSourceBackoff()
        var generator = ConstantGenerator(value: 0)   // factor 0.8
        let delays = (0..<8).map { _ in Self.milliseconds(backoff.nextDelay(using: &generator)) }
        #expect(delays == [800, 1600, 3200, 6400, 12800, 24000, 24000, 24000])
        #expect(backoff.failures == 8)
    }

    @Test func highestJitterIsTwentyPercentAbove() {
        var backoff = RTSPSourceBackoff()
        var generator = ConstantGenerator(value: .max)   // factor just below 1.2
        let delays = (0..<7).map { _ in Self.milliseconds(backoff.nextDelay(using: &generator)) }
        #expect(delays == [1200, 2400, 4800, 9600, 19200, 36000, 36000])
    }

    @Test func midpointIsExactAndResetStartsOver() {
        var backoff = RTSPSourceBackoff()
        var generator = ConstantGenerator(value: 1 << 63)   // 0.5 → factor 1.0
        #expect(backoff.nextDelay(using: &generator) == .seconds(1))
        #expect(backoff.nextDelay(using: &generator) == .seconds(2))
        #expect(backoff.nextDelay(using: &generator) == .seconds(4))
        backoff.reset()
        #expect(backoff.failures == 0)
        #expect(backoff.nextDelay(using: &generator) == .seconds(1))
    }

    @Test func manyFailuresDoNotOverflow() {
        var backoff = RTSPSourceBackoff()
        var generator = ConstantGenerator(value: 1 << 63)
        for _ in 0..<100 { _ = backoff.nextDelay(using: &generator) }
        #expect(backoff.nextDelay(using: &generator) == .seconds(30))
    }
}
