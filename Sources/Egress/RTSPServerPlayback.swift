import RTCBase
import RTP
import RTSP
import Routing

/// The media side of one RTSP reader session, sans-IO: turns a path reader's events into the RTP
/// packets of the tracks the client set up (RFC 2326 §10.12 interleaved frames, or one datagram per
/// packet for UDP), with an RTCP sender report and SDES CNAME per track about once a second
/// (RFC 3550 §6.4.1), and honours the client's RTCP: receiver reports are counted, PLI
/// (RFC 4585 §6.3.1) and FIR (RFC 5104 §4.3.1) become keyframe requests.
///
/// Each track keeps its SSRC and continuous sequence numbers and timestamps across source
/// restarts (`RTPStreamRewriter`); video starts, and restarts after a drop, on a keyframe.
/// Interleaved frames of one `handle` batch are coalesced into one buffer.
///
/// Contract: after `handle`, `receiveRTCP`, `noteDropped` or `handleTimeout`, drain `poll()` until
/// it returns `.timeout` (`.distantFuture` when nothing is due).
public struct RTSPServerPlayback {
    /// One set-up track, as served by DESCRIBE.
    public struct Track: Sendable, Equatable {
        public var mediaIndex: Int
        public var kind: TrackKind
        public var encodingName: String
        public var clockRate: Int
        public var payloadType: UInt8
        /// Interleaved channels; nil for UDP.
        public var channels: (rtp: UInt8, rtcp: UInt8)?

        public init(mediaIndex: Int, kind: TrackKind, encodingName: String, clockRate: Int, payloadType: UInt8,
                    channels: (rtp: UInt8, rtcp: UInt8)?) {
            self.mediaIndex = mediaIndex
            self.kind = kind
            self.encodingName = encodingName
            self.clockRate = clockRate
            self.payloadType = payloadType
            self.channels = channels
        }

        public static func == (lhs: Track, rhs: Track) -> Bool {
            lhs.mediaIndex == rhs.mediaIndex && lhs.kind == rhs.kind && lhs.encodingName == rhs.encodingName
                && lhs.clockRate == rhs.clockRate && lhs.payloadType == rhs.payloadType
                && lhs.channels?.rtp == rhs.channels?.rtp && lhs.channels?.rtcp == rhs.channels?.rtcp
        }
    }

    public enum Output: Sendable, Equatable {
        /// Interleaved frames (`$`, channel, length, packet) for the RTSP connection.
        case interleaved([UInt8])
        /// One UDP datagram for the client's RTP or RTCP port of a track.
        case datagram([UInt8], mediaIndex: Int, isRTCP: Bool)
        /// Ask the path for a keyframe.
        case keyframeRequested
        /// The path was removed: end the session.
        case pathClosed
        /// Call `handleTimeout(now:)` at this instant.
        case timeout(Instant)
    }

    public struct Statistics: Sendable, Equatable {
        public var packetsSent = 0
        public var bytesSent = 0
        public var unitsSkipped = 0
        public var drops = 0
        public var senderReportsSent = 0
        public var receiverReportsReceived = 0
        public var keyframeRequestsReceived = 0
        public var malformedRTCP = 0
        /// Final SR + SDES + BYE compounds sent (one per track when the playback ends).
        public var goodbyesSent = 0
        public init() {}
    }

    struct Stream {
        var track: Track
        var sourceTrackID: Int?
        /// Rewrite, keyframe gate and sender-report bookkeeping.
        var media: PassThroughStream<SenderReportSchedule>
        var firstSequenceNumber: UInt16
        var firstTimestamp: UInt32
    }

    var streams: [Stream]
    let cname: String
    let wallClockAnchor: (instant: Instant, unixSeconds: Double)
    public var senderReportInterval: Duration = .seconds(1)
    /// Largest packet an interleaved frame can carry (16-bit length).
    static let maxInterleavedPacket = 65535
    var pendingFrames: [UInt8] = []
    var outputs = OutputQueue<Output>()
    public private(set) var stats = Statistics()
    /// `close(reason:now:)` ran: no more media or reports.
    public private(set) var isClosed = false
    /// Puts lossy sources' packets back in order before they go out, waiting a bounded time for
    /// retransmissions; nil sends units as the path delivers them. Set before the first event.
    public var reorderer: MediaUnitReorderer? = MediaUnitReorderer()

    public init(tracks: [Track], cname: String, wallClockAnchor: (instant: Instant, unixSeconds: Double)) {
        self.cname = cname
        self.wallClockAnchor = wallClockAnchor
        var used = Set<UInt32>()
        streams = tracks.map { track in
            var ssrc = SecureRandom.uint32()
            while !used.insert(ssrc).inserted { ssrc &+= 1 }
            let sequenceNumber = SecureRandom.uint16(), timestamp = SecureRandom.uint32()
            let media = PassThroughStream(kind: track.kind, ssrc: ssrc, payloadType: track.payloadType,
                                          clockRate: track.clockRate,
                                          reports: SenderReportSchedule(ssrc: ssrc, clockRate: track.clockRate),
                                          initialSequenceNumber: sequenceNumber, initialTimestamp: timestamp)
            return Stream(track: track, sourceTrackID: nil, media: media,
                          firstSequenceNumber: sequenceNumber, firstTimestamp: timestamp)
        }
    }

    /// RTP-Info values for the PLAY answer: where each track's numbering starts.
    public var rtpInfo: [RTSPServerRTPInfo] {
        streams.map { RTSPServerRTPInfo(mediaIndex: $0.track.mediaIndex, sequenceNumber: $0.firstSequenceNumber,
                                        rtpTimestamp: $0.firstTimestamp) }
    }

    /// The outbound SSRC of a set-up track.
    public func ssrc(ofMediaIndex mediaIndex: Int) -> UInt32? {
        streams.first { $0.track.mediaIndex == mediaIndex }?.media.ssrc
    }

    // MARK: Inputs

    public mutating func handle(_ event: ReaderEvent, now: Instant) {
        guard !isClosed else { return }
        switch event {
        case .tracks(let tracks, _):
            forward(reorderer?.setTracks(tracks, now: now) ?? [], now: now)
            map(tracks)
        case .unit(let unit):
            if reorderer != nil { forward(reorderer?.insert(unit, now: now) ?? [], now: now) } else { forward(unit, now: now) }
        case .sourceEnded: forward(reorderer?.releaseAll(now: now) ?? [], now: now)
        case .pathClosed: outputs.append(.pathClosed)
        }
    }

    private mutating func forward(_ units: [MediaUnit], now: Instant) {
        for unit in units { forward(unit, now: now) }
    }

    /// The transport could not take the last output (a slow TCP reader or a full socket): video
    /// waits for the next keyframe, which is requested.
    public mutating func noteDropped() {
        guard !isClosed else { return }
        stats.drops += 1
        pendingFrames.removeAll(keepingCapacity: true)
        var request = false
        for index in streams.indices where streams[index].media.awaitKeyframe() {
            request = true
        }
        if request { outputs.append(.keyframeRequested) }
    }

    /// RTCP from the client about one track (UDP or interleaved).
    public mutating func receiveRTCP(_ bytes: [UInt8]) {
        guard RTPPacket.looksLikeRTCP(bytes), let packets = try? RTCPCompound.parse(bytes[...]) else {
            stats.malformedRTCP += 1
            return
        }
        for packet in packets {
            if case .receiverReport = packet { stats.receiverReportsReceived += 1 }
        }
        let requests = packets.filter(isKeyframeRequest).count
        stats.keyframeRequestsReceived += requests
        if requests > 0 { outputs.append(.keyframeRequested) }
    }

    /// Sends the sender reports that are due.
    public mutating func handleTimeout(now: Instant) {
        guard !isClosed else { return }
        if let deadline = reorderer?.nextDeadline, deadline <= now { forward(reorderer?.releaseDue(now: now) ?? [], now: now) }
        for index in streams.indices {
            guard let packets = streams[index].media.reports.takeDueReport(
                now: now, interval: senderReportInterval, wallClockAnchor: wallClockAnchor, cname: cname) else { continue }
            emit(RTCPCompound.serialize(packets), track: streams[index].track, isRTCP: true)
            stats.senderReportsSent += 1
        }
    }

    public mutating func poll() -> Output {
        if !pendingFrames.isEmpty {
            let frames = pendingFrames
            pendingFrames.removeAll(keepingCapacity: true)
            outputs.append(.interleaved(frames))
        }
        if let output = outputs.popFirst() { return output }
        let reorderDeadline = reorderer?.nextDeadline ?? .distantFuture
        return .timeout(min(streams.compactMap(\.media.reports.nextReport).min() ?? .distantFuture, reorderDeadline))
    }

    // MARK: Media

    /// Maps the publisher's tracks onto the set-up ones: same id and codec first, else the first
    /// unused track of the same kind and codec. Unmatched set-up tracks stay silent.
    private mutating func map(_ tracks: [TrackInfo]) {
        var taken = Set<Int>()
        for index in streams.indices {
            let wanted = streams[index].track
            func fits(_ info: TrackInfo) -> Bool {
                info.kind == wanted.kind && info.encodingName.lowercased() == wanted.encodingName.lowercased()
                    && info.clockRate == wanted.clockRate && !taken.contains(info.id)
            }
            let match = tracks.first { $0.id == streams[index].sourceTrackID && fits($0) } ?? tracks.first(where: fits)
            streams[index].sourceTrackID = match?.id
            streams[index].media.restart(kind: wanted.kind, clockRate: wanted.clockRate)
            if let match { taken.insert(match.id) }
        }
    }

    private mutating func forward(_ unit: MediaUnit, now: Instant) {
        guard let index = streams.firstIndex(where: { $0.sourceTrackID == unit.trackID }) else {
            stats.unitsSkipped += 1
            return
        }
        var stream = streams[index]
        guard stream.media.admit(unit) else { stats.unitsSkipped += 1; return }
        let track = stream.track
        let oversize = stream.media.forward(unit, now: now,
                                            maxPayloadSize: Self.maxInterleavedPacket - RTPPacket.fixedHeaderLength) { packet in
            let length = packet.plainLength
            if let channels = track.channels {
                pendingFrames.append(0x24)
                pendingFrames.append(channels.rtp)
                pendingFrames.appendUInt16(UInt16(truncatingIfNeeded: length))
                packet.appendPlain(to: &pendingFrames)
            } else {
                outputs.append(.datagram(packet.plainBytes, mediaIndex: track.mediaIndex, isRTCP: false))
            }
            stats.packetsSent += 1
            stats.bytesSent += length
        }
        stats.unitsSkipped += oversize
        streams[index] = stream
    }

    /// Ends the playback (TEARDOWN, timeout, disconnect, shutdown): a final SR, SDES and BYE
    /// (RFC 3550 §6.6) per track on its RTCP channel or port, so a UDP reader, which sees no TCP
    /// close, learns at once that the stream ended. Later calls do nothing.
    public mutating func close(reason: String, now: Instant) {
        guard !isClosed else { return }
        isClosed = true
        for stream in streams {
            var packets = stream.media.reports.reportPackets(now: now, wallClockAnchor: wallClockAnchor, cname: cname)
            packets.append(.bye(RTCPBye(ssrcs: [stream.media.ssrc], reason: reason)))
            emit(RTCPCompound.serialize(packets), track: stream.track, isRTCP: true)
            stats.goodbyesSent += 1
        }
    }

    /// Queues an RTCP packet on the track's RTCP channel or port.
    private mutating func emit(_ bytes: [UInt8], track: Track, isRTCP: Bool) {
        if let channels = track.channels {
            guard bytes.count <= Self.maxInterleavedPacket else { return }
            pendingFrames.append(0x24)
            pendingFrames.append(isRTCP ? channels.rtcp : channels.rtp)
            pendingFrames.appendUInt16(UInt16(truncatingIfNeeded: bytes.count))
            pendingFrames.append(contentsOf: bytes)
        } else {
            outputs.append(.datagram(bytes, mediaIndex: track.mediaIndex, isRTCP: isRTCP))
        }
    }

    /// PLI or FIR naming one of our video SSRCs.
    private func isKeyframeRequest(_ packet: RTCPPacket) -> Bool {
        switch packet {
        case .pictureLossIndication(let pli): isVideoSSRC(pli.mediaSSRC)
        case .fullIntraRequest(let fir): fir.entries.contains { isVideoSSRC($0.ssrc) }
        default: false
        }
    }

    private func isVideoSSRC(_ ssrc: UInt32) -> Bool {
        streams.contains { $0.track.kind == .video && $0.media.ssrc == ssrc }
    }
}
