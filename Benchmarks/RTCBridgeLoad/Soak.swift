#if canImport(Glibc)
import Glibc
#endif
import DTLS
import Foundation
import RTCBase
import Synchronization

/// Soak mode (issue #8): a fixed population of WHEP viewers spread over several paths, with
/// churn — every second some viewers leave (DELETE) and as many new ones join (POST) — for a
/// bounded time. It samples the gateway's RSS and open file descriptors, and counts every error a
/// viewer sees: a failed POST, no media within the connect timeout, media that stops for longer
/// than the stall limit, SRTP packets that fail authentication, the gateway exiting.
///
///     RTCBridgeLoad soak --base http://127.0.0.1:8889 --paths s1,s2 --viewers-per-path 50 \
///         --churn 8 --seconds 180 --warmup 30 --gateway-pid PID
///
/// Exit status 0 when RSS grew less than `--max-rss-growth` percent between the end of the
/// warm-up and the end, the descriptor count stayed flat (within the HTTP requests in flight),
/// and no error was seen; 2 otherwise.
enum Soak {
    struct Options {
        var base = "http://127.0.0.1:8889"
        var paths: [String] = ["demo"]
        var viewersPerPath = 50
        var churnPerSecond = 8
        var seconds = 180.0
        var warmupSeconds = 30.0
        var gatewayPID: Int32?
        var reportEverySeconds = 10.0
        var connectTimeoutSeconds = 15.0
        var stallSeconds = 5.0
        var verifyEvery = 4
        var posters = 4
        var maxRSSGrowthPercent = 5.0

        init(_ arguments: [String]) throws {
            var list = ArgumentList(arguments)
            while let flag = list.next() {
                switch flag {
                case "--base": base = try list.value()
                case "--paths": paths = try list.value().split(separator: ",").map(String.init)
                case "--viewers-per-path": viewersPerPath = Int(try list.number())
                case "--churn": churnPerSecond = Int(try list.number())
                case "--seconds": seconds = try list.number()
                case "--warmup": warmupSeconds = try list.number()
                case "--gateway-pid": gatewayPID = Int32(try list.value())
                case "--report-every": reportEverySeconds = max(1, try list.number())
                case "--connect-timeout": connectTimeoutSeconds = try list.number()
                case "--stall": stallSeconds = try list.number()
                case "--verify-every": verifyEvery = Int(try list.number())
                case "--posters": posters = max(1, Int(try list.number()))
                case "--max-rss-growth": maxRSSGrowthPercent = try list.number()
                default: throw LoadError("unknown soak argument \(flag)")
                }
            }
            guard !paths.isEmpty, viewersPerPath > 0 else { throw LoadError("--paths and --viewers-per-path must not be empty") }
            guard warmupSeconds < seconds else { throw LoadError("--warmup must be shorter than --seconds") }
        }
    }

    /// HTTP work for the poster threads: a viewer's POST or a departed viewer's DELETE.
    enum Job: Sendable {
        case post(id: Int, target: WHEPPost.Target, offer: String)
        case delete(target: WHEPPost.Target, location: String)
    }

    /// Errors by kind; every one of them fails the soak.
    struct Errors {
        var postFailures = 0
        var connectTimeouts = 0
        var mediaStalls = 0
        var srtpFailures: Int64 = 0
        var otherFailures = 0
        var examples: [String] = []
        var total: Int64 { Int64(postFailures + connectTimeouts + mediaStalls + otherFailures) + srtpFailures }

        /// Keeps the first few for the summary and prints each as it happens, with its time.
        mutating func note(_ text: String, at seconds: Double) {
            if examples.count < 5 { examples.append(text) }
            if total <= 50 { Soak.say(String(format: "error at t=%.1fs: ", seconds) + text) }
        }
    }

    final class Member {
        let viewer: LoadViewer
        let path: Int
        let ip: UInt32
        var lastPackets: Int64 = 0
        var lastProgress: Instant
        init(viewer: LoadViewer, path: Int, ip: UInt32, now: Instant) {
            self.viewer = viewer
            self.path = path
            self.ip = ip
            lastProgress = now
        }
    }

    /// Unbuffered, so a soak that is killed still leaves its last report line.
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func run(_ options: Options) throws {
        let targets = try options.paths.map { try WHEPPost.Target(url: options.base + "/\($0)/whep") }
        let mux = try LoopbackMux(port: 0)
        let certificate = try DTLSCertificate.generate(commonName: "rtcbridge-soak")
        let now = RTCBridgeLoad.now
        let start = now()

        let jobs = Mutex<[Job]>([])
        let answers = Mutex<[(Int, Result<WHEPAnswer, LoadError>, Instant)]>([])
        let inFlight = Atomic<Int>(0)
        let slowestPost = Mutex<Double>(0)   // ms, POST sent → answer read
        let stop = Atomic<Bool>(false)
        for _ in 0..<options.posters {
            Thread.detachNewThread {
                while !stop.load(ordering: .relaxed) {
                    guard let job = jobs.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else {
                        usleep(2_000)
                        continue
                    }
                    inFlight.add(1, ordering: .relaxed)
                    defer { inFlight.subtract(1, ordering: .relaxed) }
                    switch job {
                    case .post(let id, let target, let offer):
                        let began = now()
                        let result: Result<WHEPAnswer, LoadError>
                        do { result = .success(try WHEPPost.post(target, offer: offer)) } catch let error as LoadError {
                            result = .failure(error)
                        } catch {
                            result = .failure(LoadError("\(error)"))
                        }
                        let milliseconds = (now() - began).secondsDouble * 1000
                        slowestPost.withLock { $0 = max($0, milliseconds) }
                        answers.withLock { $0.append((id, result, began)) }
                    case .delete(let target, let location):
                        WHEPPost.delete(target, location: location)
                    }
                }
            }
        }

        var members: [Int: Member] = [:]
        var unanswered: [Int: Int] = [:]   // id → path of viewers that left before their POST was answered
        var byLocalIP: [UInt32: Int] = [:]
        var nextID = 0
        var joins = 0, leaves = 0
        var errors = Errors()
        var generator = SystemRandomNumberGenerator()

        // 127.(1+a).b.c with c in 1...250: a fresh loopback address for every viewer ever started.
        func join(path: Int, at time: Instant) throws {
            let index = nextID
            nextID += 1
            let ip: [UInt8] = [127, UInt8(1 + index / 64_000), UInt8(index % 64_000 / 250), UInt8(index % 250 + 1)]
            guard ip[1] < 255, let address = TransportAddress(ip: ip, port: mux.port) else {
                throw LoadError("out of loopback addresses after \(index) viewers")
            }
            let viewer = LoadViewer(localAddress: address, now: time)
            let key = ip.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            members[index] = Member(viewer: viewer, path: path, ip: key, now: time)
            byLocalIP[key] = index
            let offer = WHEPPost.offer(credentials: viewer.credentials, fingerprint: certificate.fingerprint)
            jobs.withLock { $0.append(.post(id: index, target: targets[path], offer: offer)) }
            joins += 1
        }

        func leave(_ id: Int) {
            guard let member = members.removeValue(forKey: id) else { return }
            byLocalIP[member.ip] = nil
            errors.srtpFailures += member.viewer.verifyFailures
            if let location = member.viewer.location {
                jobs.withLock { $0.append(.delete(target: targets[member.path], location: location)) }
            } else if member.viewer.phase == .posting {
                unanswered[id] = member.path
            }
            leaves += 1
        }

        /// A failed viewer is an error; it is replaced so the population stays the same.
        func replaceFailed(_ id: Int, kind: WritableKeyPath<Errors, Int>, reason: String, at time: Instant) throws {
            guard let member = members[id] else { return }
            errors[keyPath: kind] += 1
            errors.note(reason, at: (time - start).secondsDouble)
            leave(id)
            try join(path: member.path, at: time)
        }

        for path in options.paths.indices {
            for _ in 0..<options.viewersPerPath { try join(path: path, at: start) }
        }
        let population = options.paths.count * options.viewersPerPath

        func gatewaySample() -> (rssKiB: Int, fds: Int, alive: Bool) {
            guard let pid = options.gatewayPID else { return (0, 0, true) }
            let alive = kill(pid, 0) == 0
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
            return (ProcessSample(pid: pid).rssKiB, fds, alive)
        }

        let end = start + .seconds(options.seconds)
        let warmupEnd = start + .seconds(options.warmupSeconds)
        var warm: (rssKiB: Int, fds: Int, inFlight: Int)?
        var fdsRange = (Int.max, 0)
        var lastTimers = start, lastChurn = start, lastReport = start
        var churnCursor = 0
        var gatewayDied = false

        while now() < end {
            mux.receive(timeoutMilliseconds: 5) { local, bytes in
                guard let id = byLocalIP[local], let member = members[id] else { return }
                member.viewer.handle(bytes, now: now(), verifyEvery: options.verifyEvery)
            }
            let current = now()
            for (id, result, began) in answers.withLock({ list in defer { list.removeAll() }; return list }) {
                guard let member = members[id] else {
                    // Left before its answer came: end the session it was given.
                    if case .success(let answer) = result, let path = unanswered.removeValue(forKey: id) {
                        jobs.withLock { $0.append(.delete(target: targets[path], location: answer.location)) }
                    }
                    continue
                }
                member.viewer.postStart = began
                switch result {
                case .success(let answer):
                    member.viewer.location = answer.location
                    member.viewer.answered(remote: answer.credentials, fingerprint: answer.fingerprint,
                                           address: answer.address, certificate: certificate, now: current)
                    member.lastProgress = current
                case .failure(let error):
                    try replaceFailed(id, kind: \.postFailures, reason: "POST: \(error)", at: current)
                }
            }
            if current - lastTimers >= .milliseconds(20) {
                lastTimers = current
                for (id, member) in members {
                    let viewer = member.viewer
                    viewer.handleTimeout(now: current)
                    if viewer.phase == .failed {
                        try replaceFailed(id, kind: \.otherFailures, reason: viewer.failure ?? "failed", at: current)
                    } else if viewer.firstMedia == nil {
                        if viewer.location != nil, current - viewer.postStart > .seconds(options.connectTimeoutSeconds) {
                            try replaceFailed(id, kind: \.connectTimeouts,
                                              reason: "no media \(Int(options.connectTimeoutSeconds)) s after POST (\(viewer.phase))",
                                              at: current)
                        }
                    } else if viewer.packets != member.lastPackets {
                        member.lastPackets = viewer.packets
                        member.lastProgress = current
                    } else if current - member.lastProgress > .seconds(options.stallSeconds) {
                        try replaceFailed(id, kind: \.mediaStalls,
                                          reason: "media stopped for \(Int(options.stallSeconds)) s after \(viewer.packets) packets",
                                          at: current)
                    }
                }
                for member in members.values where !member.viewer.outbox.isEmpty {
                    let viewer = member.viewer
                    if let remote = viewer.remoteAddress {
                        for datagram in viewer.outbox { mux.send(datagram, from: viewer.localAddress, to: remote) }
                    }
                    viewer.outbox.removeAll(keepingCapacity: true)
                }
            }
            // Churn: once a second, `churnPerSecond` connected viewers leave (round-robin over the
            // paths, a random viewer of each) and as many join the same paths.
            if current - lastChurn >= .seconds(1), current > start + .seconds(min(5, options.warmupSeconds)) {
                lastChurn = current
                for _ in 0..<options.churnPerSecond {
                    let path = churnCursor % options.paths.count
                    churnCursor += 1
                    let candidates = members.filter { $0.value.path == path && $0.value.viewer.firstMedia != nil }.map(\.key)
                    guard let id = candidates.randomElement(using: &generator) else { continue }
                    leave(id)
                    try join(path: path, at: current)
                }
            }
            if warm == nil, current >= warmupEnd {
                let sample = gatewaySample()
                warm = (sample.rssKiB, sample.fds, inFlight.load(ordering: .relaxed))
            }
            if current - lastReport >= .seconds(options.reportEverySeconds) {
                lastReport = current
                let sample = gatewaySample()
                if !sample.alive { gatewayDied = true; break }
                if warm != nil { fdsRange = (min(fdsRange.0, sample.fds), max(fdsRange.1, sample.fds)) }
                let connected = members.values.filter { $0.viewer.firstMedia != nil }.count
                say(String(format: "t=%.0fs viewers=%d connected=%d joins=%d leaves=%d errors=%lld (post %d, connect %d, stall %d, other %d) rss=%.1fMiB fds=%d slowest-post=%.0fms",
                             (current - start).secondsDouble, members.count, connected, joins, leaves,
                             errors.total + members.values.reduce(0) { $0 + $1.viewer.verifyFailures },
                             errors.postFailures, errors.connectTimeouts, errors.mediaStalls, errors.otherFailures,
                             Double(sample.rssKiB) / 1024, sample.fds, slowestPost.withLock { $0 }))
            }
        }
        let final = gatewaySample()
        let finalInFlight = inFlight.load(ordering: .relaxed)
        let connectedAtEnd = members.values.filter { $0.viewer.firstMedia != nil }.count
        var delivered: Int64 = 0
        for member in members.values {
            errors.srtpFailures += member.viewer.verifyFailures
            delivered += member.viewer.packets
        }
        // Leave: DELETE everyone still there (bounded wait), then stop the posters.
        for id in Array(members.keys) { leave(id) }
        for _ in 0..<3000 where jobs.withLock({ !$0.isEmpty }) || inFlight.load(ordering: .relaxed) > 0 { usleep(10_000) }
        stop.store(true, ordering: .relaxed)

        say("soak: \(options.paths.count) paths × \(options.viewersPerPath) viewers, churn \(options.churnPerSecond)/s, "
              + String(format: "%.0f s (warm-up %.0f s)", options.seconds, options.warmupSeconds))
        say("soak: \(joins) joins, \(leaves) leaves, \(connectedAtEnd) of \(population) viewers receiving at the end")
        say("soak: errors \(errors.total): POST \(errors.postFailures), connect timeouts \(errors.connectTimeouts), "
              + "media stalls \(errors.mediaStalls), SRTP failures \(errors.srtpFailures), other \(errors.otherFailures)"
              + (gatewayDied ? ", GATEWAY EXITED" : ""))
        for example in errors.examples { say("  e.g. \(example)") }
        var passed = errors.total == 0 && !gatewayDied && connectedAtEnd == population
        if let warm, options.gatewayPID != nil {
            let growth = warm.rssKiB > 0 ? 100 * Double(final.rssKiB - warm.rssKiB) / Double(warm.rssKiB) : 0
            // Descriptors: the gateway holds one per HTTP request in flight; allow those.
            let allowance = options.posters + 2
            let fdsFlat = final.fds <= warm.fds + allowance
            say(String(format: "soak: RSS %.1f MiB after warm-up, %.1f MiB at the end: %+.2f %% (limit %.1f %%)",
                         Double(warm.rssKiB) / 1024, Double(final.rssKiB) / 1024, growth, options.maxRSSGrowthPercent))
            say("soak: open fds \(warm.fds) after warm-up, \(final.fds) at the end, range \(fdsRange.0)…\(fdsRange.1) "
                  + "(HTTP requests in flight: \(warm.inFlight) / \(finalInFlight); allowed +\(allowance))")
            say(String(format: "{\"rssWarmKiB\": %d, \"rssEndKiB\": %d, \"rssGrowthPercent\": %.3f, \"fdsWarm\": %d, \"fdsEnd\": %d, \"errors\": %lld, \"joins\": %d, \"delivered\": %lld}",
                         warm.rssKiB, final.rssKiB, growth, warm.fds, final.fds, errors.total, joins, delivered))
            passed = passed && growth < options.maxRSSGrowthPercent && fdsFlat
        }
        say("soak: \(passed ? "PASSED" : "FAILED")")
        exit(passed ? 0 : 2)
    }
}
