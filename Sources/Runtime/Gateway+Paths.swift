import Egress
import Logging
import Recording
import Routing

/// A path as the gateway runs it: its source and the outputs configured with it. Reloads and the
/// control API compare these (`PathSetDiff`) and apply the difference while the gateway runs.
public struct PathDefinition: Sendable, Equatable {
    public var name: String
    public var source: SourceSpec
    public var forwards: [ForwardSpec]
    public var recordings: [RecordSpec]
    /// The path's UDP data device (`data:`), at most one.
    public var dataDevices: [DataUDPSpec]

    public init(name: String, source: SourceSpec, forwards: [ForwardSpec] = [], recordings: [RecordSpec] = [],
                dataDevices: [DataUDPSpec] = []) {
        self.name = name
        self.source = source
        self.forwards = forwards
        self.recordings = recordings
        self.dataDevices = dataDevices
    }
}

extension GatewayConfiguration {
    /// The configured paths with the forwards, recordings and data devices given for them, in
    /// path order.
    /// Outputs of names without a path of their own are left out (they stay as started).
    public var pathDefinitions: [PathDefinition] {
        paths.map { name, source in
            PathDefinition(name: name, source: source,
                           forwards: forwards.filter { $0.path == name }.map(\.spec),
                           recordings: recordings.filter { $0.path == name }.map(\.spec),
                           dataDevices: dataDevices.filter { $0.path == name }.map(\.spec))
        }
    }
}

/// One thing started for a path, and how to stop it (drain stage `sources` or `recordings`).
struct RunningOutput: Sendable {
    var stage: GatewayDrain.Stage
    var path: String
    var stop: @Sendable () async -> Void
    /// Kept for `/api/stats` and `/metrics`.
    var ingest: RTPIngestSource?
    var forwarder: RTPForwarder?
    var recorder: Recorder?
    var dataDevice: DataUDPLink?
    var mpegTS: MPEGTSSource?

    init(stage: GatewayDrain.Stage, path: String, stop: @escaping @Sendable () async -> Void) {
        self.stage = stage
        self.path = path
        self.stop = stop
    }
}

// MARK: - Paths at run time

extension Gateway {
    func track(_ output: RunningOutput) {
        running.withLock { $0.append(output) }
    }

    /// Starts a path while the gateway runs: its source, then its forwards, data device and recordings. When
    /// one fails, what was started for it is stopped again and the error names the reason.
    /// Callers serialize changes to one path (the control API does).
    public func addPath(_ definition: PathDefinition) async throws {
        do {
            try await startSource(name: definition.name, spec: definition.source)
            for spec in definition.forwards { try await startForward(path: definition.name, spec: spec) }
            for spec in definition.dataDevices { try await startDataDevice(path: definition.name, spec: spec) }
            for spec in definition.recordings { try await startRecording(path: definition.name, spec: spec) }
        } catch {
            await removePath(named: definition.name, reason: "path could not start")
            throw SourceError.unusable("path '\(definition.name)' (\(definition.source)): \(error)")
        }
        logger.info("path added", metadata: ["path": "\(definition.name)", "source": "\(definition.source)"])
    }

    /// Removes a path while the gateway runs: its WebRTC sessions end (RTCP BYE, DTLS
    /// close_notify), its source and forwards stop, its recordings are finalized, and the path
    /// closes (RTSP readers end). Sessions of other paths are not touched.
    public func removePath(named name: String, reason: String = "path removed") async {
        let closed = await webrtc?.closeSessions(pathName: name, reason: reason) ?? 0
        let outputs = running.withLock { list in
            let mine = list.filter { $0.path == name }
            list.removeAll { $0.path == name }
            return mine
        }
        for stage in [GatewayDrain.Stage.sources, .recordings] {
            await withTaskGroup(of: Void.self) { group in
                for output in outputs where output.stage == stage { group.addTask { await output.stop() } }
            }
        }
        router.removePath(named: name)
        logger.info("path removed", metadata: ["path": "\(name)", "sessions": "\(closed)", "outputs": "\(outputs.count)"])
    }

    /// Replaces a path's source and outputs: the old ones stop (its sessions end), the new start.
    public func replacePath(_ definition: PathDefinition) async throws {
        await removePath(named: definition.name, reason: "path changed")
        try await addPath(definition)
    }
}
