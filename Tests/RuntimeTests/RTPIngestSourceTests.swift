import Codecs
import Foundation
import Logging
import NIOCore
import NIOPosix
import RTCBase
import RTP
import Routing
@testable import Runtime
import Testing

/// Plain RTP ingest over real loopback sockets: an SDP with `sprop-parameter-sets`, a sender
/// that never sends SPS/PPS in-band (units stay untouched; WebRTC viewers add them), RTCP from the sender, and a keyframe request going back to
/// the sender's RTCP address as PLI.
@Suite(.timeLimit(.minutes(1))) struct RTPIngestSourceTests {
    static let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1E, 0x8C, 0x8D, 0x40, 0x50]
    static let pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]

    /// A source on ephemeral ports it keeps open (no probing of free ports): the SDP's port is
    /// replaced; returns the source and its bound (RTP, RTCP) ports.
    static func startSource(sdp: String, router: Router, group: any EventLoopGroup) async throws -> (RTPIngestSource, rtp: Int, rtcp: Int) {
        let source = try RTPIngestSource(pathName: "cam", sdpText: sdp, configuration: .init(), router: router, eventLoop: group.next(),
                                         logger: Logger(label: "test"), bindsEphemeralPorts: true)
        try await source.start()
        let ports = try #require(await source.localPorts.first)
        return (source, ports.rtp, ports.rtcp)
    }

    @Test func injectsSpropLearnsProfileAndSendsPLIToTheSender() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let sprop = "\(Data(Self.sps).base64EncodedString()),\(Data(Self.pps).base64EncodedString())"
        let sdp = """
            v=0\r
            o=- 0 0 IN IP4 127.0.0.1\r
            s=camera\r
            c=IN IP4 127.0.0.1\r
            t=0 0\r
            m=video 5004 RTP/AVP 96\r
            a=rtpmap:96 H264/90000\r
            a=fmtp:96 packetization-mode=1;sprop-parameter-sets=\(sprop)\r

            """
        let router = Router(limits: RoutingLimits(), clock: { RuntimeClock.now() })
        let (source, port, rtcpPort) = try await Self.startSource(sdp: sdp, router: router, group: group)

        // The "camera": one socket for RTP and one for RTCP, like ffmpeg.
        let (rtcpIn, rtcpContinuation) = AsyncStream.makeStream(of: [UInt8].self)
        let camRTP = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let camRTCP = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramReceiver { bytes, _ in rtcpContinuation.yield(bytes) })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let rtpTarget = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let rtcpTarget = try SocketAddress(ipAddress: "127.0.0.1", port: rtcpPort)
        func send(_ bytes: [UInt8], on channel: any Channel, to address: SocketAddress) async throws {
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: bytes)))
        }

        // A sender report first, so the gateway knows where the camera's RTCP lives.
        let sr = RTCPSenderReport(ssrc: 0xCAFE, ntpTimestamp: 1, rtpTimestamp: 0, packetCount: 0, octetCount: 0, reports: [])
        try await send(RTCPCompound.serialize([.senderReport(sr)]), on: camRTCP, to: rtcpTarget)

        // A reader wakes through an AsyncStream: no sleeping, no polling.
        let path = try #require(router.path(named: "cam"))
        let (wakes, wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let reader = try path.addReader { wakeContinuation.yield() }
        // Keyframe (an IDR slice only; SPS/PPS only in the SDP), a P frame, a keyframe.
        let idr: [UInt8] = [0x65] + [UInt8](repeating: 0xAA, count: 3000)
        let pFrame: [UInt8] = [0x41, 0x9A, 0x02]
        var packetizer = H264Packetizer()
        var seq: UInt16 = 100
        for (n, payload) in [idr, pFrame, idr, pFrame].enumerated() {
            let unit = AccessUnit(payloads: [payload], rtpTimestamp: UInt32(n * 3000), isKeyframe: payload == idr)
            for (payload, marker) in packetizer.packetize(unit, maxPayloadSize: 1188) {
                let packet = RTPPacket(payloadType: 96, sequenceNumber: seq, timestamp: unit.rtpTimestamp, ssrc: 0xCAFE,
                                       marker: marker, payload: payload)
                seq &+= 1
                try await send(packet.bytes, on: camRTP, to: rtpTarget)
            }
        }
        var sawTracks = false, keyframe: MediaUnit?
        for await _ in wakes {
            for event in reader.drain(max: 100) {
                if case .tracks = event { sawTracks = true }
                if case .unit(let unit) = event, unit.isKeyframe, keyframe == nil { keyframe = unit }
            }
            if sawTracks, keyframe != nil { break }
        }
        #expect(path.isReady)

        // The unit is the source's own packets, untouched (contiguous source sequence numbers);
        // the track keeps the SDP's parameter sets for outputs that need them in-band.
        let first = try #require(keyframe)
        #expect(first.packets.allSatisfy { H264.parameterSets(inPayload: $0.payload).isEmpty })
        let seqs = first.packets.map(\.sequenceNumber)
        #expect(zip(seqs, seqs.dropFirst()).allSatisfy { $1 == $0 &+ 1 })
        #expect(path.tracks?.first?.fmtp["sprop-parameter-sets"] == sprop)
        #expect(path.tracks?.first?.fmtp["profile-level-id"] == "42c01e")   // learnt from the sprop SPS

        // A viewer needs a keyframe: PLI (RFC 4585 §6.3.1) reaches the camera's RTCP socket.
        path.requestKeyframe()
        var gotPLI = false
        for await datagram in rtcpIn {
            if let packets = try? RTCPCompound.parse(datagram[...]),
               packets.contains(where: { if case .pictureLossIndication(let pli) = $0 { return pli.mediaSSRC == 0xCAFE } else { return false } }) {
                gotPLI = true
                break
            }
        }
        #expect(gotPLI)
        let stats = await source.stats()
        #expect(stats.lockedSource == "127.0.0.1" && stats.foreignDatagrams == 0 && stats.malformed == 0)
        rtcpContinuation.finish()
        wakeContinuation.finish()
        path.removeReader(reader)
        try await camRTP.close()
        try await camRTCP.close()
        await source.stop()
    }
}
