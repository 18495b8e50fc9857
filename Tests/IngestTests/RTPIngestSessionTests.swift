@testable import Ingest
import RTCBase
import RTP
import Routing
import SDP
import Testing

/// `RTPIngestSession` on virtual time: the sender lock (first sender or `a=source-filter`),
/// restarts by the locked sender, release after the source timeout, PLI only to the locked sender.
@Suite struct RTPIngestSessionTests {
    static func sdp(_ extra: String = "", audio: Bool = false) -> String {
        "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=cam\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + extra
            + "m=video 5004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n"
            + (audio ? "m=audio 5006 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n" : "")
    }

    static func session(_ text: String = sdp()) throws -> RTPIngestSession {
        try RTPIngestSession(description: try SessionDescription(parsing: text), localSSRC: 0xAAAA)
    }

    static let camera = TransportAddress(host: "192.0.2.10", port: 40000)!
    static let cameraRTCP = TransportAddress(host: "192.0.2.10", port: 40001)!
    static let intruder = TransportAddress(host: "198.51.100.7", port: 5000)!
    static let t0 = Instant(nanoseconds: 1_000_000_000)

    /// One IDR slice as a single-packet unit.
    static func keyframe(ssrc: UInt32, seq: UInt16, pt: UInt8 = 96) -> [UInt8] {
        RTPPacket(payloadType: pt, sequenceNumber: seq, timestamp: UInt32(seq) * 3000, ssrc: ssrc, marker: true,
                  payload: [0x65, 0x88, 0x80]).bytes
    }

    static let senderReport = RTCPCompound.serialize([.senderReport(
        RTCPSenderReport(ssrc: 0xCAFE, ntpTimestamp: 1, rtpTimestamp: 0, packetCount: 0, octetCount: 0, reports: []))])

    /// Drains the session: outputs other than the final timeout.
    static func drain(_ session: inout RTPIngestSession) -> [RTPIngestSession.Output] {
        var outputs: [RTPIngestSession.Output] = []
        while true {
            let output = session.poll()
            if case .timeout = output { return outputs }
            outputs.append(output)
        }
    }

    static func summary(_ outputs: [RTPIngestSession.Output]) -> [String] {
        outputs.map { output in
            switch output {
            case .attach: "attach"
            case .detach: "detach"
            case .publish(let unit): "publish \(unit.packets.first?.ssrc ?? 0)"
            case .sendRTCP(_, _, let to): "rtcp to \(to)"
            case .event(.ready): "ready"
            case .event(let event): "\(event)"
            case .timeout: "timeout"
            }
        }
    }

    @Test func firstSenderLocksTheIngestAndOthersAreDroppedAndCounted() throws {
        var session = try Self.session()
        session.receiveRTP(Self.keyframe(ssrc: 0xCAFE, seq: 1), track: 0, from: Self.camera, now: Self.t0)
        #expect(Self.summary(Self.drain(&session)) == [
            "sourceLocked(host: \"192.0.2.10\", configured: false)", "attach", "ready", "publish 51966",
        ])
        // Another host, RTP and RTCP: dropped, counted, reported once; the publisher stays.
        session.receiveRTP(Self.keyframe(ssrc: 0xBAD, seq: 1), track: 0, from: Self.intruder, now: Self.t0 + .seconds(1))
        session.receiveRTCP(Self.senderReport, track: 0, from: Self.intruder, now: Self.t0 + .seconds(1))
        #expect(Self.summary(Self.drain(&session)) == ["foreignSenderDropped(host: \"198.51.100.7\")"])
        #expect(session.stats.foreignDatagrams == 2)
        #expect(session.stats.restarts == 0)
        #expect(session.stats.lockedSource == "192.0.2.10")
        // Keyframe requests never go to the intruder's RTCP address.
        session.requestKeyframe()
        #expect(Self.drain(&session).isEmpty)
        session.receiveRTCP(Self.senderReport, track: 0, from: Self.cameraRTCP, now: Self.t0 + .seconds(2))
        session.requestKeyframe()
        #expect(Self.summary(Self.drain(&session)) == ["rtcp to 192.0.2.10:40001"])
    }

    @Test func malformedDatagramsNeitherLockNorCountAsForeign() throws {
        var session = try Self.session()
        session.receiveRTP([0x80, 0x60], track: 0, from: Self.intruder, now: Self.t0)
        session.receiveRTP(Self.keyframe(ssrc: 1, seq: 1, pt: 97), track: 0, from: Self.intruder, now: Self.t0)
        session.receiveRTCP([1, 2, 3], track: 0, from: Self.intruder, now: Self.t0)
        #expect(Self.drain(&session).isEmpty)
        #expect(session.stats.malformed == 3 && session.stats.foreignDatagrams == 0 && session.stats.lockedSource == nil)
        session.receiveRTP(Self.keyframe(ssrc: 0xCAFE, seq: 1), track: 0, from: Self.camera, now: Self.t0)
        #expect(session.stats.lockedSource == "192.0.2.10")
    }

    @Test func aRestartByTheLockedSenderStillReplacesThePublisher() throws {
        var session = try Self.session()
        session.receiveRTP(Self.keyframe(ssrc: 0x1111, seq: 1), track: 0, from: Self.camera, now: Self.t0)
        _ = Self.drain(&session)
        // The encoder restarts: same host, new source port, new SSRC.
        let restarted = TransportAddress(host: "192.0.2.10", port: 41234)!
        session.receiveRTP(Self.keyframe(ssrc: 0x2222, seq: 9), track: 0, from: restarted, now: Self.t0 + .milliseconds(500))
        #expect(Self.summary(Self.drain(&session)) == [
            "restarted(ssrc: 8738)", "detach", "attach", "ready", "publish 8738",
        ])
        #expect(session.stats.restarts == 1 && session.stats.foreignDatagrams == 0)
    }

    @Test func oneRestartCoversEveryTrackOfTheEncoder() throws {
        var session = try Self.session(Self.sdp(audio: true))
        let opus = { (ssrc: UInt32, seq: UInt16) in
            RTPPacket(payloadType: 111, sequenceNumber: seq, timestamp: 0, ssrc: ssrc, marker: true, payload: [0xFC]).bytes
        }
        session.receiveRTP(Self.keyframe(ssrc: 0x1111, seq: 1), track: 0, from: Self.camera, now: Self.t0)
        session.receiveRTP(opus(0x3333, 1), track: 1, from: Self.camera, now: Self.t0)
        _ = Self.drain(&session)
        session.receiveRTP(Self.keyframe(ssrc: 0x2222, seq: 5), track: 0, from: Self.camera, now: Self.t0 + .seconds(10))
        session.receiveRTP(opus(0x4444, 5), track: 1, from: Self.camera, now: Self.t0 + .milliseconds(10_500))
        let outputs = Self.summary(Self.drain(&session))
        #expect(outputs.filter { $0.hasPrefix("restarted") }.count == 1)
        #expect(outputs.filter { $0 == "detach" }.count == 1)
        // After the holdoff, a new SSRC is a new restart.
        session.receiveRTP(opus(0x5555, 9), track: 1, from: Self.camera, now: Self.t0 + .seconds(13))
        #expect(Self.summary(Self.drain(&session)).first == "restarted(ssrc: 21845)")
        #expect(session.stats.restarts == 2)
    }

    @Test func theLockIsReleasedAfterTheSenderWasSilentForTheSourceTimeout() throws {
        var session = try Self.session()
        #expect(session.configuration.sourceTimeout == .seconds(5))
        session.receiveRTP(Self.keyframe(ssrc: 0x1111, seq: 1), track: 0, from: Self.camera, now: Self.t0)
        session.receiveRTCP(Self.senderReport, track: 0, from: Self.cameraRTCP, now: Self.t0 + .seconds(1))
        _ = Self.drain(&session)
        // One moment before the timeout (measured from the last datagram, RTCP included): still locked.
        let replacement = TransportAddress(host: "192.0.2.99", port: 6000)!
        session.receiveRTP(Self.keyframe(ssrc: 0x9999, seq: 1), track: 0, from: replacement,
                           now: Self.t0 + .seconds(6) - .nanoseconds(1))
        #expect(session.stats.foreignDatagrams == 1)
        _ = Self.drain(&session)
        // At the timeout the replacement device takes over; its new SSRC restarts the publisher.
        session.receiveRTP(Self.keyframe(ssrc: 0x9999, seq: 2), track: 0, from: replacement, now: Self.t0 + .seconds(6))
        #expect(Self.summary(Self.drain(&session)) == [
            "sourceReplaced(previous: \"192.0.2.10\", host: \"192.0.2.99\")", "restarted(ssrc: 39321)",
            "detach", "attach", "ready", "publish 39321",
        ])
        #expect(session.stats.lockedSource == "192.0.2.99")
        // The old sender's RTCP address is forgotten: no PLI goes to it, and now it is the foreign one.
        session.requestKeyframe()
        #expect(Self.drain(&session).isEmpty)
        session.receiveRTP(Self.keyframe(ssrc: 0x1111, seq: 3), track: 0, from: Self.camera, now: Self.t0 + .seconds(7))
        #expect(session.stats.foreignDatagrams == 2)
    }

    @Test func aSourceFilterNamesTheOnlySenderAndIsNeverReleased() throws {
        var session = try Self.session(Self.sdp("a=source-filter: incl IN IP4 * 192.0.2.10\r\n"))
        #expect(Self.summary(Self.drain(&session)) == ["sourceLocked(host: \"192.0.2.10\", configured: true)"])
        // Even the first sender is refused when it is not the named one, and stays refused.
        session.receiveRTP(Self.keyframe(ssrc: 0xBAD, seq: 1), track: 0, from: Self.intruder, now: Self.t0)
        session.receiveRTP(Self.keyframe(ssrc: 0xBAD, seq: 2), track: 0, from: Self.intruder, now: Self.t0 + .seconds(60))
        #expect(session.stats.foreignDatagrams == 2)
        #expect(Self.summary(Self.drain(&session)) == ["foreignSenderDropped(host: \"198.51.100.7\")"])
        session.receiveRTP(Self.keyframe(ssrc: 0xCAFE, seq: 1), track: 0, from: Self.camera, now: Self.t0 + .seconds(61))
        #expect(Self.summary(Self.drain(&session)) == ["attach", "ready", "publish 51966"])
        session.receiveRTP(Self.keyframe(ssrc: 0xBAD, seq: 3), track: 0, from: Self.intruder, now: Self.t0 + .seconds(120))
        #expect(session.stats.foreignDatagrams == 3)
    }

    @Test func sourceFiltersThatCannotBeHonouredAreRefused() {
        #expect(throws: SourceError.self) { try Self.session(Self.sdp("a=source-filter: excl IN IP4 * 192.0.2.10\r\n")) }
        #expect(throws: SourceError.self) { try Self.session(Self.sdp("a=source-filter: incl IN IP4 * camera.local\r\n")) }
        #expect(throws: SourceError.self) { try Self.session(Self.sdp("a=source-filter: incl IN IP4\r\n")) }
    }

    @Test func listenersFollowTheSDP() throws {
        let session = try Self.session(Self.sdp(audio: true))
        #expect(session.listeners == [
            .init(track: 0, host: "127.0.0.1", rtpPort: 5004, rtcpPort: 5005),
            .init(track: 1, host: "127.0.0.1", rtpPort: 5006, rtcpPort: 5007),
        ])
        #expect(RTPIngestSession.bindHost("IN IP4 239.1.2.3/16") == "0.0.0.0")
    }

    @Test func stopDetachesAndIgnoresLaterDatagrams() throws {
        var session = try Self.session()
        session.receiveRTP(Self.keyframe(ssrc: 0xCAFE, seq: 1), track: 0, from: Self.camera, now: Self.t0)
        _ = Self.drain(&session)
        session.stop()
        session.receiveRTP(Self.keyframe(ssrc: 0xCAFE, seq: 2), track: 0, from: Self.camera, now: Self.t0)
        #expect(Self.summary(Self.drain(&session)) == ["detach"])
    }
}
