import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import RTCBase
import Routing
import RTSP
@testable import Runtime
import Synchronization
import Testing

/// Issue #8: the RTSP server's connection cap, idle timeout and write backpressure.
@Suite(.timeLimit(.minutes(1)), .serialized) struct RTSPServerLimitsTests {
    /// Counts connections the server closes.
    final class CloseCounter: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<Void>.Continuation
        init(_ continuation: AsyncStream<Void>.Continuation) { self.continuation = continuation }
        func channelInactive(context: ChannelHandlerContext) {
            continuation.yield()
            context.fireChannelInactive()
        }
    }

    /// `count` TCP connections to 127.0.0.1:`port` (from `source`) that send nothing; each yields to
    /// `closures` when the server closes it.
    static func connectIdle(_ count: Int, from source: String = "127.0.0.1", port: Int,
                            closures: AsyncStream<Void>.Continuation) async throws -> [any Channel] {
        var clients: [any Channel] = []
        for _ in 0..<count {
            clients.append(try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(CloseCounter(closures))
                    }
                }
                .bind(to: try SocketAddress(ipAddress: source, port: 0))
                .connect(host: "127.0.0.1", port: port).get())
        }
        return clients
    }

    /// A new client's OPTIONS is answered 200.
    static func expectServed(port: Int) async throws {
        let client = try await RTSPServerLoopbackTests.Client(port: port, path: "x")
        #expect(try await client.request("OPTIONS", "*").status == 200)
        await client.close()
    }

    /// A new client is closed without an answer.
    static func expectRefused(port: Int) async throws {
        let client = try await RTSPServerLoopbackTests.Client(port: port, path: "x")
        await #expect(throws: (any Error).self) { try await client.request("OPTIONS", "*") }
        await client.close()
    }

    /// Makes the server close `client` (an invalid Content-Length) and waits until it has.
    static func provokeClose(_ client: RTSPServerLoopbackTests.Client) async {
        await #expect(throws: (any Error).self) {
            try await client.request("OPTIONS", "*", headers: ["Content-Length": "x"])
        }
        await client.close()
    }

    static func startServer(router: Router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() }),
                            _ configure: (inout RTSPServerSettings) throws -> Void) async throws -> RTSPServer {
        var settings = RTSPServerSettings()
        settings.host = "127.0.0.1"
        settings.port = 0
        settings.udpEnabled = false
        try configure(&settings)
        let server = RTSPServer(settings: settings, router: router, publishablePaths: [],
                                group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "rtsp-limits"))
        try await server.start()
        return server
    }

    /// 1,000 idle connections against a cap of 100: a client is served while under the cap; the
    /// 900 over it are closed on arrival (a client then too); once one of the idle ones is closed,
    /// a new client is served again. The connections spread over the event loops. (The idle
    /// timeout is long here so that a slow machine cannot free slots while the 1,000 connect;
    /// `idleConnectionsAreClosedThenNewClientsServed` and the interop flood test time them out.)
    @Test func thousandIdleConnectionsAreCappedAndNewClientsServedWhenASlotFrees() async throws {
        let cap = 100, idle = 1000
        let server = try await Self.startServer {
            $0.maxConnections = cap
            $0.maxConnectionsPerClient = idle   // all from 127.0.0.1 here; the per-client cap has its own test
            $0.idleTimeout = .seconds(600)
        }
        let (closures, continuation) = AsyncStream.makeStream(of: Void.self)
        var closed = closures.makeAsyncIterator()
        // Under the cap (cap - 1 idle): served.
        var clients = try await Self.connectIdle(cap - 1, port: server.port, closures: continuation)
        let early = try await RTSPServerLoopbackTests.Client(port: server.port, path: "x")
        #expect(try await early.request("OPTIONS", "*").status == 200)
        await Self.provokeClose(early)
        // The rest of the 1,000: all but one are refused.
        clients += try await Self.connectIdle(idle - (cap - 1), port: server.port, closures: continuation)
        for _ in 0..<(idle - cap) { await closed.next() }
        #expect(server.connectionCount() == cap)
        #expect(server.refusedConnectionCount() == idle - cap)
        let loops = MultiThreadedEventLoopGroup.singleton.makeIterator().reduce(0) { count, _ in count + 1 }
        #expect(server.eventLoopsInUse() == min(loops, cap))
        try await Self.expectRefused(port: server.port)
        // The server closes one idle connection (a malformed request): its slot serves a new client.
        let open = try #require(clients.first)   // one of the first, admitted ones
        try await open.writeAndFlush(ByteBuffer(string: "OPTIONS * RTSP/1.0\r\nContent-Length: x\r\n\r\n"))
        await closed.next()
        #expect(server.connectionCount() == cap - 1)
        try await Self.expectServed(port: server.port)
        for client in clients { try? await client.close() }
        await server.stop()
    }

    /// Idle connections are closed after `idleTimeout` (1 s here) by the server; then a new client
    /// is served.
    @Test func idleConnectionsAreClosedThenNewClientsServed() async throws {
        let server = try await Self.startServer {
            $0.maxConnections = 3
            $0.maxConnectionsPerClient = 3
            $0.idleTimeout = .seconds(1)
        }
        let (closures, continuation) = AsyncStream.makeStream(of: Void.self)
        var closed = closures.makeAsyncIterator()
        let clients = try await Self.connectIdle(3, port: server.port, closures: continuation)
        for _ in 0..<3 { await closed.next() }
        #expect(server.connectionCount() == 0)
        try await Self.expectServed(port: server.port)
        for client in clients { try? await client.close() }
        await server.stop()
    }

    /// The cap itself: `maxConnections` connections are served, one more is refused.
    @Test func capAtTheLimitAndOnePast() async throws {
        let server = try await Self.startServer {
            $0.maxConnections = 3
            $0.maxConnectionsPerClient = 3
            $0.maxQueuedWriteBytes = 4096
        }
        var clients: [RTSPServerLoopbackTests.Client] = []
        for _ in 0..<3 {
            let client = try await RTSPServerLoopbackTests.Client(port: server.port, path: "x")
            #expect(try await client.request("OPTIONS", "*").status == 200)
            clients.append(client)
        }
        try await Self.expectRefused(port: server.port)
        #expect(server.refusedConnectionCount() == 1)
        // Answers queue up to maxQueuedWriteBytes before the channel stops being writable.
        for channel in server.connectionChannels() {
            let marks = try await channel.getOption(.writeBufferWaterMark).get()
            #expect(marks.high == 4096 && marks.low == 2048)
        }
        await Self.provokeClose(clients[0])
        // Its slot is free: the next one is served.
        try await Self.expectServed(port: server.port)
        for client in clients.dropFirst() { await client.close() }
        await server.stop()
    }

    /// 1,000 idle connections from one address (127.0.0.2) against a per-client cap of 10: 10 are
    /// kept, 990 closed on arrival; a client from another address (127.0.0.1) is served at once.
    @Test func oneClientCannotTakeEverySlot() async throws {
        let perClient = 10, idle = 1000
        let server = try await Self.startServer {
            $0.maxConnectionsPerClient = perClient
            $0.maxConnections = 2 * idle
        }
        let (closures, continuation) = AsyncStream.makeStream(of: Void.self)
        var closed = closures.makeAsyncIterator()
        let clients = try await Self.connectIdle(idle, from: "127.0.0.2", port: server.port, closures: continuation)
        for _ in 0..<(idle - perClient) { await closed.next() }
        #expect(server.connectionCount() == perClient)
        #expect(server.refusedConnectionCount() == idle - perClient)
        try await Self.expectServed(port: server.port)
        for client in clients { try? await client.close() }
        await server.stop()
    }

    /// An on-demand source behind readUsers: DESCRIBE without or with wrong credentials never starts
    /// it; an authorized DESCRIBE does (here it gives up: 404).
    @Test func describeWakesAnOnDemandSourceOnlyOnceAuthorized() async throws {
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        let wakes = Mutex(0)
        try router.createPath(named: "cam").setDemandHandler { wakes.withLock { $0 += 1 } }
        let server = try await Self.startServer(router: router) { try $0.setUsers(path: "cam", read: ["viewer:pw"], publish: []) }
        let client = try await RTSPServerLoopbackTests.Client(port: server.port, path: "cam")
        let challenged = try await client.request("DESCRIBE")
        #expect(challenged.status == 401)
        let challenge = try #require(RTSPAuthChallenge.preferred(RTSPAuthChallenge.parse([challenged.headers["www-authenticate"] ?? ""])))
        func describe(password: String) async throws -> Int {
            var authenticator = RTSPClientAuthenticator(credentials: RTSPCredentials(username: "viewer", password: password),
                                                        challenge: challenge)
            return try await client.request("DESCRIBE", headers: ["Authorization": authenticator.authorization(method: .describe, uri: client.base)]).status
        }
        #expect(try await describe(password: "wrong") == 401)
        #expect(wakes.withLock { $0 } == 0)
        #expect(try await describe(password: "pw") == 404)
        #expect(wakes.withLock { $0 } == 1)
        await client.close()
        await server.stop()
    }

    /// A peer that sends requests but does not read the answers: while the channel is not
    /// writable no request is handled and reading pauses; once it reads, every request is answered.
    @Test func answersWaitForThePeerToRead() throws {
        let loop = EmbeddedEventLoop()
        let server = RTSPServer(settings: RTSPServerSettings(), router: Router(limits: RoutingLimits(), clock: { RuntimeClock.now() }),
                                publishablePaths: [], group: loop, logger: Logger(label: "rtsp-backpressure"))
        let channel = EmbeddedChannel(loop: loop)
        let connection = RTSPServerConnection(channel: channel, server: server)
        try channel.pipeline.syncOperations.addHandler(RTSPServerChannelHandler(connection))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5000)).wait()
        let requests = (1...100).map { "OPTIONS * RTSP/1.0\r\nCSeq: \($0)\r\n\r\n" }.joined()

        // One answer is written, then the channel is full.
        try channel.writeInbound(ByteBuffer(string: "OPTIONS * RTSP/1.0\r\nCSeq: 0\r\n\r\n"))
        #expect(try channel.readOutbound(as: ByteBuffer.self) != nil)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        try channel.writeInbound(ByteBuffer(string: requests))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(channel.options.contains { $0.option is ChannelOptions.Types.AutoReadOption && ($0.value as? Bool) == false })

        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        var answered = 0
        while let answer = try channel.readOutbound(as: ByteBuffer.self) {
            #expect(String(buffer: answer).hasPrefix("RTSP/1.0 200"))
            answered += 1
        }
        #expect(answered == 100)
        #expect(channel.options.last { $0.option is ChannelOptions.Types.AutoReadOption }.map { ($0.value as? Bool) == true } == true)
        _ = try? channel.finish()
    }
}
