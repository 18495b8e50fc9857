import Foundation
import Testing

extension InteropSuite.DataChannelTests {
    /// Resident and peak resident memory (VmRSS, VmHWM) of a process, in bytes, from /proc.
    static func memory(of pid: Int32) -> (rss: Int, peak: Int)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func field(_ name: String) -> Int? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
        }
        guard let rss = field("VmRSS"), let peak = field("VmHWM") else { return nil }
        return (rss, peak)
    }

    /// `Udp: … RcvbufErrors …` of the test's network namespace (/proc/net/snmp): datagrams the
    /// kernel dropped because a socket's receive buffer was full.
    static func receiveBufferErrors(_ scope: InteropScope) async throws -> Int {
        let cat = try scope.start("snmp", ["cat", "/proc/net/snmp"])
        _ = try await cat.waitForExit(timeout: .seconds(10))
        let udp = cat.lines().filter { $0.hasPrefix("Udp:") }
        guard udp.count >= 2 else { throw InteropError.unexpectedOutput(what: "Udp: lines", output: cat.logTail()) }
        let names = udp[0].split(separator: " "), values = udp[1].split(separator: " ")
        guard let index = names.firstIndex(of: "RcvbufErrors"), index < values.count, let value = Int(values[index]) else {
            throw InteropError.unexpectedOutput(what: "RcvbufErrors", output: cat.logTail())
        }
        return value
    }

    /// Issue #9's datagram flood: 200,000 datagrams as fast as one socket sends them (every 100th
    /// over the device's maxSize) at the data port of a path a Chromium viewer watches with a data
    /// channel. The gateway's memory stays bounded, every datagram is accounted for (kernel
    /// receive-buffer drops, too large, bus queue overflow, delivered), the viewer's video keeps
    /// decoding, another path's device loses nothing, and the counters are in /metrics (parsed by
    /// prometheus_client) and /api/stats.
    @Test("Datagram flood at a data device: bounded memory, drops counted by reason, video and other paths unaffected",
          .requires(InteropTool.browserAgainstGateway + [.curl, .python]), .timeLimit(.minutes(2)))
    func datagramFlood() async throws {
        let scope = try InteropScope()
        defer { scope.tearDown() }
        let gateway = try await scope.startGateway([
            "--path", "cam=demo", "--data", "cam=udp://127.0.0.1:7030?maxSize=1200",
            "--path", "other=demo", "--data", "other=udp://127.0.0.1:7031",
        ])
        try await scope.waitUntilReady(gateway, path: "cam")
        try await scope.waitUntilReady(gateway, path: "other")
        let viewer = try scope.startBrowser(["whep-data", gateway.url("/cam/whep"), "--expect", "1000", "--send", "0",
                                             "--seconds", "15", "--progress", "--timeout", "60"])
        // The viewer's channel is open once it has video and a first message (the other device's
        // numbered datagrams go to `other`, so a slow trickle to `cam` tells us).
        let trickle = try scope.start("trickle", [
            scope.environment.python, scope.environment.script("udp-data-device.py"), "127.0.0.1", "7030",
            "--rate", "20", "--replies", "0", "--after-replies", "0", "--timeout", "3",
        ])
        _ = try await viewer.waitForLine(timeout: .seconds(40), what: "video and a first message") { line in
            (InteropSuite.GarbageDatagramTests.framesDecoded(inProgressLine: line) ?? 0) > 10 && !line.contains("received=0") && line.contains("received=")
        }
        _ = try await trickle.waitForExit(timeout: .seconds(10))
        let before = try #require(Self.memory(of: gateway.process.pid))
        let kernelDropsBefore = try await Self.receiveBufferErrors(scope)
        let framesBefore = viewer.lines().compactMap(InteropSuite.GarbageDatagramTests.framesDecoded(inProgressLine:)).last ?? 0

        // The other path's device: 300 numbered datagrams at 100/s during the flood.
        let otherDevice = try scope.start("other-device", [
            scope.environment.python, scope.environment.script("udp-data-device.py"), "127.0.0.1", "7031",
            "--rate", "100", "--replies", "0", "--after-replies", "300", "--timeout", "10",
        ])
        let flood = try scope.start("flood", [
            scope.environment.python, scope.environment.script("udp-flood.py"), "127.0.0.1", "7030",
            "--count", "200000", "--size", "200", "--big-every", "100", "--big-size", "1500",
        ])
        #expect(try await flood.waitForExit(timeout: .seconds(60)) == 0, "\(flood.logTail())")
        let floodReport = try Self.lastJSON(flood)
        _ = try await otherDevice.waitForExit(timeout: .seconds(20))
        let otherReport = try Self.lastJSON(otherDevice)
        let floodLines = viewer.lines().count
        // The viewer goes on decoding after the flood.
        _ = try await viewer.waitForLine(from: floodLines, timeout: .seconds(20), what: "30 more frames after the flood") { line in
            (InteropSuite.GarbageDatagramTests.framesDecoded(inProgressLine: line) ?? 0) > framesBefore + 30
        }
        let after = try #require(Self.memory(of: gateway.process.pid))
        let kernelDrops = try await Self.receiveBufferErrors(scope) - kernelDropsBefore
        print("data flood: \(floodReport); RSS \(before.rss >> 10) KiB → \(after.rss >> 10) KiB, peak \(after.peak >> 10) KiB; "
            + "kernel receive-buffer drops \(kernelDrops)")

        // Every flood datagram is accounted for.
        let response = try await scope.http("GET", gateway.url("/api/stats"))
        let stats = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        let paths = stats?["paths"] as? [[String: Any]] ?? []
        let cam = try #require(paths.first { $0["name"] as? String == "cam" }?["data"] as? [String: Any], "\(response.body)")
        let udp = try #require(cam["udp"] as? [String: Any])
        let sent = floodReport["sent"] as? Int ?? 0, big = floodReport["big"] as? Int ?? 0
        let trickleSent = try Self.lastJSON(trickle)["sent"] as? Int ?? 0
        let datagramsIn = udp["datagramsIn"] as? Int ?? -1, tooLarge = udp["droppedTooLarge"] as? Int ?? -1
        print("data flood: /api/stats cam data=\(cam)")
        #expect(sent == 200_000 && big == 2_000)
        // Loopback loses nothing but what the kernel drops at the device's full socket buffer, which
        // the gateway counts too (droppedReceiveBuffer, from /proc/net/udp): every datagram is
        // either read or counted there. The namespace-wide RcvbufErrors agrees.
        let receiveBuffer = udp["droppedReceiveBuffer"] as? Int ?? -1
        #expect(datagramsIn + receiveBuffer == sent + trickleSent, "\(udp)")
        #expect(receiveBuffer <= kernelDrops + kernelDropsBefore && receiveBuffer >= kernelDrops, "\(receiveBuffer) vs \(kernelDrops)")
        #expect(tooLarge > 0 && tooLarge <= big, "\(udp)")
        let readers = cam["readerStats"] as? [[String: Any]] ?? []
        let whep = try #require(readers.first { $0["kind"] as? String == "whep" }, "\(readers)")
        let messagesIn = cam["messagesIn"] as? Int ?? -1
        #expect(messagesIn == datagramsIn - tooLarge, "\(cam)")
        // The viewer got what its queue held; the rest it lost to its own full queue, counted.
        let delivered = whep["delivered"] as? Int ?? 0, dropped = whep["dropped"] as? Int ?? 0, queued = whep["queued"] as? Int ?? 0
        #expect(delivered + dropped + queued <= messagesIn && delivered + dropped + queued >= messagesIn - trickleSent, "\(whep)")
        #expect(delivered > 0)

        // Memory: the flood may fill the socket buffer (1 MiB), the viewer's bus queue (1,024
        // messages / 4 MiB) and the SCTP send buffer the data link allows (1 MiB), plus usrsctp's
        // and the allocator's own: 64 MiB over the resident size before the flood is ample, and a
        // growth proportional to the 40 MB sent would break it.
        #expect(after.peak - before.rss < 64 << 20, "RSS \(before.rss) → peak \(after.peak)")

        // The other path lost nothing.
        let other = try #require(paths.first { $0["name"] as? String == "other" }?["data"] as? [String: Any])
        let otherUDP = try #require(other["udp"] as? [String: Any])
        #expect(otherUDP["datagramsIn"] as? Int == otherReport["sent"] as? Int, "\(otherUDP) \(otherReport)")

        // /metrics: parsed by prometheus_client, the same counts, drops by reason.
        let metrics = try await InteropSuite.MetricsTests.scrape(scope, gateway)
        #expect(metrics.value("rtcbridge_data_device_datagrams_in_total", ["path": "cam"]).map { Int($0) } ?? -1 >= datagramsIn)
        #expect(metrics.value("rtcbridge_data_device_dropped_total", ["path": "cam", "reason": "too_large"]).map { Int($0) } == tooLarge)
        #expect((metrics.value("rtcbridge_data_messages_in_total", ["path": "cam"]) ?? 0) >= Double(messagesIn))
        #expect(metrics.value("rtcbridge_drops_total", ["reason": "data_too_large"]).map { Int($0) } == tooLarge)
        #expect(metrics.value("rtcbridge_data_device_dropped_total", ["path": "cam", "reason": "receive_buffer_full"])
            .map { Int($0) } ?? -1 >= receiveBuffer)
        let overflow = metrics.value("rtcbridge_drops_total", ["reason": "data_reader_queue_overflow"]).map { Int($0) } ?? -1
        #expect(overflow >= dropped, "\(overflow) vs \(dropped)")
        #expect(metrics.value("rtcbridge_data_reader_messages_out_total", ["path": "cam", "kind": "whep"]).map { Int($0) } ?? 0 >= delivered)
        #expect(metrics.value("rtcbridge_data_device_datagrams_in_total", ["path": "other"]).map { Int($0) } == otherReport["sent"] as? Int)

        _ = try await viewer.waitForExitOrTerminate(timeout: .seconds(40))
        #expect(gateway.process.isRunning)
    }
}
