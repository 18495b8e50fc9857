import RTCBase
import RTP
import Synchronization
import TestSupport
@testable import Routing

/// Shared builders for routing tests: tracks, units, and counting callbacks.
enum Fixtures {
    static let video = TrackInfo(id: 1, kind: .video, encodingName: "H264", clockRate: 90_000,
                                 fmtp: ["packetization-mode": "1"], payloadType: 96)
    static let audio = TrackInfo(id: 2, kind: .audio, encodingName: "opus", clockRate: 48_000,
                                 channels: 2, payloadType: 111)

    /// A one-packet unit whose packet is `12 + payloadBytes` bytes; `index` becomes the RTP
    /// timestamp and sequence number so tests can identify it.
    static func unit(_ track: TrackInfo, index: Int, keyframe: Bool = false, payloadBytes: Int = 100,
                     at arrival: Instant = .zero) -> MediaUnit {
        let packet = RTPPacket(payloadType: track.payloadType, sequenceNumber: UInt16(truncatingIfNeeded: index),
                               timestamp: UInt32(truncatingIfNeeded: index), ssrc: 0x1234_5678, marker: true,
                               payload: [UInt8](repeating: 0xAB, count: payloadBytes))
        return MediaUnit(trackID: track.id, packets: [packet], rtpTimestamp: UInt32(truncatingIfNeeded: index),
                         isKeyframe: keyframe, arrival: arrival)
    }

    static func router(_ configure: (inout RoutingLimits) -> Void = { _ in },
                       clock: VirtualClock = VirtualClock()) -> Router {
        var limits = RoutingLimits()
        configure(&limits)
        return Router(limits: limits, clock: clock.source)
    }
}

/// A thread-safe call counter for `wake` and `requestKeyframe` closures.
final class CallCounter: Sendable {
    private let calls = Atomic<Int>(0)
    var count: Int { calls.load(ordering: .sequentiallyConsistent) }
    var callback: @Sendable () -> Void { { [self] in calls.add(1, ordering: .sequentiallyConsistent) } }
}

/// A compact view of drained events, easy to compare exactly.
enum Seen: Equatable, CustomStringConvertible {
    case tracks(ids: [Int], epoch: Int)
    /// A unit: track id, index (its RTP timestamp), epoch.
    case unit(track: Int, index: UInt32, epoch: Int)
    case sourceEnded
    case pathClosed

    init(_ event: ReaderEvent) {
        switch event {
        case let .tracks(tracks, epoch): self = .tracks(ids: tracks.map(\.id), epoch: epoch)
        case let .unit(unit): self = .unit(track: unit.trackID, index: unit.rtpTimestamp, epoch: unit.sourceEpoch)
        case .sourceEnded: self = .sourceEnded
        case .pathClosed: self = .pathClosed
        }
    }

    var description: String {
        switch self {
        case let .tracks(ids, epoch): "tracks\(ids)@\(epoch)"
        case let .unit(track, index, epoch): "u\(track):\(index)@\(epoch)"
        case .sourceEnded: "ended"
        case .pathClosed: "closed"
        }
    }
}

extension PathReader {
    /// Drains everything queued, as `Seen` values.
    func drainAll() -> [Seen] {
        drain(max: .max).map(Seen.init)
    }

    /// The indices of video (track 1) units drained.
    func drainVideoIndices() -> [UInt32] {
        drainAll().compactMap { if case let .unit(1, index, _) = $0 { index } else { nil } }
    }
}

/// A lock-protected value tasks can share.
final class LockedBox<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
    func update(_ body: @Sendable (inout Value) -> Void) { value.withLock { body(&$0) } }
    var current: Value { value.withLock { $0 } }
}
