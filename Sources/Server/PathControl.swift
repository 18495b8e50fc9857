import Egress
import Foundation
import Logging
import Recording
import Routing
import Runtime

/// Changes the running gateway's paths: the control API (`/v1/paths`) and reloads (SIGHUP,
/// `POST /v1/reload`). One change at a time (an actor); what is running is diffed against what
/// is wanted (`PathSetDiff`) and only the difference is applied, so sessions on unchanged paths
/// are never touched. Paths given on the command line (`--path`) are read-only here.
public actor PathControl {
    /// Where a path comes from.
    public enum Origin: String, Sendable { case cli, config, api }

    /// A path as the API shows it.
    public struct PathStatus: Sendable, Equatable {
        public var name: String
        public var source: String
        public var origin: Origin
        public var isReady: Bool
        public var readers: Int
        public var forwards: [String]
        public var record: String?
        /// The UDP data device (`udp://…`), if any.
        public var data: String?
    }

    /// What a client asks for (`PUT`, `POST`); `record` and `data` nil mean none.
    public struct PathInput: Sendable, Equatable {
        public var source: String
        public var forwards: [String] = []
        public var record: String?
        public var data: String?
        public init(source: String, forwards: [String] = [], record: String? = nil, data: String? = nil) {
            self.source = source
            self.forwards = forwards
            self.record = record
            self.data = data
        }
    }

    /// A `PATCH`: absent fields stay; `record: .some(nil)` stops recording, `data: .some(nil)`
    /// removes the data device.
    public struct PathPatch: Sendable, Equatable {
        public var source: String?
        public var forwards: [String]?
        public var record: String??
        public var data: String??
        public init(source: String? = nil, forwards: [String]? = nil, record: String?? = nil, data: String?? = nil) {
            self.source = source
            self.forwards = forwards
            self.record = record
            self.data = data
        }
    }

    /// What a reload did: the diff's names, and the paths that failed to start (with the reason).
    public struct ReloadReport: Sendable, Equatable {
        public var added: [String] = []
        public var removed: [String] = []
        public var changed: [String] = []
        public var unchanged: [String] = []
        public var failed: [String] = []
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notFound(String)
        case conflict(String)
        case invalid(String)
        public var description: String {
            switch self { case .notFound(let text), .conflict(let text), .invalid(let text): return text }
        }
    }

    struct Entry {
        var definition: PathDefinition
        var origin: Origin
    }

    private let gateway: any PathRuntime
    private let options: ServeOptions
    private let logger: Logger
    private var entries: [String: Entry] = [:]

    /// `options` are re-resolved on reload; `running` is what the gateway started with.
    public init(gateway: any PathRuntime, options: ServeOptions, running: [PathDefinition], logger: Logger) {
        self.gateway = gateway
        self.options = options
        self.logger = logger
        let cli = options.cliPathNames
        for definition in running {
            entries[definition.name] = Entry(definition: definition, origin: cli.contains(definition.name) ? .cli : .config)
        }
    }

    // MARK: Paths

    public func paths() -> [PathStatus] {
        entries.values.sorted { $0.definition.name < $1.definition.name }.map { status($0) }
    }

    public func path(named name: String) throws(Failure) -> PathStatus {
        guard let entry = entries[name] else { throw .notFound("no path '\(name)'") }
        return status(entry)
    }

    /// `POST /v1/paths`: adds a path; 409 when the name is taken.
    public func create(name: String, _ input: PathInput) async throws(Failure) -> PathStatus {
        guard entries[name] == nil else { throw .conflict("path '\(name)' exists") }
        return try await put(name: name, input).status
    }

    /// `PUT /v1/paths/{name}`: adds or replaces the path (`created` tells which).
    public func put(name: String, _ input: PathInput) async throws(Failure) -> (status: PathStatus, created: Bool) {
        let definition = try Self.definition(name: name, input)
        if let entry = entries[name] {
            guard entry.origin != .cli else { throw .conflict("path '\(name)' was given on the command line (--path)") }
            if entry.definition != definition {
                try await apply(definition, replacing: true)
            }
            entries[name] = Entry(definition: definition, origin: .api)
            return (try path(named: name), false)
        }
        try await apply(definition, replacing: false)
        entries[name] = Entry(definition: definition, origin: .api)
        return (try path(named: name), true)
    }

    /// `PATCH /v1/paths/{name}`: changes the fields given.
    public func patch(name: String, _ patch: PathPatch) async throws(Failure) -> PathStatus {
        guard let entry = entries[name] else { throw .notFound("no path '\(name)'") }
        guard entry.origin != .cli else { throw .conflict("path '\(name)' was given on the command line (--path)") }
        var definition = entry.definition
        do {
            if let source = patch.source { definition.source = try Self.source(source) }
            if let forwards = patch.forwards { definition.forwards = try forwards.map(ForwardSpec.init(parsing:)) }
            if let record = patch.record { definition.recordings = try record.map { [try RecordSpec(parsing: $0)] } ?? [] }
            if let data = patch.data { definition.dataDevices = try data.map { [try DataUDPSpec(parsing: $0)] } ?? [] }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .invalid("path '\(name)': \(error)")
        }
        if definition != entry.definition { try await apply(definition, replacing: true) }
        entries[name] = Entry(definition: definition, origin: .api)
        return try path(named: name)
    }

    /// `DELETE /v1/paths/{name}`: its sessions end and its source stops.
    public func delete(name: String) async throws(Failure) {
        guard let entry = entries[name] else { throw .notFound("no path '\(name)'") }
        guard entry.origin != .cli else { throw .conflict("path '\(name)' was given on the command line (--path)") }
        await gateway.removePath(named: name, reason: "path removed")
        entries[name] = nil
    }

    // MARK: Reload

    /// Re-reads the config file and applies its paths (SIGHUP, `POST /v1/reload`). An invalid
    /// file changes nothing (`invalid` with the reason). Command-line paths stay as they are;
    /// paths added through the API stay unless the file now names them.
    public func reload() async throws(Failure) -> ReloadReport {
        guard let file = options.configFile else {
            logger.warning("reload refused: no config file (start with --config)")
            throw .conflict("no config file to reload (start with --config)")
        }
        let wanted: [PathDefinition]
        do { wanted = try options.resolve().0.pathDefinitions } catch {
            logger.error("reload refused, the running configuration stays: \(error)", metadata: ["file": "\(file)"])
            throw .invalid("\(error)")
        }
        let cli = options.cliPathNames
        var next: [String: Entry] = [:]
        for definition in wanted {
            next[definition.name] = Entry(definition: definition, origin: cli.contains(definition.name) ? .cli : .config)
        }
        for (name, entry) in entries where entry.origin == .api && next[name] == nil { next[name] = entry }
        let diff = PathSetDiff(old: entries.map { ($0.key, $0.value.definition) }, new: next.map { ($0.key, $0.value.definition) })
        var report = ReloadReport(added: diff.added, removed: diff.removed, changed: diff.changed, unchanged: diff.unchanged)
        for name in diff.removed {
            await gateway.removePath(named: name, reason: "path removed")
            entries[name] = nil
        }
        for name in diff.changed + diff.added {
            guard let entry = next[name] else { continue }
            do {
                try await apply(entry.definition, replacing: diff.changed.contains(name))
                entries[name] = entry
            } catch {
                report.failed.append("\(error)")
                entries[name] = nil   // a changed path whose new source failed is gone (nothing runs for it)
            }
        }
        for name in diff.unchanged { entries[name]?.origin = next[name]?.origin ?? .config }
        let failed = report.failed.isEmpty ? "" : ", failed: \(report.failed.joined(separator: "; "))"
        logger.info("reloaded \(file): added \(diff.added), removed \(diff.removed), changed \(diff.changed), \(diff.unchanged.count) unchanged\(failed) (settings other than paths apply at the next start)")
        return report
    }

    // MARK: Helpers

    private func status(_ entry: Entry) -> PathStatus {
        let definition = entry.definition
        let path = gateway.routingPath(named: definition.name)
        return PathStatus(name: definition.name, source: definition.source.description, origin: entry.origin,
                          isReady: path?.isReady ?? false, readers: path?.stats.readers ?? 0,
                          forwards: definition.forwards.map(\.description), record: definition.recordings.first?.description,
                          data: definition.dataDevices.first?.description)
    }

    private func apply(_ definition: PathDefinition, replacing: Bool) async throws(Failure) {
        do {
            if replacing { try await gateway.replacePath(definition) } else { try await gateway.addPath(definition) }
        } catch {
            logger.error("path '\(definition.name)' not started: \(error)")
            throw .invalid("\(error)")
        }
    }

    /// Parses and checks a client's path: the name, the source (files must be readable), outputs.
    static func definition(name: String, _ input: PathInput) throws(Failure) -> PathDefinition {
        do {
            try validatePathName(name)
            return PathDefinition(name: name, source: try source(input.source),
                                  forwards: try input.forwards.map(ForwardSpec.init(parsing:)),
                                  recordings: try input.record.map { [try RecordSpec(parsing: $0)] } ?? [],
                                  dataDevices: try input.data.map { [try DataUDPSpec(parsing: $0)] } ?? [])
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .invalid("path '\(name)': \(error)")
        }
    }

    static func source(_ text: String) throws -> SourceSpec {
        let spec = try SourceSpec(parsing: text)
        var files: [String] = []
        if case .rtpSDPFile(let file) = spec { files = [file] }
        if case .files(let video, let audio) = spec { files = [video, audio].compactMap { $0 } }
        for file in files where !FileManager.default.isReadableFile(atPath: file) {
            throw Failure.invalid("file \(file) does not exist or cannot be read")
        }
        return spec
    }
}

/// What `PathControl` needs of the gateway (a protocol, so the control logic is tested without one).
public protocol PathRuntime: Sendable {
    func addPath(_ definition: PathDefinition) async throws
    func replacePath(_ definition: PathDefinition) async throws
    func removePath(named name: String, reason: String) async
    func routingPath(named name: String) -> Path?
}

extension Gateway: PathRuntime {
    public func routingPath(named name: String) -> Path? { router.path(named: name) }
}
