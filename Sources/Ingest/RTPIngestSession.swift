import RTCBase
import RTP
import Routing
import SDP

/// Plain RTP/UDP ingest described by an SDP file (what `ffmpeg -sdp_file` writes), sans-IO: the
/// runtime binds one RTP and one RTCP port per listener, feeds every datagram with its sender's
/// address and arrival time, and performs the outputs (attach/detach the path's publisher, publish
/// units, send RTCP).
///
/// Sender lock (who may feed the path): the SDP's `a=source-filter: incl` sources (RFC 4570 §3)
/// when it names any, else the first host whose RTP or RTCP parses. Datagrams from other hosts are
/// dropped and counted in `stats.foreignDatagrams`. A learnt lock is released once the locked host
/// has been silent for `sourceTimeout`, so a replacement device can take over; a configured one
/// never is. Locks are per host (IP address): a sender restarting from a new port stays accepted.
///
/// A sender that changes SSRC has restarted (new timeline): the publisher is detached and attached
/// again, so the path starts a new epoch and viewers keep their SSRC and continue their sequence
/// numbers. The other tracks of the same encoder switch moments later; one restart within
/// `restartHoldoff` covers them.
public struct RTPIngestSession {
    public struct Configuration: Sendable, Equatable {
        /// A learnt sender lock is released after the sender was silent this long.
        public var sourceTimeout: Duration = .seconds(5)
        /// SSRC changes within this long after a restart belong to the same restart.
        public var restartHoldoff: Duration = .seconds(2)
        /// At most this many distinct foreign hosts are reported as events (all are counted).
        public var maxReportedForeignHosts = 16
        public init() {}
    }

    /// Where the runtime listens for one track: RTP on `rtpPort`, RTCP on `rtcpPort`.
    public struct Listener: Sendable, Equatable {
        public var track: Int
        public var host: String
        public var rtpPort: Int
        public var rtcpPort: Int
    }

    public struct Stats: Sendable, Equatable {
        /// RTP packets accepted.
        public var packetsIn = 0
        /// Datagrams from the locked sender that are not RTP of the track's payload type or not RTCP.
        public var malformed = 0
        /// RTP and RTCP datagrams dropped because another host holds the sender lock.
        public var foreignDatagrams = 0
        /// Sender restarts (new SSRC) that gave the path a new publisher.
        public var restarts = 0
        /// The host whose datagrams are accepted (nil before the first sender when none is configured).
        public var lockedSource: String?
        public init() {}
    }

    public enum Event: Sendable, Equatable {
        /// Media flows: the publisher attached with these tracks.
        case ready([TrackInfo])
        case sourceLocked(host: String, configured: Bool)
        /// The locked host was silent for the source timeout; `host` takes over.
        case sourceReplaced(previous: String, host: String)
        case restarted(ssrc: UInt32)
        /// The first datagram from a host other than the locked one (each host reported once).
        case foreignSenderDropped(host: String)
    }

    public enum Output: Sendable {
        case attach([TrackInfo])
        case detach
        case publish(MediaUnit)
        /// RTCP to send from `track`'s RTCP port.
        case sendRTCP(track: Int, bytes: [UInt8], to: TransportAddress)
        case event(Event)
        case timeout(Instant)
    }

    struct Track {
        var ingest: IngestTrack
        /// The sender's RTCP address (PLI goes there), learnt from its RTCP.
        var rtcpSource: TransportAddress?
    }

    public let configuration: Configuration
    public let listeners: [Listener]
    /// Hosts named by `a=source-filter: incl` (empty: lock to the first sender).
    public let configuredSources: Set<[UInt8]>
    let localSSRC: UInt32
    var tracks: [Track] = []
    var lockedHost: [UInt8]?
    var lastHeard = Instant.zero
    var reportedForeignHosts: Set<[UInt8]> = []
    var attached = false
    var stopped = false
    var lastRestart: Instant?
    public private(set) var stats = Stats()
    var outputs = OutputQueue<Output>()

    /// Tracks are the SDP's audio and video sections with a port; throws when there is none or
    /// when a source filter cannot be honoured.
    public init(description: SessionDescription, configuration: Configuration = Configuration(), localSSRC: UInt32) throws {
        self.configuration = configuration
        self.localSSRC = localSSRC
        var listeners: [Listener] = []
        for (index, media) in description.media.enumerated() {
            guard media.port > 0, let info = try IngestTrack.trackInfo(id: index, media: media) else { continue }
            let host = description.connection(for: media).flatMap(Self.bindHost) ?? "0.0.0.0"
            let port = Int(media.port)
            listeners.append(Listener(track: tracks.count, host: host, rtpPort: port,
                                      rtcpPort: media.rtcpPort.map(Int.init) ?? port + 1))
            tracks.append(Track(ingest: IngestTrack(info: info)))
        }
        guard !tracks.isEmpty else { throw SourceError.unusable("SDP has no usable RTP media section") }
        self.listeners = listeners
        self.configuredSources = try Self.sourceFilter(description)
        if !configuredSources.isEmpty {
            let hosts = configuredSources.compactMap(Self.host).sorted().joined(separator: ",")
            stats.lockedSource = hosts
            outputs.append(.event(.sourceLocked(host: hosts, configured: true)))
        }
    }

    public var infos: [TrackInfo] { tracks.map(\.ingest.info) }

    // MARK: - Inputs

    /// One datagram on `track`'s RTP port.
    public mutating func receiveRTP(_ bytes: [UInt8], track index: Int, from: TransportAddress, now: Instant) {
        guard !stopped, tracks.indices.contains(index), admits(from, now: now) else { return }
        guard let packet = try? RTPPacket(parsing: bytes), packet.payloadType == tracks[index].ingest.info.payloadType else {
            stats.malformed += 1
            return
        }
        heard(from, now: now)
        stats.packetsIn += 1
        let (units, ssrcChanged) = tracks[index].ingest.receive(packet, arrival: now)
        if ssrcChanged { sourceRestarted(ssrc: packet.ssrc, now: now) }
        for unit in units {
            if unit.isKeyframe { attachIfReady() }
            if attached { outputs.append(.publish(unit)) }
        }
    }

    /// One datagram on `track`'s RTCP port: its sender becomes the track's PLI target.
    public mutating func receiveRTCP(_ bytes: [UInt8], track index: Int, from: TransportAddress, now: Instant) {
        guard !stopped, tracks.indices.contains(index), admits(from, now: now) else { return }
        guard (try? RTCPCompound.parse(bytes[...])) != nil else {
            stats.malformed += 1
            return
        }
        heard(from, now: now)
        tracks[index].rtcpSource = from
    }

    /// A reader needs a keyframe: RFC 4585 §6.3.1 PLI to every video sender whose RTCP address is known.
    public mutating func requestKeyframe() {
        guard !stopped else { return }
        for (index, track) in tracks.enumerated() where track.ingest.info.kind == .video {
            guard let to = track.rtcpSource, let ssrc = track.ingest.sourceSSRC else { continue }
            let pli = RTCPCompound.serialize([.pictureLossIndication(RTCPPictureLossIndication(senderSSRC: localSSRC, mediaSSRC: ssrc))])
            outputs.append(.sendRTCP(track: index, bytes: pli, to: to))
        }
    }

    /// The runtime could not attach the publisher (the path refused it): try again at the next keyframe.
    public mutating func attachFailed() { attached = false }

    /// Detaches the publisher; nothing more is accepted.
    public mutating func stop() {
        guard !stopped else { return }
        stopped = true
        if attached { outputs.append(.detach) }
        attached = false
    }

    /// The next output; `.timeout(.distantFuture)` when there is nothing to do (the lock's timeout
    /// is checked when the next datagram arrives, so no timer is needed).
    public mutating func poll() -> Output {
        outputs.popFirst() ?? .timeout(.distantFuture)
    }

    // MARK: - Sender lock

    /// Whether a datagram from `address` may go on; counts and reports it when not.
    mutating func admits(_ address: TransportAddress, now: Instant) -> Bool {
        let host = address.ip
        let allowed: Bool
        if !configuredSources.isEmpty {
            allowed = configuredSources.contains(host)
        } else if let lockedHost, lockedHost != host {
            allowed = now - lastHeard >= configuration.sourceTimeout
        } else {
            allowed = true
        }
        if !allowed {
            stats.foreignDatagrams += 1
            if reportedForeignHosts.count < configuration.maxReportedForeignHosts, reportedForeignHosts.insert(host).inserted {
                outputs.append(.event(.foreignSenderDropped(host: address.host)))
            }
        }
        return allowed
    }

    /// A datagram from `address` parsed: lock to its host (or take over an expired lock) and note the time.
    mutating func heard(_ address: TransportAddress, now: Instant) {
        lastHeard = now
        guard configuredSources.isEmpty, lockedHost != address.ip else { return }
        let previous = lockedHost
        lockedHost = address.ip
        stats.lockedSource = address.host
        reportedForeignHosts.removeAll()
        for index in tracks.indices { tracks[index].rtcpSource = nil }   // the old sender's RTCP address
        if let previous {
            outputs.append(.event(.sourceReplaced(previous: Self.host(previous) ?? "?", host: address.host)))
        } else {
            outputs.append(.event(.sourceLocked(host: address.host, configured: false)))
        }
    }

    // MARK: - Publisher

    mutating func sourceRestarted(ssrc: UInt32, now: Instant) {
        if let lastRestart, now - lastRestart < configuration.restartHoldoff { return }
        lastRestart = now
        stats.restarts += 1
        outputs.append(.event(.restarted(ssrc: ssrc)))
        guard attached else { return }
        outputs.append(.detach)
        attached = false
        attachIfReady()
    }

    mutating func attachIfReady() {
        guard !attached, tracks.allSatisfy(\.ingest.isReady) else { return }
        attached = true
        let infos = infos
        outputs.append(.attach(infos))
        outputs.append(.event(.ready(infos)))
    }

    // MARK: - SDP

    /// Where to bind for a `c=` line: its address when unicast, all addresses when multicast.
    static func bindHost(_ connection: String) -> String? {
        guard let address = SessionDescription.connectionAddress(connection) else { return nil }
        if let first = address.split(separator: ".").first, let octet = Int(first), (224...239).contains(octet) {
            return "0.0.0.0"   // multicast: bind the port on all addresses
        }
        return address
    }

    /// The sources of every `a=source-filter: incl <nettype> <addrtype> <dest> <src>...` line
    /// (RFC 4570 §3), session and media level. Sources must be IP literals; `excl` filters are refused.
    static func sourceFilter(_ description: SessionDescription) throws -> Set<[UInt8]> {
        var sources: Set<[UInt8]> = []
        let attributes = description.attributes + description.media.flatMap(\.attributes)
        for attribute in attributes where attribute.name == "source-filter" {
            let fields = (attribute.value ?? "").split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count >= 5, fields[1] == "IN" else {
                throw SourceError.unusable("a=source-filter must read 'incl IN IP4 <destination> <source>...'")
            }
            guard fields[0] == "incl" else {
                throw SourceError.unusable("a=source-filter: only 'incl' filters are supported, not '\(fields[0])'")
            }
            for source in fields[4...] {
                guard let address = TransportAddress(host: source, port: 0) else {
                    throw SourceError.unusable("a=source-filter source '\(source)' must be an IP address")
                }
                sources.insert(address.ip)
            }
        }
        return sources
    }

    static func host(_ ip: [UInt8]) -> String? { TransportAddress(ip: ip, port: 0)?.host }
}
