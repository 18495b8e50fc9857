import Testing
@testable import Routing

/// Per-reader counters for `/metrics` and `/api/stats`: what each reader sent on the bus (and the
/// bus refused), what it received, in messages and bytes.
@Suite struct DataBusCounterTests {
    @Test func readersCountWhatTheySentAndReceived() throws {
        var limits = DataBus.Limits()
        limits.maxMessageBytes = 10
        let bus = DataBus(limits: limits)
        let device = try bus.addReader(role: .source, kind: "udp", name: "device") {}
        let viewer = try bus.addReader(role: .viewer, kind: "whep", name: "v") {}
        #expect(bus.publish(DataMessage(payload: Array(repeating: 1, count: 10), isText: false), from: device))   // at the cap
        #expect(!bus.publish(DataMessage(payload: Array(repeating: 1, count: 11), isText: false), from: device))  // one past
        #expect(bus.publish(DataMessage(payload: [], isText: true), from: device))
        #expect(bus.publish(DataMessage(payload: [7, 7, 7], isText: false), from: viewer))
        #expect(!bus.publish(DataMessage(payload: Array(repeating: 2, count: 11), isText: false), from: viewer))
        let toViewer = viewer.drain()
        #expect(toViewer.map(\.payload.count) == [10, 0])
        #expect(device.drain().map(\.payload) == [[7, 7, 7]])

        let d = device.stats, v = viewer.stats
        #expect(d.published == 2 && d.publishedBytes == 10 && d.rejected == 1)
        #expect(d.delivered == 1 && d.deliveredBytes == 3)
        #expect(v.published == 1 && v.publishedBytes == 3 && v.rejected == 1)
        #expect(v.delivered == 2 && v.deliveredBytes == 10)
        let totals = bus.stats
        #expect(totals.messagesIn == 3 && totals.bytesIn == 13 && totals.rejected == 2 && totals.queued == 3)
    }
}
