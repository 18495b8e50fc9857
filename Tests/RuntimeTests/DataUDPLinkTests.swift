import Logging
import NIOCore
import NIOPosix
import RTCBase
import Routing
@testable import Runtime
import Testing

@Suite struct DataUDPSpecTests {
    @Test func parsesAddressReplyAndFormat() throws {
        let plain = try DataUDPSpec(parsing: "udp://0.0.0.0:7000")
        #expect(plain.host == "0.0.0.0" && plain.port == 7000 && plain.reply == nil && plain.format == .auto)
        let full = try DataUDPSpec(parsing: "udp://[::1]:7000?reply=192.168.1.50:7001&format=binary")
        #expect(full.host == "::1" && full.reply == TransportAddress(host: "192.168.1.50", port: 7001) && full.format == .binary)
        #expect(full.description == "udp://[::1]:7000?reply=192.168.1.50:7001&format=binary")
        let capped = try DataUDPSpec(parsing: "udp://127.0.0.1:7000?maxSize=1200")
        #expect(capped.maxSize == 1200 && capped.description == "udp://127.0.0.1:7000?maxSize=1200")
        #expect(try DataUDPSpec(parsing: "udp://127.0.0.1:7000?maxSize=1").maxSize == 1)
        #expect(try DataUDPSpec(parsing: "udp://127.0.0.1:7000?maxSize=65507").maxSize == 65_507)
        #expect(plain.maxSize == 65_507)
        for bad in ["udp://0.0.0.0:7000?maxSize=0", "udp://0.0.0.0:7000?maxSize=65508", "udp://0.0.0.0:7000?maxSize=x",
                    "udp://0.0.0.0", "udp://host.example:7000", "rtp://0.0.0.0:7000", "udp://0.0.0.0:70000",
                    "udp://0.0.0.0:7000?reply=x", "udp://0.0.0.0:7000?format=text", "udp://0.0.0.0:7000?ttl=2"] {
            #expect(throws: (any Error).self, "\(bad)") { try DataUDPSpec(parsing: bad) }
        }
    }

    @Test func datagramKinds() {
        let auto = DataUDPSpec(host: "127.0.0.1", port: 1)
        #expect(auto.message(Array("{\"t\":1}".utf8)) == DataMessage(payload: Array("{\"t\":1}".utf8), isText: true))
        #expect(auto.message([0xFF, 0x00]).isText == false)
        #expect(auto.message([]).isText)   // the empty string
        #expect(DataUDPSpec(host: "127.0.0.1", port: 1, format: .binary).message(Array("a".utf8)).isText == false)
    }
}

/// The UDP data device on real loopback sockets: datagrams become bus messages for a viewer, the
/// viewer's messages go back to the last sender, one datagram each.
@Suite(.timeLimit(.minutes(1))) struct DataUDPLinkTests {
    @Test func datagramsInMessagesBackToTheLastSender() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        let link = try DataUDPLink(pathName: "cam", spec: DataUDPSpec(host: "127.0.0.1", port: 0), router: router,
                                   eventLoop: group.next(), logger: Logger(label: "test"))
        try await link.start()
        defer { Task { await link.stop() } }
        let port = try #require(await link.localPort)
        let bus = try #require(router.path(named: "cam")).dataBus

        let (wakes, wake) = AsyncStream.makeStream(of: Void.self)
        let viewer = try bus.addReader(role: .viewer, kind: "whep", name: "v") { wake.yield() }
        let (replies, reply) = AsyncStream.makeStream(of: [UInt8].self)
        let device = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramReceiver { bytes, _ in reply.yield(bytes) })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        for datagram in [Array("{\"temp\":21.5}".utf8), [0xFF, 1, 2]] {
            try await device.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: device.allocator.buffer(bytes: datagram)))
        }
        var received: [DataMessage] = []
        var wakeIterator = wakes.makeAsyncIterator()
        while received.count < 2, await wakeIterator.next() != nil { received += viewer.drain() }
        #expect(received == [DataMessage(payload: Array("{\"temp\":21.5}".utf8), isText: true),
                             DataMessage(payload: [0xFF, 1, 2], isText: false)])

        bus.publish(DataMessage(payload: Array("cmd".utf8), isText: true), from: viewer)
        bus.publish(DataMessage(payload: [9], isText: false), from: viewer)
        var replyIterator = replies.makeAsyncIterator()
        #expect(await replyIterator.next() == Array("cmd".utf8))
        #expect(await replyIterator.next() == [9])
        let stats = await link.stats()
        #expect(stats.datagramsIn == 2 && stats.datagramsOut == 2 && stats.droppedNoTarget == 0)
        try await device.close()
    }
}

extension DataUDPLinkTests {
    /// `maxSize`: a datagram at the cap reaches the bus, one byte past it is dropped and counted.
    @Test func datagramsOverMaxSizeAreDroppedAndCounted() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        let link = try DataUDPLink(pathName: "cam", spec: DataUDPSpec(host: "127.0.0.1", port: 0, maxSize: 100), router: router,
                                   eventLoop: group.next(), logger: Logger(label: "test"))
        try await link.start()
        defer { Task { await link.stop() } }
        let port = try #require(await link.localPort)
        let bus = try #require(router.path(named: "cam")).dataBus
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self)
        let viewer = try bus.addReader(role: .viewer, kind: "whep", name: "v") { wake.yield() }
        let device = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let target = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        // One past the cap, then at the cap, then a marker: the marker's arrival means the others were read.
        for size in [101, 100, 1] {
            let datagram = [UInt8](repeating: 0xFE, count: size)
            try await device.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: device.allocator.buffer(bytes: datagram)))
        }
        var received: [DataMessage] = []
        var wakeIterator = wakes.makeAsyncIterator()
        while received.count < 2, await wakeIterator.next() != nil { received += viewer.drain() }
        #expect(received.map(\.payload.count) == [100, 1])
        let stats = await link.stats()
        #expect(stats.datagramsIn == 3 && stats.droppedTooLarge == 1 && stats.droppedTooLargeOut == 0)
        #expect(bus.stats.messagesIn == 2 && bus.stats.rejected == 0)
        try await device.close()
    }
}

/// The kernel's receive-buffer drops of a data device's socket, from /proc/net/udp text.
@Suite struct DataUDPSocketDropsTests {
    static let text = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
         1: 0100007F:1B6E 00000000:0000 07 00000000:00100000 00:00000000 00000000     0        0 8454585 2 0000000003a3d685 143741
         2: 00000000:1B6E 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 8454586 2 0000000003a3d686 9
         3: 0100007F:1B6F 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 8454587 2 0000000003a3d687 5
         4: garbage line
         5: 0100007F:ZZZZ 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 8454588 2 0000000003a3d688 7
         6: 0100007F:1B6E 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 8454589 2 0000000003a3d689 -3
        """

    @Test func sumsTheDropsOfTheSocketsOnThePort() {
        #expect(DataUDPSocketDrops.parse(Self.text, port: 0x1B6E) == 143_750)   // 7022: both sockets, not the bad lines
        #expect(DataUDPSocketDrops.parse(Self.text, port: 0x1B6F) == 5)
        #expect(DataUDPSocketDrops.parse(Self.text, port: 1) == 0)
        #expect(DataUDPSocketDrops.parse("", port: 0x1B6E) == 0)
    }

    @Test func aLiveSocketReadsZeroDrops() async throws {
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        #expect(DataUDPSocketDrops.read(port: port) == 0)
        try await channel.close()
    }
}
