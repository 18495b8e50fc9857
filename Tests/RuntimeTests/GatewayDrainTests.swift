import ICE
import Logging
import RTCBase
@testable import Runtime
import Testing

/// The drain plan on virtual time: stage order, log lines with counts, and the timeout verdict.
@Suite struct GatewayDrainTests {
    static let start = Instant(nanoseconds: 10_000_000_000)
    static let counts = GatewayDrain.Counts(webRTCSessions: 12, rtspConnections: 2, sources: 1, recordings: 1)

    @Test func stagesInOrderThenDrained() {
        var drain = GatewayDrain(counts: Self.counts, timeout: .seconds(5), now: Self.start)
        #expect(drain.startLine == "draining: 12 WebRTC sessions, 2 RTSP connections, 1 source, 1 recording (timeout 5 s)")
        #expect(drain.pending == GatewayDrain.Stage.allCases)
        var now = Self.start
        var lines: [String] = []
        for stage in GatewayDrain.Stage.allCases {
            drain.begin(stage, now: now)
            now = now + .milliseconds(42)
            if let line = drain.finishCurrent(now: now) { lines.append(line) }
        }
        #expect(lines == ["drain: listeners done in 0.042 s",
                          "drain: peers done in 0.042 s (12 WebRTC sessions, 2 RTSP connections)",
                          "drain: sources done in 0.042 s (1 source)",
                          "drain: recordings done in 0.042 s (1 recording)",
                          "drain: sockets done in 0.042 s"])
        #expect(drain.isComplete && drain.pending.isEmpty)
        #expect(!drain.isOverdue(now: now + .seconds(10)))   // done: never overdue
        #expect(drain.endLine(now: now) == "drained in 0.21 s")
    }

    /// The timeout path: a stage that does not finish by the deadline is named, with what it
    /// was closing, and so is every stage after it.
    @Test func overdueStageIsNamedWithWhatFollows() {
        var drain = GatewayDrain(counts: Self.counts, timeout: .seconds(5), now: Self.start)
        drain.begin(.listeners, now: Self.start)
        drain.finishCurrent(now: Self.start + .milliseconds(10))
        drain.begin(.peers, now: Self.start + .milliseconds(10))
        drain.finishCurrent(now: Self.start + .milliseconds(30))
        drain.begin(.sources, now: Self.start + .milliseconds(30))
        drain.finishCurrent(now: Self.start + .milliseconds(40))
        drain.begin(.recordings, now: Self.start + .milliseconds(40))
        #expect(!drain.isOverdue(now: Self.start + .milliseconds(4999)))
        #expect(drain.isOverdue(now: Self.start + .seconds(5)))
        #expect(drain.pending == [.recordings, .sockets])
        #expect(drain.endLine(now: Self.start + .seconds(5))
                == "drain timed out after 5 s; still pending: recordings (running: 1 recording), sockets")
    }

    @Test func secondsAreShortAndExact() {
        #expect(GatewayDrain.seconds(.milliseconds(210)) == "0.21")
        #expect(GatewayDrain.seconds(.seconds(5)) == "5")
        #expect(GatewayDrain.seconds(.milliseconds(1005)) == "1.005")
        #expect(GatewayDrain.seconds(.zero) == "0")
        #expect(GatewayDrain.count(1, "recording") == "1 recording" && GatewayDrain.count(0, "source") == "0 sources")
    }

    /// The runtime's timeout path: a listener that never closes holds up the drain, which gives
    /// up at the deadline (false) instead of waiting for it.
    @Test(.timeLimit(.minutes(1))) func gatewayDrainGivesUpAtTheDeadline() async throws {
        var configuration = GatewayConfiguration()
        configuration.webRTCBindHost = "127.0.0.1"
        configuration.webRTCUDPPort = 0
        configuration.iceHostAddresses = [try ICEAdvertisedAddress(parsing: "127.0.0.1")]
        configuration.rtspServer = nil
        configuration.paths = [("demo", .demo)]
        let gateway = Gateway(configuration: configuration, logger: Logger(label: "test"))
        try await gateway.start()
        let (released, release) = AsyncStream.makeStream(of: Void.self)
        let drained = await gateway.drain(timeout: .milliseconds(200)) {
            for await _ in released { break }   // a listener that does not close until released
        }
        #expect(!drained)
        release.finish()   // the rest of the stages run now, and free the sockets
    }
}
