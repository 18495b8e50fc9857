import RTCBase
import RTP
import Routing

/// The pacing schedule of a looping file source, sans-IO: units packetized once at load are
/// published when their offset from the start of the loop is due, and each loop continues RTP
/// timestamps (by the loop's length) and sequence numbers (by one), so viewers never see a jump.
/// The runtime wakes it at the instant `poll()` names; a wake publishes at most
/// `maxUnitsPerWake` units, so a stalled loop catches up gradually.
public struct FilePlayout {
    /// One access unit of the file, timed from the start of a loop.
    public struct Unit: Sendable {
        /// When it is sent: its decode time from the start of the loop.
        public var offset: Duration
        /// In clock units.
        public var duration: Int
        /// Presentation minus decode time in clock units (B-frames): added to the RTP timestamp,
        /// which is the presentation time, while units go out in decode order.
        public var compositionOffset: Int64
        public var payloads: [(payload: [UInt8], marker: Bool)]
        public var isKeyframe: Bool
        public var trackID: Int

        public init(offset: Duration, duration: Int, compositionOffset: Int64 = 0, payloads: [(payload: [UInt8], marker: Bool)],
                    isKeyframe: Bool, trackID: Int) {
            self.offset = offset
            self.duration = duration
            self.compositionOffset = compositionOffset
            self.payloads = payloads
            self.isKeyframe = isKeyframe
            self.trackID = trackID
        }
    }

    /// The RTP identity of one track's stream (random in production, fixed in tests).
    public struct Stream: Sendable, Equatable {
        public var ssrc: UInt32
        public var sequenceNumber: UInt16
        public var timestampBase: UInt32
        public init(ssrc: UInt32, sequenceNumber: UInt16, timestampBase: UInt32) {
            self.ssrc = ssrc
            self.sequenceNumber = sequenceNumber
            self.timestampBase = timestampBase
        }
    }

    public enum Output: Sendable {
        case publish(MediaUnit)
        case timeout(Instant)
    }

    public let tracks: [TrackInfo]
    /// Every track's units, sorted by offset.
    public let units: [Unit]
    public let loopDuration: Duration
    public var maxUnitsPerWake = 256
    var streams: [Int: Stream]
    var startInstant: Instant?
    public private(set) var loopIndex = 0
    var nextUnit = 0
    var outputs = OutputQueue<Output>()

    /// `streams` gives each track id its SSRC, first sequence number and timestamp base.
    public init(tracks: [TrackInfo], units: [Unit], loopDuration: Duration, streams: [Int: Stream]) {
        self.tracks = tracks
        self.units = units.sorted { $0.offset < $1.offset }
        self.loopDuration = loopDuration
        self.streams = streams
    }

    /// Starts the first loop at `now` (its first units are due at once).
    public mutating func start(now: Instant) {
        guard startInstant == nil else { return }
        startInstant = now
        handleTimeout(now: now)
    }

    /// Publishes every unit due by `now` (at most `maxUnitsPerWake`).
    public mutating func handleTimeout(now: Instant) {
        guard startInstant != nil, !units.isEmpty, loopDuration > .zero else { return }
        for _ in 0..<maxUnitsPerWake {
            guard let due = nextDue, due <= now else { return }
            publish(units[nextUnit], arrival: now)
            nextUnit += 1
            if nextUnit == units.count {
                nextUnit = 0
                loopIndex += 1
            }
        }
    }

    /// When the next unit is due (nil before `start` or without media).
    public var nextDue: Instant? {
        guard let startInstant, !units.isEmpty, loopDuration > .zero else { return nil }
        return startInstant + loopDuration * loopIndex + units[nextUnit].offset
    }

    public mutating func poll() -> Output {
        outputs.popFirst() ?? .timeout(nextDue ?? .distantFuture)
    }

    mutating func publish(_ unit: Unit, arrival: Instant) {
        let t = unit.trackID
        guard var stream = streams[t], let track = tracks.first(where: { $0.id == t }) else { return }
        let clockRate = Int64(track.clockRate)
        let loopTicks = Self.ticks(loopDuration, clockRate: clockRate)
        let offsetTicks = Self.ticks(unit.offset, clockRate: clockRate)
        let timestamp = stream.timestampBase
            &+ UInt32(truncatingIfNeeded: loopTicks &* Int64(loopIndex) &+ offsetTicks &+ unit.compositionOffset)
        var packets: [RTPPacket] = []
        packets.reserveCapacity(unit.payloads.count)
        for (payload, marker) in unit.payloads {
            packets.append(RTPPacket(payloadType: track.payloadType, sequenceNumber: stream.sequenceNumber, timestamp: timestamp,
                                     ssrc: stream.ssrc, marker: marker, payload: payload))
            stream.sequenceNumber &+= 1
        }
        streams[t] = stream
        outputs.append(.publish(MediaUnit(trackID: t, packets: packets, rtpTimestamp: timestamp, isKeyframe: unit.isKeyframe,
                                          arrival: arrival, sourceEpoch: 0, codec: track.codec)))
    }

    /// A duration in clock ticks, rounded to the nearest tick (so frames of 1/30 s are 3000 ticks
    /// at 90 kHz apart, not 2999 or 3000 as truncated nanoseconds would give).
    static func ticks(_ duration: Duration, clockRate: Int64) -> Int64 {
        let (seconds, nanoseconds) = Int64(duration.nanosecondsClamped).quotientAndRemainder(dividingBy: 1_000_000_000)
        return seconds &* clockRate &+ (nanoseconds * clockRate + 500_000_000) / 1_000_000_000
    }
}
