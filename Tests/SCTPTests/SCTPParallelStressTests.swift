import Foundation
import RTCBase
import Synchronization
import Testing
@testable import SCTP

/// usrsctp is one process-wide stack; the gateway calls into it from every event loop (one per
/// core), each with its own sessions. Here 16 associations pairs run at once on 8 threads of their
/// own, each sending 200 messages both ways (sizes 1 B … 8 KiB, with their index and a pattern):
/// every message must arrive once, whole, in order, on the pair it was sent on — no packet or
/// callback may reach another pair's association.
@Suite("SCTP from several threads")
struct SCTPParallelStressTests {
    static func payload(pair: Int, index: Int, fromA: Bool) -> [UInt8] {
        let size = 1 + (index * 997 + pair * 131) % 8_192
        var bytes = [UInt8](repeating: 0, count: max(size, 4))
        bytes[0] = UInt8(pair)
        bytes[1] = UInt8(index >> 8)
        bytes[2] = UInt8(index & 0xFF)
        bytes[3] = fromA ? 0xA0 : 0xB0
        for k in 4..<bytes.count { bytes[k] = UInt8(truncatingIfNeeded: k &* 31 &+ index &+ pair) }
        return bytes
    }

    /// Runs one pair to the end; returns what went wrong (empty when nothing).
    static func exercise(pair index: Int, messages: Int) -> [String] {
        do {
            let pair = try SCTPAssociationTests.Pair()
            pair.connect()
            guard pair.a.state == .connected, pair.b.state == .connected else { return ["pair \(index) did not connect"] }
            var sent = 0
            while sent < messages {
                // A window of 20 each way, then run until they arrived.
                let end = min(messages, sent + 20)
                for i in sent..<end {
                    try pair.a.send(stream: 1, ppid: 53, payload: payload(pair: index, index: i, fromA: true))
                    try pair.b.send(stream: 2, ppid: 53, payload: payload(pair: index, index: i, fromA: false))
                }
                sent = end
                pair.run(steps: 500) { pair.messages().count == sent && pair.messages(ofB: false).count == sent }
            }
            var problems: [String] = []
            for (received, fromA) in [(pair.messages(), true), (pair.messages(ofB: false), false)] {
                if received.count != messages { problems.append("pair \(index): \(received.count) of \(messages) arrived") }
                for (i, message) in received.enumerated() where message.2 != payload(pair: index, index: i, fromA: fromA) {
                    problems.append("pair \(index): message \(i) differs (\(message.2.prefix(4)))")
                    break
                }
            }
            return problems
        } catch {
            return ["pair \(index): \(error)"]
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func manyAssociationsOnManyThreads() {
        let pairs = 16, threads = 8, messages = 200
        final class Problems: Sendable { let list = Mutex<[String]>([]) }
        let problems = Problems()
        let done = DispatchSemaphore(value: 0)
        for thread in 0..<threads {
            Thread {
                for index in stride(from: thread, to: pairs, by: threads) {
                    let found = Self.exercise(pair: index, messages: messages)
                    problems.list.withLock { $0 += found }
                }
                done.signal()
            }.start()
        }
        for _ in 0..<threads { done.wait() }
        let found = problems.list.withLock { $0 }
        #expect(found.isEmpty, "\(found)")
    }
}
