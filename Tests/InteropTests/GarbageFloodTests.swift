import Foundation
import Testing

extension InteropSuite {
    /// Issue #8, fault scenario "100,000 garbage datagrams/s": a flood of random, STUN-, RTP- and
    /// DTLS-looking datagrams from another address at the WebRTC port for 6 s, while load viewers
    /// watch (release gateway, `RTCBridgeLoad --garbage-rate 100000`).
    @Suite("Garbage flood")
    struct GarbageFloodTests {
        static let rate = 100_000

        @Test("10 load viewers keep ≥ 99 % delivery through 100,000 garbage datagrams/s for 6 s, and every one is accounted for",
              .requires(InteropTool.loadAgainstReleaseGateway), .timeLimit(.minutes(3)))
        func viewersKeepDeliveryUnderFlood() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let (camera, gateway) = try await scope.startCameraAndReleaseGateway()
            let before = try await scope.stats(of: gateway).webrtc
            let kernelBefore = try await scope.udpReceiveDrops(port: gateway.webrtcPort)

            let run = try await scope.runLoadGenerator(gateway, path: "cam", [
                "--viewers", "10", "--warmup", "2", "--hold", "6", "--garbage-rate", String(Self.rate),
                "--garbage-from", "127.2.0.1", "--connect-timeout", "30",
            ])
            let after = try await scope.stats(of: gateway).webrtc
            let kernelAfter = try await scope.udpReceiveDrops(port: gateway.webrtcPort)
            print("garbage flood:\n\(run.output)")

            // The blaster really reached the rate (99.5 %: the last batch of the pacing).
            let sent = Int(try #require(run.figure("garbageSent")))
            let achieved = try #require(run.figure("garbageRate"))
            #expect(achieved >= Double(Self.rate) * 0.995, "the blaster reached only \(Int(achieved))/s")
            #expect(sent >= Self.rate * 6 * 995 / 1000, "the blaster sent only \(sent) datagrams in 6 s")

            // The viewers did not notice.
            let connected = try #require(run.figure("connected"))
            let lossPercent = try #require(run.figure("lossPercent"))
            #expect(connected == 10, "\(Int(connected)) of 10 viewers connected")
            #expect(lossPercent <= 1, "the viewers lost \(lossPercent) % under the flood (limit 1 %)")
            #expect(run.figure("verifyFailures") == 0)

            // Every garbage datagram was dropped and counted by the gateway, or (when its socket
            // queue was full) by the kernel; none reached a session as media.
            let counted = (after.droppedDatagrams + after.stunRejected) - (before.droppedDatagrams + before.stunRejected)
            let kernel = kernelAfter - kernelBefore
            print("garbage flood: sent \(sent) at \(Int(achieved))/s; the gateway counted \(counted) dropped "
                + "(droppedDatagrams + stunRejected), the kernel dropped \(kernel) on the gateway's sockets; "
                + "webrtc stats after \(after)")
            #expect(counted + kernel >= sent, "\(sent - counted - kernel) garbage datagrams are unaccounted for")
            #expect(after.srtpAuthFailures == before.srtpAuthFailures, "garbage reached an SRTP session")
            #expect(camera.isRunning, "ffmpeg ended early: \(camera.logTail())")
            #expect(gateway.process.isRunning, "the gateway died: \(gateway.process.logTail())")
        }
    }
}
