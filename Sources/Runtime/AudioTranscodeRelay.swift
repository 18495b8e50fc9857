import Logging
import NIOCore
import Routing
import Synchronization
import Transcode

/// One path's AAC/G.722 → Opus stage for WebRTC viewers, shared by all of them: a reader of the
/// source path that republishes its units on a private derived path — video untouched, each
/// transcodable audio track as `AudioTrackTranscoder`'s Opus track with the same ID. Viewers read
/// the derived path exactly as they read any path (GOP cache, keyframe requests go to the source);
/// RTSP, RTP and recording readers keep reading the source and get the original audio.
/// Drained on one event loop; `TranscodeRelays` starts it for the first viewer and stops it
/// after the last.
final class AudioTranscodeRelay: @unchecked Sendable {
    let source: Path
    /// The path viewers read (owned by a router of its own, so it is never listed or routed to).
    let derived: Path
    private let derivedRouter: Router
    private let eventLoop: any EventLoop
    private let configuration: TranscodeConfiguration
    private let logger: Logger
    // Event loop confined:
    private var reader: PathReader?
    private var token: PublisherToken?
    private var stages: [Int: AudioTrackTranscoder] = [:]
    private var drainScheduled = false
    private var stopped = false
    private(set) var unitsIn = 0
    private(set) var opusUnitsOut = 0

    init(source: Path, limits: RoutingLimits, eventLoop: any EventLoop, configuration: TranscodeConfiguration,
         logger: Logger) throws(RoutingError) {
        self.source = source
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.logger = logger
        derivedRouter = Router(limits: limits, clock: { RuntimeClock.now() })
        derived = try derivedRouter.createPath(named: source.name)
    }

    /// The tracks a viewer negotiates against: the source's, with transcodable audio as Opus.
    static func viewerTracks(_ tracks: [TrackInfo]) -> [TrackInfo] {
        tracks.map { AudioTrackTranscoder.source(for: $0) == nil ? $0 : AudioTrackTranscoder.outputTrack(for: $0) }
    }

    /// True when some track of `tracks` needs the relay for WebRTC viewers.
    static func needed(for tracks: [TrackInfo]) -> Bool {
        tracks.contains { AudioTrackTranscoder.source(for: $0) != nil }
    }

    func start() throws(RoutingError) {
        let reader = try source.addReader(wake: { [weak self] in self?.scheduleDrain() })
        eventLoop.execute { [self] in
            guard !stopped else {
                source.removeReader(reader)
                return
            }
            self.reader = reader
            drain()
        }
    }

    /// Stops reading the source; the derived path closes (its readers get `.pathClosed`).
    func stop() {
        eventLoop.execute { [self] in
            guard !stopped else { return }
            stopped = true
            if let reader { source.removeReader(reader) }
            reader = nil
            let counts = stages.values.map { "\($0.transcoder.stats)" }
            stages.removeAll()
            derivedRouter.removePath(named: derived.name)
            logger.info("audio transcoding stopped", metadata: [
                "path": "\(source.name)", "unitsIn": "\(unitsIn)", "opusUnits": "\(opusUnitsOut)", "stats": "\(counts)",
            ])
        }
    }

    private func scheduleDrain() {
        eventLoop.execute { [weak self] in
            guard let self, !drainScheduled else { return }
            drainScheduled = true
            eventLoop.execute { [self] in
                drainScheduled = false
                drain()
            }
        }
    }

    private func drain() {
        guard let reader, !stopped else { return }
        let more = reader.drain { events in
            for event in events { handle(event) }
            return !stopped
        }
        if more { scheduleDrain() }
    }

    private func handle(_ event: ReaderEvent) {
        switch event {
        case .tracks(let tracks, _):
            if let token { derived.detachPublisher(token) }
            stages.removeAll()
            var published: [TrackInfo] = []
            for track in tracks {
                guard AudioTrackTranscoder.source(for: track) != nil else {
                    published.append(track)
                    continue
                }
                do throws(TranscodeError) {
                    let stage = try AudioTrackTranscoder(track: track, configuration: configuration)
                    stages[track.id] = stage
                    published.append(stage.output)
                    logger.info("transcoding audio to Opus for WebRTC viewers", metadata: [
                        "path": "\(source.name)", "track": "\(track.id)", "from": "\(stage.transcoder.source)",
                        "bitrate": "\(configuration.bitrate)",
                    ])
                } catch {
                    logger.warning("audio track not transcoded: \(error)", metadata: ["path": "\(source.name)"])
                }
            }
            let source = self.source
            token = try? derived.attachPublisher(tracks: published) { source.requestKeyframe() }
        case .unit(let unit):
            guard let token else { return }
            unitsIn += 1
            guard var stage = stages[unit.trackID] else {
                derived.publish(unit, token: token)
                return
            }
            let units = stage.transcode(unit)
            stages[unit.trackID] = stage
            for opus in units { derived.publish(opus, token: token) }
            opusUnitsOut += units.count
        case .sourceEnded:
            if let token { derived.detachPublisher(token) }
            token = nil
            stages.removeAll()
        case .pathClosed:
            stopped = true
            reader = nil
            derivedRouter.removePath(named: derived.name)
        }
    }
}

/// The running relays, one per source path, counted by viewer (any thread).
final class TranscodeRelays: Sendable {
    private struct Entry {
        var relay: AudioTranscodeRelay
        var viewers: Int
    }
    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    /// The path `path`'s viewers read, starting its relay for the first viewer; call `release`
    /// exactly once when the viewer leaves (a `Lease` does).
    func acquire(_ path: Path, make: () throws(RoutingError) -> AudioTranscodeRelay) throws(RoutingError) -> Lease {
        let key = ObjectIdentifier(path)
        let (relay, created) = try entries.withLock { entries throws(RoutingError) -> (AudioTranscodeRelay, Bool) in
            if var entry = entries[key], !entry.relay.derived.isClosed {
                entry.viewers += 1
                entries[key] = entry
                return (entry.relay, false)
            }
            let relay = try make()
            entries[key] = Entry(relay: relay, viewers: 1)
            return (relay, true)
        }
        if created {
            do { try relay.start() } catch {
                release(relay, key: key)
                throw error
            }
        }
        return Lease(relay: relay) { [self] in release(relay, key: key) }
    }

    private func release(_ relay: AudioTranscodeRelay, key: ObjectIdentifier) {
        let last = entries.withLock { entries -> Bool in
            guard var entry = entries[key], entry.relay === relay else { return true }
            entry.viewers -= 1
            if entry.viewers > 0 {
                entries[key] = entry
                return false
            }
            entries[key] = nil
            return true
        }
        if last { relay.stop() }
    }

    var count: Int { entries.withLock { $0.count } }

    /// One viewer's hold on a relay; released once, whoever calls first.
    final class Lease: Sendable {
        let relay: AudioTranscodeRelay
        private let onRelease: @Sendable () -> Void
        private let released = Atomic<Bool>(false)

        init(relay: AudioTranscodeRelay, onRelease: @escaping @Sendable () -> Void) {
            self.relay = relay
            self.onRelease = onRelease
        }

        func release() {
            guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
            onRelease()
        }
    }
}
