@testable import Egress
import RTCBase
import Routing
import Testing

/// A source that sends keyframes only on request (a WebRTC publisher) still lets a plain RTP
/// receiver that starts late decode: the egress asks the path for a keyframe when none went out
/// for `keyframeInterval`, and not while keyframes keep coming.
@Suite struct RTPForwarderKeyframeTests {
    typealias T = RTPForwarderSessionTests

    static func requests(_ session: inout RTPForwarderSession, at now: Instant) -> Int {
        session.handle(.timeout, now: now)
        return T.events(T.drain(&session).outputs).filter { $0 == .keyframeRequested }.count
    }

    @Test func asksForAKeyframeWhenNoneWentOutForTheInterval() throws {
        var session = try T.session()
        session.handle(.reader(.tracks(T.tracks, sourceEpoch: 1)), now: T.start)
        session.handle(.reader(.unit(T.unit(track: 0, timestamp: 0, firstSequence: 1, keyframe: true,
                                            payloads: [T.sps, T.pps, [0x65, 1]]))), now: T.start)
        _ = T.drain(&session)
        var now = T.start
        var asked = 0
        for second in 1...7 {
            now = T.start + .seconds(second)
            // Delta frames keep flowing; no keyframe after the first.
            session.handle(.reader(.unit(T.unit(track: 0, timestamp: UInt32(second) * 90000, firstSequence: UInt16(10 * second),
                                                keyframe: false, payloads: [[0x41, 1]], at: now))), now: now)
            asked += Self.requests(&session, at: now)
            if second == 2 { #expect(asked == 0) }   // 2 s without a keyframe: not yet
            if second == 3 { #expect(asked == 1) }   // 3 s: ask once
            if second == 5 { #expect(asked == 1) }   // then not again until 3 s after the request
        }
        #expect(asked == 2)
        #expect(session.stats.periodicKeyframeRequests == 2)
    }

    @Test func aRegularGOPNeedsNoRequests() throws {
        var session = try T.session()
        session.handle(.reader(.tracks(T.tracks, sourceEpoch: 1)), now: T.start)
        var asked = 0
        for second in 0...10 {
            let now = T.start + .seconds(second)
            session.handle(.reader(.unit(T.unit(track: 0, timestamp: UInt32(second) * 90000, firstSequence: UInt16(10 * second),
                                                keyframe: second % 2 == 0, payloads: [T.sps, T.pps, [0x65, 1]], at: now))), now: now)
            asked += Self.requests(&session, at: now)
        }
        #expect(asked == 0)
    }
}
