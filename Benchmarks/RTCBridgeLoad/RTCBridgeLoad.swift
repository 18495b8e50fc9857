#if canImport(Glibc)
import Glibc
#endif
import DTLS
import Foundation
import RTCBase
import Synchronization

/// Whole-process load generator (issue #7): opens N receive-only WHEP viewers of one path,
/// holds them, and divides the gateway's CPU (user + sys from /proc over the hold window) by the
/// viewer-packets delivered in that window. Viewers verify SRTP and count sequence gaps.
///
///     RTCBridgeLoad --url http://127.0.0.1:8889/cam/whep --viewers 200 --hold 20 --gateway-pid PID
///
/// Fault scenarios (issue #8): `--stall K` makes the first K viewers stop reading and answering
/// once they are connected (they are left out of the delivery figures); `--garbage-rate R` sends
/// R hostile datagrams/s (GarbageBlaster) from `--garbage-from IP` (default 127.2.0.1) to the
/// gateway's WebRTC port during the hold (or `--garbage-seconds S`).
@main
struct RTCBridgeLoad {
    struct Options {
        var url = "http://127.0.0.1:8889/cam/whep"
        var viewers = 10
        var holdSeconds = 20.0
        var warmupSeconds = 3.0
        var gatewayPID: Int32?
        var verifyEvery = 1
        var posters = 2
        var connectTimeoutSeconds = 60.0
        /// After warm-up, wait up to this long for the gateway to close every session (drain tests).
        var untilClosedSeconds: Double?
        var stall = 0
        var garbageRate = 0
        var garbageFrom = "127.2.0.1"
        var garbageSeconds: Double?

        init(_ arguments: [String]) throws {
            var list = ArgumentList(arguments)
            while let flag = list.next() {
                switch flag {
                case "--url": url = try list.value()
                case "--viewers": viewers = Int(try list.number())
                case "--hold": holdSeconds = try list.number()
                case "--warmup": warmupSeconds = try list.number()
                case "--gateway-pid": gatewayPID = Int32(try list.value())
                case "--verify-every": verifyEvery = Int(try list.number())
                case "--posters": posters = max(1, Int(try list.number()))
                case "--connect-timeout": connectTimeoutSeconds = try list.number()
                case "--until-closed": untilClosedSeconds = try list.number()
                case "--stall": stall = Int(try list.number())
                case "--garbage-rate": garbageRate = Int(try list.number())
                case "--garbage-from": garbageFrom = try list.value()
                case "--garbage-seconds": garbageSeconds = try list.number()
                default: throw LoadError("unknown argument \(flag)")
                }
            }
        }
    }

    static func main() {
        do {
            let arguments = Array(CommandLine.arguments.dropFirst())
            if arguments.first == "soak" {
                try Soak.run(Soak.Options(Array(arguments.dropFirst())))
            } else {
                try run(Options(arguments))
            }
        } catch {
            FileHandle.standardError.write(Data("RTCBridgeLoad: \(error)\n".utf8))
            exit(1)
        }
    }

    static func now() -> Instant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Instant(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    static func run(_ options: Options) throws {
        let target = try WHEPPost.Target(url: options.url)
        let mux = try LoopbackMux(port: 0)
        let certificate = try DTLSCertificate.generate(commonName: "rtcbridge-load")
        let start = now()
        var viewers: [LoadViewer] = []
        var byLocalIP: [UInt32: Int] = [:]
        for index in 0..<options.viewers {
            // 127.1.a.b, b in 1...250: every viewer is a distinct peer to the gateway.
            let ip: [UInt8] = [127, 1, UInt8(index / 250), UInt8(index % 250 + 1)]
            guard let address = TransportAddress(ip: ip, port: mux.port) else { throw LoadError("address") }
            viewers.append(LoadViewer(localAddress: address, now: start))
            byLocalIP[ip.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }] = index
        }
        let baseline = options.gatewayPID.map(ProcessSample.init(pid:))

        // WHEP POSTs on their own threads; answers come back through `answers`.
        let offers = viewers.map { WHEPPost.offer(credentials: $0.credentials, fingerprint: certificate.fingerprint) }
        let answers = Mutex<[(Int, Result<WHEPAnswer, LoadError>, Instant)]>([])
        let nextIndex = Atomic<Int>(0)
        let postStarts = Mutex<[Int: Instant]>([:])
        for _ in 0..<options.posters {
            Thread.detachNewThread {
                while true {
                    let index = nextIndex.add(1, ordering: .relaxed).oldValue
                    guard index < offers.count else { return }
                    let began = now()
                    postStarts.withLock { $0[index] = began }
                    let result: Result<WHEPAnswer, LoadError>
                    do { result = .success(try WHEPPost.post(target, offer: offers[index])) } catch let error as LoadError {
                        result = .failure(error)
                    } catch {
                        result = .failure(LoadError("\(error)"))
                    }
                    answers.withLock { $0.append((index, result, began)) }
                }
            }
        }

        // `--stall`: these viewers stop reading and answering once connected (see below).
        var stalled: Set<Int> = []
        var lastTimers = start
        func pump(until deadline: Instant, stopWhenSettled: Bool) {
            while now() < deadline {
                mux.receive(timeoutMilliseconds: 5) { local, bytes in
                    guard let index = byLocalIP[local], !stalled.contains(index) else { return }
                    viewers[index].handle(bytes, now: now(), verifyEvery: options.verifyEvery)
                }
                let current = now()
                for (index, result, began) in answers.withLock({ list in defer { list.removeAll() }; return list }) {
                    viewers[index].postStart = began
                    switch result {
                    case .success(let answer):
                        viewers[index].location = answer.location
                        viewers[index].answered(remote: answer.credentials, fingerprint: answer.fingerprint,
                                                address: answer.address, certificate: certificate, now: current)
                    case .failure(let error):
                        viewers[index].fail(error.description)
                    }
                }
                if current - lastTimers >= .milliseconds(20) {
                    lastTimers = current
                    for (index, viewer) in viewers.enumerated() where !stalled.contains(index) {
                        viewer.handleTimeout(now: current)
                    }
                }
                for (index, viewer) in viewers.enumerated() where !viewer.outbox.isEmpty {
                    if let remote = viewer.remoteAddress, !stalled.contains(index) {
                        for datagram in viewer.outbox { mux.send(datagram, from: viewer.localAddress, to: remote) }
                    }
                    viewer.outbox.removeAll(keepingCapacity: true)
                }
                if stopWhenSettled, viewers.allSatisfy({ $0.phase == .failed || ($0.phase == .connected && $0.firstMedia != nil) }) {
                    return
                }
            }
        }

        // Connect everyone (bounded), then warm up, then hold and measure.
        pump(until: start + .seconds(options.connectTimeoutSeconds), stopWhenSettled: true)
        for viewer in viewers where viewer.phase != .failed && viewer.firstMedia == nil {
            viewer.fail("no media within \(Int(options.connectTimeoutSeconds)) s (\(viewer.phase))")
        }
        let connectedAt = now()
        stalled = Set(viewers.indices.prefix(options.stall).filter { viewers[$0].phase == .connected })
        pump(until: connectedAt + .seconds(options.warmupSeconds), stopWhenSettled: false)
        if let wait = options.untilClosedSeconds {   // print "receiving", wait for the gateway to close all, report
            print("receiving: viewers=\(viewers.filter { $0.firstMedia != nil }.count)")
            fflush(nil)   // the test waits for this line
            let waitStart = now()
            while now() < waitStart + .seconds(wait), viewers.contains(where: \.awaitsClose) {
                pump(until: now() + .milliseconds(50), stopWhenSettled: false)
            }
            print(LoadViewer.closedReport(viewers, waitedSeconds: (now() - waitStart).secondsDouble))
            return
        }
        let before = viewers.map { ($0.packets, $0.lost, $0.expected) }
        let gatewayBefore = options.gatewayPID.map(ProcessSample.init(pid:))
        let selfBefore = ProcessSample(pid: getpid())
        let pathName = target.path.split(separator: "/").first.map(String.init) ?? ""
        // Each reading of the source's counter is dated at the middle of its request, and the
        // source rate is taken over the window between those dates: on a busy machine a request
        // can take a good part of a second, which would otherwise count as source packets.
        func sourceReading() -> (packets: Int, at: Instant)? {
            let asked = now()
            guard let packets = WHEPPost.packetsIn(target, path: pathName) else { return nil }
            let answered = now()
            return (packets, asked + (answered - asked) / 2)
        }
        let sourceBefore = sourceReading()
        let holdStart = now()
        var blaster: GarbageBlaster?
        if options.garbageRate > 0 {
            guard let gatewayAddress = viewers.lazy.compactMap(\.remoteAddress).first else {
                throw LoadError("--garbage-rate: no viewer learned the gateway's WebRTC address")
            }
            blaster = try GarbageBlaster(rate: options.garbageRate, seconds: options.garbageSeconds ?? options.holdSeconds,
                                         source: options.garbageFrom, target: gatewayAddress)
        }
        pump(until: holdStart + .seconds(options.holdSeconds), stopWhenSettled: false)
        let garbage = blaster?.wait(timeoutSeconds: (options.garbageSeconds ?? 0) + 10)
        let holdSeconds = (now() - holdStart).secondsDouble
        let sourceAfter = sourceReading()
        let gatewayAfter = options.gatewayPID.map(ProcessSample.init(pid:))
        let selfAfter = ProcessSample(pid: getpid())
        // Leave as a browser does: DELETE every session (a few threads at once).
        let locations = viewers.compactMap(\.location)
        let nextDelete = Atomic<Int>(0)
        let deleted = Atomic<Int>(0)
        for _ in 0..<options.posters {
            Thread.detachNewThread {
                while true {
                    let index = nextDelete.add(1, ordering: .relaxed).oldValue
                    guard index < locations.count else { return }
                    WHEPPost.delete(target, location: locations[index])
                    deleted.add(1, ordering: .relaxed)
                }
            }
        }
        for _ in 0..<3000 where deleted.load(ordering: .relaxed) < locations.count { usleep(10_000) }

        // Report.
        // Stalled viewers are reported on their own, never in the delivery figures.
        let connected = viewers.indices.filter { viewers[$0].phase == .connected && !stalled.contains($0) }.map { viewers[$0] }
        let failed = viewers.filter { $0.phase == .failed }
        var delivered: Int64 = 0, lost: Int64 = 0, expected: Int64 = 0
        var lossyViewers = 0
        for (index, (viewer, (packets0, lost0, expected0))) in zip(viewers, before).enumerated()
            where viewer.phase == .connected && !stalled.contains(index) {
            let d = viewer.packets - packets0, l = viewer.lost - lost0, e = viewer.expected - expected0
            delivered += d; lost += l; expected += e
            if e > 0, Double(l) / Double(e) > 0.005 { lossyViewers += 1 }
        }
        let connectTimes = connected.compactMap { v in v.firstMedia.map { ($0 - v.postStart).secondsDouble * 1000 } }.sorted()
        func percentile(_ p: Double) -> Double {
            connectTimes.isEmpty ? 0 : connectTimes[min(connectTimes.count - 1, Int(Double(connectTimes.count) * p))]
        }
        print("viewers: \(options.viewers) requested, \(connected.count) connected, \(failed.count) failed")
        var reasons: [String: Int] = [:]
        for viewer in failed { reasons[viewer.failure ?? "?", default: 0] += 1 }
        for (reason, count) in reasons.sorted(by: { $0.value > $1.value }).prefix(3) { print("  failed \(count)×: \(reason)") }
        print(String(format: "connect (POST → first media): p50 %.0f ms, p95 %.0f ms, max %.0f ms",
                     percentile(0.5), percentile(0.95), connectTimes.last ?? 0))
        let perViewerRate = connected.isEmpty ? 0 : Double(delivered) / holdSeconds / Double(connected.count)
        print(String(format: "hold %.1f s: %lld viewer-packets delivered (%.0f/s, %.1f/s per viewer)",
                     holdSeconds, delivered, Double(delivered) / holdSeconds, perViewerRate))
        let gapPercent = expected > 0 ? 100 * Double(lost) / Double(expected) : 0
        var shortfallPercent = 0.0
        // Media the gateway drops before numbering (a reader queue that overflowed) leaves no
        // sequence gap, so delivery is also compared with what the source sent in the same window.
        var sourceRate: Double?
        if let sourceBefore, let sourceAfter, sourceAfter.packets > sourceBefore.packets, sourceAfter.at > sourceBefore.at {
            sourceRate = Double(sourceAfter.packets - sourceBefore.packets) / (sourceAfter.at - sourceBefore.at).secondsDouble
        }
        if let sourceRate, sourceRate > 0 {
            shortfallPercent = max(0, 100 * (1 - perViewerRate / sourceRate))
            lossyViewers = 0
            for (index, (viewer, (packets0, _, _))) in zip(viewers, before).enumerated()
                where viewer.phase == .connected && !stalled.contains(index) {
                let rate = Double(viewer.packets - packets0) / holdSeconds
                if rate < sourceRate * 0.995 { lossyViewers += 1 }
            }
        }
        let lossPercent = max(gapPercent, shortfallPercent)
        print(String(format: "loss: %.3f %% (sequence gaps %lld of %lld = %.3f %%; below the source rate of %.1f/s by %.3f %%); viewers short by more than 0.5 %%: %d",
                     lossPercent, lost, expected, gapPercent, sourceRate ?? 0, shortfallPercent, lossyViewers))
        let verified = viewers.reduce(0) { $0 + $1.verified }, verifyFailures = viewers.reduce(0) { $0 + $1.verifyFailures }
        print("srtp: \(verified) packets authenticated, \(verifyFailures) failed (every \(options.verifyEvery). packet)")
        var json: [String: Double] = ["viewers": Double(options.viewers), "connected": Double(connected.count),
                                      "delivered": Double(delivered), "lossPercent": lossPercent,
                                      "connectP50ms": percentile(0.5), "connectP95ms": percentile(0.95),
                                      "perViewerRate": perViewerRate, "verifyFailures": Double(verifyFailures)]
        if options.stall > 0 {
            print("stalled: \(stalled.count) viewers stopped reading and answering after connecting "
                + "(left out of the figures above)")
            json["stalled"] = Double(stalled.count)
        }
        if let garbage {
            print(String(format: "garbage: %d datagrams sent in %.2f s = %.0f/s (asked for %d/s), %d refused by the kernel",
                         garbage.sent, garbage.seconds, garbage.rate, options.garbageRate, garbage.refused)
                + " (from \(options.garbageFrom))")
            json["garbageSent"] = Double(garbage.sent)
            json["garbageRate"] = garbage.rate
            json["garbageRefused"] = Double(garbage.refused)
        }
        if let gatewayBefore, let gatewayAfter, let baseline {
            let cpu = gatewayAfter.cpuSeconds - gatewayBefore.cpuSeconds
            let perPacket = delivered > 0 ? cpu / Double(delivered) * 1e6 : 0
            let rssPerViewer = connected.isEmpty ? 0 : Double(gatewayAfter.rssKiB - baseline.rssKiB) / Double(connected.count)
            print(String(format: "gateway CPU: user %.2f s + sys %.2f s = %.2f s (%.0f %% of one core) → %.2f µs per viewer-packet",
                         gatewayAfter.userSeconds - gatewayBefore.userSeconds, gatewayAfter.systemSeconds - gatewayBefore.systemSeconds,
                         cpu, 100 * cpu / holdSeconds, perPacket))
            print(String(format: "gateway RSS: %.1f MiB before viewers, %.1f MiB held → %.1f KiB per viewer",
                         Double(baseline.rssKiB) / 1024, Double(gatewayAfter.rssKiB) / 1024, rssPerViewer))
            json["gatewayMicrosecondsPerPacket"] = perPacket
            json["gatewayCPUPercent"] = 100 * cpu / holdSeconds
            json["rssKiBPerViewer"] = rssPerViewer
        }
        let ownCPU = selfAfter.cpuSeconds - selfBefore.cpuSeconds
        print(String(format: "load generator CPU: %.2f s (%.0f %% of one core)", ownCPU, 100 * ownCPU / holdSeconds))
        json["loadgenCPUPercent"] = 100 * ownCPU / holdSeconds
        let jsonText = json.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \(String(format: "%.3f", $0.value))" }
        print("{" + jsonText.joined(separator: ", ") + "}")
    }
}

/// CPU times and resident size of a process, from /proc.
struct ProcessSample {
    var userSeconds = 0.0
    var systemSeconds = 0.0
    var rssKiB = 0
    var cpuSeconds: Double { userSeconds + systemSeconds }

    init(pid: Int32) {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
           let close = stat.lastIndex(of: ")") {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // After "pid (comm)": state is field 3, utime 14, stime 15 → indexes 11 and 12 here.
            if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) {
                userSeconds = user / ticks
                systemSeconds = system / ticks
            }
        }
        if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) {
            rssKiB = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
    }
}
