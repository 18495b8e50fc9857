import Ingest
import Logging
import NIOPosix
import RTCBase
import RTSP
import Routing
@testable import Runtime
import Testing

/// An `RTSPSource` pulling the gateway's own RTSP server over loopback (TCP interleaved and UDP):
/// the camera's keyframes reach the source's path, and stopping detaches the publisher. The
/// test waits on the path's reader wakes, never on sleeps.
@Suite(.timeLimit(.minutes(1))) struct RTSPSourceLoopbackTests {
    @Test(arguments: [RTSPTransportPreference.tcp, .udp])
    func pullsTheServersDemoPath(transport: RTSPTransportPreference) async throws {
        let (server, _, demo) = try await RTSPServerLoopbackTests.startServer()
        var spec = try RTSPSourceSpec(parsing: "rtsp://127.0.0.1:\(server.port)/demo")
        spec.transport = transport
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        let source = try RTSPSource(pathName: "cam", spec: spec, router: router,
                                    eventLoop: MultiThreadedEventLoopGroup.singleton.next(), logger: Logger(label: "test"))
        let path = try #require(router.path(named: "cam"))
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let reader = try path.addReader { wake.yield() }
        source.start()
        var tracks: [TrackInfo] = [], keyframe: MediaUnit?
        var events = wakes.makeAsyncIterator()
        while keyframe == nil, await events.next() != nil {
            for event in reader.drain(max: 1000) {
                if case .tracks(let published, _) = event { tracks = published }
                if case .unit(let unit) = event, unit.isKeyframe, unit.trackID == tracks.first?.id { keyframe = unit }
            }
        }
        #expect(tracks.map(\.encodingName) == ["H264", "opus"])
        #expect(keyframe?.packets.first?.payloadType == tracks.first?.payloadType)
        await source.stop()
        var ended = false
        while !ended, await events.next() != nil {
            ended = reader.drain(max: 1000).contains { if case .sourceEnded = $0 { true } else { false } }
        }
        #expect(ended && !path.isReady)
        path.removeReader(reader)
        wake.finish()
        await server.stop()
        await demo.stop()
    }
}
