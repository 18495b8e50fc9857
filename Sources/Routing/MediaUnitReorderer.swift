import Codecs
import RTCBase
import RTP

/// The ordering stage of a reader that cannot take holes or reordering (RTP/RTSP egress,
/// recordings; WebRTC viewers stay pass-through): the packets of a path's units go through one
/// bounded `RTPReorderBuffer` per track and are grouped into units again, in sequence order.
/// A retransmission that arrived late (as a unit of its own) is put back into its frame; a gap
/// that does not fill within the buffer's bounds is given up on and counted.
///
/// Sans-IO: `insert` each unit and `releaseDue` at `nextDeadline`; both return the units ready.
/// An in-order stream passes with no added delay: a unit leaves as soon as its packets are in.
public struct MediaUnitReorderer {
    public struct Configuration: Sendable, Equatable {
        /// Bounds of each track's buffer. Its `nack` is unused here: the path's source asks for
        /// retransmissions (a WHIP session NACKs its publisher).
        public var buffer = RTPReorderBuffer.Configuration()
        /// Most tracks ordered; units of further tracks pass as they are.
        public var maxTracks = 16
        public init() {}
    }

    struct Track {
        let info: TrackInfo
        var buffer: RTPReorderBuffer
        var assembler: RTPUnitAssembler
        var ssrc: UInt32?
        var sourceEpoch: Int
    }

    public let configuration: Configuration
    var tracks: [Int: Track] = [:]
    /// Counters of tracks already replaced, so `counters` covers the reader's whole life.
    var retired = RTPReorderBuffer.Counters()
    /// Units passed unordered (tracks past `maxTracks`, or unknown to `setTracks`).
    public private(set) var unorderedUnits = 0

    public init(configuration: Configuration = .init()) {
        var configuration = configuration
        configuration.buffer.nack = nil
        self.configuration = configuration
    }

    /// The path's tracks: each new one gets a buffer; held packets of a track that went away or
    /// changed codec are released first.
    public mutating func setTracks(_ infos: [TrackInfo], now: Instant) -> [MediaUnit] {
        var released: [MediaUnit] = []
        for id in tracks.keys.sorted() {
            // Learnt parameters (fmtp) do not matter here; another codec or a removed track does.
            guard let track = tracks[id] else { continue }
            if let info = infos.first(where: { $0.id == id }), info.kind == track.info.kind,
               info.encodingName == track.info.encodingName, info.clockRate == track.info.clockRate { continue }
            released += releaseAll(id, now: now)
            if let track = tracks.removeValue(forKey: id) { retire(track.buffer.counters) }
        }
        for info in infos.prefix(configuration.maxTracks) where tracks[info.id] == nil {
            tracks[info.id] = Track(info: info, buffer: RTPReorderBuffer(configuration: configuration.buffer),
                                    assembler: RTPUnitAssembler(trackID: info.id, isVideo: info.kind == .video, codec: info.codec),
                                    ssrc: nil, sourceEpoch: 0)
        }
        return released
    }

    /// One unit from the path; returns the units now ready, in order.
    public mutating func insert(_ unit: MediaUnit, now: Instant) -> [MediaUnit] {
        guard var track = tracks[unit.trackID], let first = unit.packets.first else {
            unorderedUnits += 1
            return [unit]
        }
        var released: [MediaUnit] = []
        if track.ssrc != nil && (track.ssrc != first.ssrc || track.sourceEpoch != unit.sourceEpoch) {
            // The source restarted: what is held belongs to the old stream.
            released += drain(&track, packets: track.buffer.releaseAll(), now: now)
            if let unit = track.assembler.flush(arrival: now) { released.append(stamped(unit, track)) }
        }
        track.ssrc = first.ssrc
        track.sourceEpoch = unit.sourceEpoch
        for packet in unit.packets { track.buffer.insert(packet, at: now) }
        released += drain(&track, now: now)
        // The source closed this unit; when its last packet is the last one in, close it here too
        // (sources without marker bits would otherwise wait for the next unit).
        if let last = unit.packets.last, track.assembler.pendingLast?.sequenceNumber == last.sequenceNumber,
           track.buffer.count == 0, let closed = track.assembler.flush(arrival: now) {
            released.append(stamped(closed, track))
        }
        tracks[unit.trackID] = track
        // A unit that came out as it went in is passed as it is (its flags, its arrival).
        if let index = released.lastIndex(where: { $0.packets.count == unit.packets.count }),
           released[index].packets.lazy.map(\.sequenceNumber).elementsEqual(unit.packets.lazy.map(\.sequenceNumber)) {
            released[index] = unit
        }
        return released
    }

    /// Units released because a bound ran out at `now` (gaps given up on).
    public mutating func releaseDue(now: Instant) -> [MediaUnit] {
        var released: [MediaUnit] = []
        for id in tracks.keys.sorted() {
            guard var track = tracks[id], track.buffer.nextDeadline <= now else { continue }
            released += drain(&track, now: now)
            tracks[id] = track
        }
        return released
    }

    /// Everything held, in order, gaps given up on (the source ended or the reader closes).
    public mutating func releaseAll(now: Instant) -> [MediaUnit] {
        tracks.keys.sorted().flatMap { releaseAll($0, now: now) }
    }

    /// When `releaseDue` has work; `.distantFuture` when nothing is held.
    public var nextDeadline: Instant {
        tracks.values.reduce(Instant.distantFuture) { min($0, $1.buffer.nextDeadline) }
    }

    /// Totals over every track: released, lost, late, reordered, held time.
    public var counters: RTPReorderBuffer.Counters {
        var total = retired
        for track in tracks.values { total.add(track.buffer.counters) }
        return total
    }

    private mutating func releaseAll(_ id: Int, now: Instant) -> [MediaUnit] {
        guard var track = tracks[id] else { return [] }
        var released = drain(&track, packets: track.buffer.releaseAll(), now: now)
        if let unit = track.assembler.flush(arrival: now) { released.append(stamped(unit, track)) }
        tracks[id] = track
        return released
    }

    /// Feeds the track's released packets (or `packets`) to its assembler.
    private func drain(_ track: inout Track, packets: [RTPPacket]? = nil, now: Instant) -> [MediaUnit] {
        var units: [MediaUnit] = []
        if let packets {
            for packet in packets { units += track.assembler.push(packet, arrival: now) }
        } else {
            // Bounded: each round releases a packet, sends nothing (no NACKs here) or ends.
            for _ in 0...(track.buffer.count + 1) {
                guard case .release(let packet) = track.buffer.poll(now: now) else { break }
                units += track.assembler.push(packet, arrival: now)
            }
        }
        for index in units.indices { units[index].sourceEpoch = track.sourceEpoch }
        return units
    }

    private func stamped(_ unit: MediaUnit, _ track: Track) -> MediaUnit {
        var unit = unit
        unit.sourceEpoch = track.sourceEpoch
        return unit
    }

    private mutating func retire(_ counters: RTPReorderBuffer.Counters) {
        retired.add(counters)
    }
}

extension RTPReorderBuffer.Counters {
    /// Adds another buffer's counts to these.
    public mutating func add(_ other: Self) {
        released += other.released
        lost += other.lost
        late += other.late
        duplicates += other.duplicates
        reordered += other.reordered
        overflows += other.overflows
        restarts += other.restarts
        heldNanoseconds &+= other.heldNanoseconds
    }
}
