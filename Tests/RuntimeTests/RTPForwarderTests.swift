import Egress
import Foundation
import Logging
import NIOCore
import NIOPosix
import RTCBase
import RTP
import Routing
@testable import Runtime
import Testing

/// Plain RTP egress over real loopback sockets: the demo clip's path is forwarded to a local
/// "receiver" (two UDP port pairs); RTP arrives with continuous sequence numbers, sender reports
/// arrive on the RTCP port, PLI sent back (to the RTCP and to the RTP source port) reaches the
/// path, the SDP file is written, and stopping sends BYE.
@Suite(.timeLimit(.minutes(1))) struct RTPForwarderTests {
    enum Port: Sendable { case videoRTP, videoRTCP, audioRTP, audioRTCP }
    struct Arrival: Sendable {
        var port: Port
        var bytes: [UInt8]
    }

    /// Binds P and P+1 on 127.0.0.1 (P ephemeral), each yielding what arrives.
    static func bindPair(group: any EventLoopGroup, ports: (Port, Port),
                         into continuation: AsyncStream<Arrival>.Continuation) async throws -> (any Channel, any Channel) {
        func bind(_ port: Int, _ tag: Port) async throws -> any Channel {
            try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramReceiver { bytes, _ in
                            continuation.yield(Arrival(port: tag, bytes: bytes))
                        })
                    }
                }
                .bind(host: "127.0.0.1", port: port).get()
        }
        for _ in 0..<50 {
            let first = try await bind(0, ports.0)
            guard let port = first.localAddress?.port, port < 65535 else { try await first.close(); continue }
            if let second = try? await bind(port + 1, ports.1) { return (first, second) }
            try await first.close()
        }
        throw SourceError.unusable("no free port pair")
    }

    @Test func forwardsDemoPathWithReportsAndHonoursPLI() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let logger = Logger(label: "test")
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        let source = try FileSource.demo(pathName: "demo", router: router, eventLoop: group.next(), logger: logger)
        try await source.start()
        let path = try #require(router.path(named: "demo"))

        let (arrivals, continuation) = AsyncStream.makeStream(of: Arrival.self)
        let video = try await Self.bindPair(group: group, ports: (.videoRTP, .videoRTCP), into: continuation)
        let audio = try await Self.bindPair(group: group, ports: (.audioRTP, .audioRTCP), into: continuation)
        let videoPort = try #require(video.0.localAddress?.port)
        let audioPort = try #require(audio.0.localAddress?.port)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rtpforward-\(getpid())-\(videoPort)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sdpFile = directory.appendingPathComponent("demo.sdp").path
        let spec = try ForwardSpec(parsing: "rtp://127.0.0.1:\(videoPort)?audio=\(audioPort)&sdp=\(sdpFile)")
        let forwarder = RTPForwarder(path: path, spec: spec, sdpFile: spec.sdpFile(forPath: "demo"),
                                     eventLoop: group.next(), logger: logger)
        try await forwarder.start()
        let videoSSRC = forwarder.ssrc(for: .video)
        let local = try #require(forwarder.localPorts[.video])
        #expect(local.rtcp == local.rtp + 1)

        // Media and reports until 60 video packets and a video SR have arrived.
        var videoPackets: [RTPPacket] = [], audioPackets = 0
        var senderReport: RTCPSenderReport?, cname: String?
        var iterator = arrivals.makeAsyncIterator()
        while videoPackets.count < 60 || senderReport == nil || audioPackets == 0 {
            let arrival = try #require(await iterator.next())
            switch arrival.port {
            case .videoRTP: videoPackets.append(try RTPPacket(parsing: arrival.bytes))
            case .audioRTP: audioPackets += 1
            case .videoRTCP:
                for packet in try RTCPCompound.parse(arrival.bytes) {
                    if case .senderReport(let report) = packet { senderReport = report }
                    if case .sourceDescription(let sdes) = packet { cname = sdes.cname(for: videoSSRC) }
                }
            case .audioRTCP: break
            }
        }
        #expect(videoPackets.allSatisfy { $0.ssrc == videoSSRC && $0.payloadType == 96 })
        for (previous, next) in zip(videoPackets, videoPackets.dropFirst()) {
            #expect(next.sequenceNumber == previous.sequenceNumber &+ 1)
        }
        // The first packet starts a keyframe: SPS (alone or in a STAP-A) leads the IDR.
        let firstNAL = (videoPackets.first?.payload.first ?? 0) & 0x1F
        #expect(firstNAL == 7 || firstNAL == 24 || firstNAL == 5, "first NAL type \(firstNAL)")
        let report = try #require(senderReport)
        #expect(report.ssrc == videoSSRC)
        #expect(report.packetCount > 0)
        #expect(cname?.hasPrefix("rtcbridge-") == true)

        // RR + PLI from the receiver's RTCP socket to the forwarder's RTCP port, then a PLI to its
        // RTP source port (receivers that answer where media came from): both reach the path.
        let before = path.stats.keyframeRequestsReceived
        let rr = RTCPPacket.receiverReport(RTCPReceiverReport(ssrc: 0x5151, reports: [
            RTCPReceptionReport(ssrc: videoSSRC, fractionLost: 0, cumulativeLost: 0,
                                extendedHighestSequence: UInt32(videoPackets.last?.sequenceNumber ?? 0), jitter: 0),
        ]))
        let pli = RTCPPacket.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 0x5151, mediaSSRC: videoSSRC))
        for (port, packets) in [(local.rtcp, [rr, pli]), (local.rtp, [pli])] {
            let bytes = RTCPCompound.serialize(packets)
            let target = try SocketAddress(ipAddress: "127.0.0.1", port: port)
            try await video.1.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: video.1.allocator.buffer(bytes: bytes)))
        }
        // Media keeps arriving every few milliseconds: use it as the clock while the PLIs land.
        while path.stats.keyframeRequestsReceived < before + 2 {
            _ = try #require(await iterator.next())
        }
        let stats = try await forwarder.stats()
        #expect(stats.receiverReportsReceived == 1)
        #expect(stats.keyframeRequestsReceived == 2)
        #expect(stats.malformedRTCP == 0)

        // Stop: a BYE for the video SSRC arrives; the SDP file is complete.
        await forwarder.stop()
        var bye = false
        while !bye, let arrival = await iterator.next() {
            guard arrival.port == .videoRTCP, let packets = try? RTCPCompound.parse(arrival.bytes) else { continue }
            bye = packets.contains { if case .bye(let b) = $0 { return b.ssrcs == [videoSSRC] } else { return false } }
        }
        #expect(bye)
        let sdp = try String(contentsOfFile: sdpFile, encoding: .utf8)
        #expect(sdp.contains("s=rtcbridge demo\r\n"))
        #expect(sdp.contains("c=IN IP4 127.0.0.1\r\n"))
        #expect(sdp.contains("m=video \(videoPort) RTP/AVP 96\r\n"))
        #expect(sdp.contains("m=audio \(audioPort) RTP/AVP 97\r\na=rtpmap:97 opus/48000/2\r\n"))
        #expect(sdp.contains("sprop-parameter-sets="))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["demo.sdp"])   // no temp file left

        continuation.finish()
        for channel in [video.0, video.1, audio.0, audio.1] { try await channel.close() }
        await source.stop()
    }
}
