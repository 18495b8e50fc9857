#if canImport(Glibc)
import Glibc
#endif
import RTCBase
import Testing
@testable import SCTP

/// Two associations joined in process on virtual time. usrsctp's timer wheel is process-wide, so
/// these tests run one at a time.
@Suite("SCTP association", .serialized)
struct SCTPAssociationTests {
    /// Delivers what each side transmits to the other (through `link`, which may drop) and
    /// advances virtual time to the next timeout, for at most `steps` rounds or until `done`.
    final class Pair {
        let a: SCTPAssociation
        let b: SCTPAssociation
        var now = Instant(nanoseconds: 1_000_000_000)
        var eventsA: [SCTPAssociation.Event] = []
        var eventsB: [SCTPAssociation.Event] = []
        /// Return false to drop a packet (`fromA` says its direction).
        var link: (_ packet: [UInt8], _ fromA: Bool) -> Bool = { _, _ in true }

        init(configurationA: SCTPAssociation.Configuration = .init(),
             configurationB: SCTPAssociation.Configuration = .init()) throws {
            a = try SCTPAssociation(configuration: configurationA, now: now)
            b = try SCTPAssociation(configuration: configurationB, now: now)
        }

        /// With `pacedByRealTime`, each 10 ms step of virtual time also takes 10 ms of real time:
        /// usrsctp marks a chunk for retransmission only once an RTO of *real* time has passed
        /// since it was sent (it reads the wall clock there), so loss-recovery tests pace.
        func run(steps: Int = 2_000, pacedByRealTime: Bool = false, until done: () -> Bool) {
            for _ in 0..<steps {
                if pacedByRealTime { usleep(10_000) }
                var moved = true
                while moved {
                    moved = false
                    for (from, to, fromA) in [(a, b, true), (b, a, false)] {
                        for _ in 0..<10_000 {
                            let output = from.poll()
                            if case .timeout = output { break }
                            moved = true
                            switch output {
                            case .transmit(let packet):
                                if link(packet, fromA) { to.handle(packet: packet, now: now) }
                            case .event(let event):
                                if fromA { eventsA.append(event) } else { eventsB.append(event) }
                            case .timeout:
                                break
                            }
                        }
                    }
                }
                if done() { return }
                now = now + .milliseconds(10)
                a.handleTimeout(now: now)
                b.handleTimeout(now: now)
            }
        }

        func connect() {
            a.start(now: now)
            b.start(now: now)
            run { a.state == .connected && b.state == .connected }
        }

        func messages(ofB: Bool = true) -> [(UInt16, UInt32, [UInt8], Bool)] {
            (ofB ? eventsB : eventsA).compactMap {
                if case .message(let stream, let ppid, let payload, let unordered) = $0 { return (stream, ppid, payload, unordered) }
                return nil
            }
        }
    }

    @Test("Both sides connect (simultaneous open) and a message keeps its stream, PPID and bytes")
    func connectAndExchange() throws {
        let pair = try Pair()
        pair.connect()
        #expect(pair.a.state == .connected)
        #expect(pair.b.state == .connected)
        #expect(pair.eventsA.contains(.connected))
        #expect(pair.eventsB.contains(.connected))
        try pair.a.send(stream: 1, ppid: 51, payload: Array("hello".utf8))
        try pair.b.send(stream: 2, ppid: 53, payload: [0, 1, 2], unordered: true)
        pair.run { pair.messages().count == 1 && pair.messages(ofB: false).count == 1 }
        let atB = pair.messages()
        let atA = pair.messages(ofB: false)
        #expect(atB.count == 1 && atB.first?.0 == 1 && atB.first?.1 == 51 && atB.first?.2 == Array("hello".utf8))
        #expect(atB.first?.3 == false)
        #expect(atA.count == 1 && atA.first?.0 == 2 && atA.first?.1 == 53 && atA.first?.2 == [0, 1, 2])
        #expect(atA.first?.3 == true)
    }

    @Test("A peer that starts late still connects: its early packets are held, then handed over")
    func lateStart() throws {
        let pair = try Pair()
        pair.a.start(now: pair.now)
        pair.run(steps: 20) { false }   // B idle: A's INITs are held (bounded)
        #expect(pair.b.state == .idle)
        pair.b.start(now: pair.now)
        pair.run { pair.a.state == .connected && pair.b.state == .connected }
        #expect(pair.a.state == .connected && pair.b.state == .connected)
    }

    @Test("A message at max-message-size arrives whole; one byte more is dropped and counted")
    func messageSizeCap() throws {
        var small = SCTPAssociation.Configuration()
        small.maxMessageSize = 100_000
        let pair = try Pair(configurationB: small)
        pair.connect()
        let atCap = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try pair.a.send(stream: 3, ppid: 53, payload: atCap)
        pair.run { !pair.messages().isEmpty }
        #expect(pair.messages().first?.2 == atCap, "the message at the cap arrives whole")
        try pair.a.send(stream: 3, ppid: 53, payload: atCap + [1])
        try pair.a.send(stream: 3, ppid: 51, payload: Array("after".utf8))
        pair.run { pair.messages().count == 2 }
        #expect(pair.b.droppedMessages == 1)
        #expect(pair.messages().count == 2)
        let last = pair.messages().last?.2
        #expect(last == Array("after".utf8), "then the next message arrives (got \(last?.count ?? -1) bytes)")
    }

    @Test("Resetting a stream reaches the peer as an incoming reset")
    func streamReset() throws {
        let pair = try Pair()
        pair.connect()
        try pair.a.send(stream: 4, ppid: 51, payload: [65])
        pair.run { !pair.messages().isEmpty }
        pair.a.resetStreams([4])
        pair.run { pair.eventsB.contains(.incomingStreamsReset([4])) }
        #expect(pair.eventsB.contains(.incomingStreamsReset([4])))
    }

    @Test("An unreliable message (0 retransmissions) lost on the wire is abandoned; a reliable one is retransmitted")
    func partialReliability() throws {
        var fast = SCTPAssociation.Configuration()
        fast.rtoInitial = .milliseconds(100)
        fast.rtoMin = .milliseconds(100)
        fast.rtoMax = .milliseconds(400)
        let pair = try Pair(configurationA: fast, configurationB: fast)
        pair.connect()
        var dropping = true
        var dropped = 0
        pair.link = { packet, fromA in
            // Drop A → B packets that carry a DATA chunk (type 0 after the 12-byte common header).
            guard fromA, dropping, packet.count > 12, packet[12] == 0 else { return true }
            dropped += 1
            return false
        }
        try pair.a.send(stream: 5, ppid: 51, payload: Array("lost".utf8), reliability: .maxRetransmits(0))
        pair.run(steps: 5) { false }
        dropping = false
        try pair.a.send(stream: 6, ppid: 51, payload: Array("kept".utf8))
        pair.run(steps: 500, pacedByRealTime: true) { !pair.messages().isEmpty }
        #expect(dropped >= 1)
        #expect(pair.messages().map(\.2) == [Array("kept".utf8)])
        // And a reliable message survives the same loss.
        dropping = true
        try pair.a.send(stream: 7, ppid: 51, payload: Array("again".utf8))
        pair.run(steps: 20) { false }
        dropping = false
        pair.run(steps: 500, pacedByRealTime: true) { pair.messages().count == 2 }
        // After an RTO and more of real time, the unreliable message is still not there: abandoned.
        pair.run(steps: 50, pacedByRealTime: true) { false }
        #expect(pair.messages().map(\.2) == [Array("kept".utf8), Array("again".utf8)])
    }

    @Test("Closing ends both sides; sending afterwards is refused")
    func close() throws {
        let pair = try Pair()
        pair.connect()
        pair.a.close()
        pair.run { pair.b.state == .closed }
        #expect(pair.a.state == .closed)
        #expect(pair.b.state == .closed)
        #expect(throws: SCTPAssociation.SendError.notConnected) { try pair.a.send(stream: 1, ppid: 51, payload: [1]) }
    }

    @Test("Packets held before start are capped at maxEarlyPackets (the cap, then one past it)")
    func earlyPacketCap() throws {
        var configuration = SCTPAssociation.Configuration()
        configuration.maxEarlyPackets = 2
        let association = try SCTPAssociation(configuration: configuration, now: .zero)
        association.handle(packet: [1, 2, 3], now: .zero)
        association.handle(packet: [1, 2, 3], now: .zero)
        #expect(association.droppedPackets == 0)
        association.handle(packet: [1, 2, 3], now: .zero)
        #expect(association.droppedPackets == 1)
    }
}
