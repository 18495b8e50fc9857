import Synchronization
import Testing
@testable import Routing

@Suite struct DataBusTests {
    static func text(_ string: String) -> DataMessage { DataMessage(payload: Array(string.utf8), isText: true) }

    /// Sources reach everyone else; viewers reach the sources only; nobody hears itself.
    @Test func publishFollowsRoles() throws {
        let bus = DataBus()
        let wakes = Mutex(0)
        let device = try bus.addReader(role: .source, kind: "udp", name: "device") { wakes.withLock { $0 += 1 } }
        let publisher = try bus.addReader(role: .source, kind: "whip", name: "p") {}
        let viewer = try bus.addReader(role: .viewer, kind: "whep", name: "a") {}
        let other = try bus.addReader(role: .viewer, kind: "whep", name: "b") {}
        #expect(bus.publish(Self.text("t=21.5"), from: device))
        #expect(device.drain().isEmpty)
        #expect(publisher.drain() == [Self.text("t=21.5")])
        #expect(viewer.drain() == [Self.text("t=21.5")])
        #expect(other.drain() == [Self.text("t=21.5")])
        bus.publish(DataMessage(payload: [1, 2], isText: false), from: viewer)
        bus.publish(DataMessage(payload: [3], isText: false), from: viewer)
        #expect(wakes.withLock { $0 } == 1)   // woken once: the queue went from empty to non-empty once
        #expect(device.drain() == [DataMessage(payload: [1, 2], isText: false), DataMessage(payload: [3], isText: false)])
        #expect(publisher.drain().count == 2)
        #expect(other.drain().isEmpty)
        bus.publish(Self.text("from whip"), from: publisher)
        #expect(device.drain() == [Self.text("from whip")])
        #expect(viewer.drain() == [Self.text("from whip")] && other.drain() == [Self.text("from whip")])
        let stats = bus.stats
        #expect(stats.readers == 4 && stats.messagesIn == 4 && stats.bytesIn == 18 && stats.queued == 10 && stats.dropped == 0)
        #expect(device.stats.delivered == 3)
    }

    /// A reader that never drains loses its own oldest messages at its cap and does not stall the
    /// publisher or another reader; memory stays bounded.
    @Test func slowReaderDropsItsOwnMessagesOnly() throws {
        var limits = DataBus.Limits()
        limits.readerQueueMessages = 100
        let bus = DataBus(limits: limits)
        let fast = try bus.addReader(role: .viewer, kind: "whep", name: "fast") {}
        let stalled = try bus.addReader(role: .viewer, kind: "whep", name: "stalled") {}
        // A publish with no origin comes from a source outside the bus (the UDP device).
        var received: [DataMessage] = []
        for i in 0..<10_000 {
            bus.publish(Self.text("\(i)"))
            received += fast.drain()
        }
        #expect(received.count == 10_000)
        #expect(received.last == Self.text("9999"))
        let stats = stalled.stats
        #expect(stats.queued == 100)            // at the cap
        #expect(stats.dropped == 9_900)         // one past it drops the oldest, each time
        let kept = stalled.drain(max: 1_000)
        #expect(kept.first == Self.text("9900") && kept.last == Self.text("9999"))
        #expect(fast.stats.dropped == 0)
        #expect(bus.stats.dropped == 9_900)
    }

    @Test func byteCapAtLimitAndOnePast() throws {
        var limits = DataBus.Limits()
        limits.readerQueueBytes = 10
        limits.maxMessageBytes = 8
        let bus = DataBus(limits: limits)
        let reader = try bus.addReader(role: .source, kind: "udp", name: "device") {}
        #expect(bus.publish(DataMessage(payload: [UInt8](repeating: 1, count: 8), isText: false)))
        #expect(!bus.publish(DataMessage(payload: [UInt8](repeating: 1, count: 9), isText: false)))
        #expect(bus.stats.rejected == 1)
        bus.publish(DataMessage(payload: [2, 2], isText: false))   // 8 + 2 = 10: at the byte cap
        #expect(reader.stats.queuedBytes == 10 && reader.stats.dropped == 0)
        bus.publish(DataMessage(payload: [3], isText: false))      // 11: the oldest goes
        #expect(reader.stats.dropped == 1 && reader.stats.queuedBytes == 3)
        #expect(reader.drain() == [DataMessage(payload: [2, 2], isText: false), DataMessage(payload: [3], isText: false)])
    }

    @Test func readerCapAndRemoval() throws {
        var limits = DataBus.Limits()
        limits.maxReaders = 2
        let bus = DataBus(limits: limits)
        let first = try bus.addReader(role: .viewer, kind: "whep", name: "1") {}
        _ = try bus.addReader(role: .viewer, kind: "whep", name: "2") {}
        #expect(throws: DataBus.AddError.tooManyReaders(limit: 2)) { try bus.addReader(role: .viewer, kind: "whep", name: "3") {} }
        bus.removeReader(first)
        bus.publish(Self.text("x"))
        #expect(first.drain().isEmpty)
        #expect(bus.stats.readers == 1)
        #expect(bus.readerStats.map(\.name) == ["2"])
        #expect(bus.hasReaders)
    }
}
