import Foundation
import Routing
import Runtime
@testable import Server
import Testing

/// `rtcbridge bridge SOURCE TARGET…` argument parsing and checks (issue #10, item 3).
@Suite struct BridgeArgumentsTests {
    private func error(_ source: String, _ targets: [String]) -> String? {
        do { _ = try BridgeArguments(source: source, targets: targets); return nil } catch { return "\(error)" }
    }

    @Test func eachTargetKindBecomesAForwardOrARecordingOfThePath() throws {
        let arguments = try BridgeArguments(source: "demo", targets: [
            "whips://media.example/live/whip?token=push-secret", "rtp://127.0.0.1:5004", "out/cam.MP4", "a.ivf", "b.ogg",
        ])
        #expect(arguments.files.map(\.format) == [.mp4, .ivf, .ogg])
        #expect(!arguments.targets.map(\.description).joined().contains("push-secret"))
        let (gateway, _) = try arguments.serveOptions().resolve()
        #expect(gateway.paths.map(\.name) == ["bridge"])
        #expect(gateway.whipForwards.count == 1 && gateway.forwards.count == 1 && gateway.recordings.count == 3)
        #expect(gateway.whipForwards.first?.target.bearerToken == "push-secret")
        #expect(gateway.recordings.first?.1.directory == "out/.cam.MP4.rtcbridge")
        #expect(gateway.rtspServer == nil && gateway.webRTCUDPPort == 0)
    }

    @Test func noTargetsUnknownSchemesAndRTSPPushAreRefusedWithAReason() {
        #expect(error("demo", [])?.contains("no TARGET") == true)
        #expect(error("", ["a.mp4"])?.contains("no SOURCE") == true)
        #expect(error("demo", ["ftp://h/x"])?.contains("unknown TARGET scheme 'ftp://'") == true)
        #expect(error("demo", ["rtsp://h:8554/x"])?.contains("not supported") == true)
        #expect(error("demo", ["whep://h:1/p/whep"])?.contains("SOURCE") == true)
        #expect(error("demo", ["out.mkv"])?.contains(".mp4, .ivf or .ogg") == true)
        #expect(error("demo", ["out"])?.contains(".mp4, .ivf or .ogg") == true)
        #expect(error("demo", ["a.mp4", "./a.mp4"])?.contains("twice") == true)
        #expect(error("demo", [""])?.contains("empty") == true)
    }

    @Test func targetsAreCappedAtTheLimitAndOnePast() throws {
        let atCap = (0..<BridgeArguments.maxTargets).map { "rtp://127.0.0.1:\(5000 + 2 * $0)" }
        #expect(try BridgeArguments(source: "demo", targets: atCap).targets.count == BridgeArguments.maxTargets)
        #expect(error("demo", atCap + ["rtp://127.0.0.1:6000"])?.contains("at most") == true)
    }

    @Test func badURLsFailWhenResolvedWithoutShowingTheToken() throws {
        for target in ["whip://?token=secret-x", "rtp://nohost", "rtp://127.0.0.1:99999"] {
            let arguments = try BridgeArguments(source: "demo", targets: [target])
            do {
                _ = try arguments.serveOptions().resolve()
                Issue.record("\(target) was accepted")
            } catch {
                #expect(!"\(error)".contains("secret-x"), "\(error)")
            }
        }
        let badSource = try BridgeArguments(source: "nosuch://x", targets: ["a.mp4"])
        #expect(throws: (any Error).self) { try badSource.serveOptions().resolve() }
    }

    @Test func fileTargetsNeedAWritableDirectoryAndTheirSegmentIsMovedInPlace() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bridge-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let missing = try BridgeArguments(source: "demo", targets: ["\(root)/nodir/out.mp4"])
        #expect(throws: BridgeArgumentError.self) { try missing.checkFiles() }
        try FileManager.default.createDirectory(atPath: "\(root)/dir.mp4", withIntermediateDirectories: true)
        let directory = try BridgeArguments(source: "demo", targets: ["\(root)/dir.mp4"])
        #expect(throws: BridgeArgumentError.self) { try directory.checkFiles() }

        let target = "\(root)/out.mp4"
        let arguments = try BridgeArguments(source: "demo", targets: [target])
        try arguments.checkFiles()
        try arguments.prepareFiles()
        try arguments.prepareFiles()   // a staging directory left by a killed bridge is reused
        #expect(FileManager.default.fileExists(atPath: BridgeArguments.stagingDirectory(for: target)))
        let segments = "\(BridgeArguments.stagingDirectory(for: target))/bridge"
        try FileManager.default.createDirectory(atPath: segments, withIntermediateDirectories: true)
        try Data("first".utf8).write(to: URL(fileURLWithPath: "\(segments)/2026-01-01_00-00-00.mp4"))
        try Data("second".utf8).write(to: URL(fileURLWithPath: "\(segments)/2026-01-02_00-00-00.mp4"))
        let written = try arguments.finishFiles()
        #expect(written == [target, "\(root)/out-2.mp4"])
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "first")
        #expect(!FileManager.default.fileExists(atPath: BridgeArguments.stagingDirectory(for: target)))
    }

    @Test func theProgressLineShowsStateBitratesUnitRateRTTAndLoss() {
        var progress = BridgeProgress()
        var snapshot = MetricsSnapshot()
        #expect(progress.line(snapshot, seconds: 1) == "bridge: connecting")
        var path = MetricsSnapshot.PathSample(name: "bridge")
        path.isReady = true
        path.stats.sourceEpoch = 1
        path.stats.bytesIn = 125_000
        path.stats.unitsIn = 30
        path.bytesOut = 250_000
        snapshot.paths = [path, MetricsSnapshot.PathSample(name: "other")]
        var session = MetricsSnapshot.SessionSample(id: "1", path: "bridge", role: "whep")
        session.roundTripSeconds = 0.0123
        session.fractionLost = 0.015
        snapshot.sessions = [session, MetricsSnapshot.SessionSample(id: "2", path: "other", role: "whep")]
        #expect(progress.line(snapshot, seconds: 1)
            == "bridge: receiving, in 1000.0 kbit/s, out 2000.0 kbit/s, 30.0 units/s, 30 units, RTT 12.3 ms, loss 1.5 %")
        snapshot.paths[0].isReady = false
        snapshot.sessions = []
        #expect(progress.line(snapshot, seconds: 2) == "bridge: source lost, in 0.0 kbit/s, out 0.0 kbit/s, 0.0 units/s, 30 units")
    }
}
