import RTCBase
import Testing
import TestSupport

/// The emulator itself: seeded loss, delay and ordering, duplication, NAT rebinding.
@Suite struct NetworkEmulatorTests {
    static let a = TransportAddress(host: "10.0.0.1", port: 1000)!
    static let b = TransportAddress(host: "10.0.0.2", port: 2000)!
    static let start = Instant(nanoseconds: 1_000_000_000)

    static func emulator(seed: UInt64 = 1) -> NetworkEmulator {
        var network = NetworkEmulator(seed: seed)
        network.attach(a)
        network.attach(b)
        return network
    }

    static func drain(_ network: inout NetworkEmulator, until: Instant) -> [(NetworkEmulator.Datagram, Instant)] {
        var out: [(NetworkEmulator.Datagram, Instant)] = []
        for _ in 0..<100_000 {
            guard let next = network.nextDelivery, next <= until else { break }
            while let (datagram, _) = network.receive(at: next) { out.append((datagram, next)) }
        }
        return out
    }

    @Test func lossIsSeededAndNearItsRate() {
        func lost(seed: UInt64) -> Int {
            var network = Self.emulator(seed: seed)
            network.setConditions(.init(loss: 0.1), from: Self.a)
            for index in 0..<10_000 { network.send([UInt8(truncatingIfNeeded: index)], from: Self.a, to: Self.b, at: Self.start) }
            return network.counters.lost
        }
        #expect(lost(seed: 7) == lost(seed: 7))
        #expect((900...1100).contains(lost(seed: 7)), "\(lost(seed: 7))")
    }

    @Test func delayKeepsOrderAndJitterReorders() {
        var network = Self.emulator()
        network.setConditions(.init(delay: .milliseconds(30)), from: Self.a)
        network.setConditions(.init(delay: .milliseconds(5), jitter: .milliseconds(20)), from: Self.b)
        for index in 0..<100 {
            let at = Self.start + .milliseconds(index)
            network.send([UInt8(index)], from: Self.a, to: Self.b, at: at)
            network.send([UInt8(index)], from: Self.b, to: Self.a, at: at)
        }
        let delivered = Self.drain(&network, until: .distantFuture)
        let toB = delivered.filter { $0.0.destination == Self.b }
        let toA = delivered.filter { $0.0.destination == Self.a }
        #expect(toB.map { $0.0.bytes[0] } == (0..<100).map(UInt8.init))
        #expect(zip(toB, 0...).allSatisfy { $0.1 == Self.start + .milliseconds(30 + $1) })
        #expect(toA.count == 100)
        #expect(toA.map { $0.0.bytes[0] } != (0..<100).map(UInt8.init))
        #expect(zip(delivered, delivered.dropFirst()).allSatisfy { $0.1 <= $1.1 })
    }

    @Test func duplicationDeliversTwice() {
        var network = Self.emulator()
        network.setConditions(.init(duplication: 1), from: Self.a)
        network.log = []
        for index in 0..<10 { network.send([UInt8(index)], from: Self.a, to: Self.b, at: Self.start) }
        #expect(Self.drain(&network, until: Self.start).count == 20)
        #expect(network.log?.filter(\.isDuplicate).count == 10)
    }

    @Test func rebindingChangesTheSourceAndStrandsTheOldAddress() {
        var network = Self.emulator()
        let stranger = TransportAddress(host: "192.0.2.1", port: 9)!
        let newPublic = TransportAddress(host: "198.51.100.1", port: 3000)!
        network.rebind(Self.a, to: newPublic, at: Self.start + .seconds(1))
        network.send([1], from: Self.a, to: Self.b, at: Self.start)
        network.send([2], from: Self.a, to: Self.b, at: Self.start + .seconds(1))
        let sources = Self.drain(&network, until: .distantFuture).map(\.0.source)
        #expect(sources == [Self.a, newPublic])
        network.send([3], from: Self.b, to: Self.a, at: Self.start + .seconds(2))
        network.send([4], from: Self.b, to: newPublic, at: Self.start + .seconds(2))
        network.send([5], from: Self.b, to: stranger, at: Self.start + .seconds(2))
        var hosts: [TransportAddress] = []
        while let (_, host) = network.receive(at: Self.start + .seconds(2)) { hosts.append(host) }
        #expect(hosts == [Self.a])
        #expect(network.counters.unreachable == 2)
    }
}
