import Egress
import Foundation
import Logging
import Recording
import Routing
import Runtime

/// Changes the running gateway's paths: the control API (`/v1/paths`) and reloads (SIGHUP,
/// `POST /v1/reload`). One change at a time (an actor); what is running is diffed against what
/// is wanted (`PathSetDiff`) and only the difference is applied, so sessions on unchanged paths
/// are never touched. Each path's access (tokens, RTSP users: `PathAccess`) is kept beside its
/// definition: a change to it alone reaches the authorizer and the RTSP server without restarting
/// the path. Paths given on the command line (`--path`) are read-only here.
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
        public var access: PathAccess
        public var data: String?
        public init(source: String, forwards: [String] = [], record: String? = nil, access: PathAccess = PathAccess(),
                    data: String? = nil) {
            self.source = source
            self.forwards = forwards
            self.record = record
            self.access = access
            self.data = data
        }
    }

    /// A `PATCH`: absent fields stay; `record: .some(nil)` stops recording, `data: .some(nil)`
    /// removes the data device.
    public struct PathPatch: Sendable, Equatable {
        public var source: String?
        public var forwards: [String]?
        public var record: String??
        /// `.some(nil)` removes the token.
        public var readToken: String??
        public var publishToken: String??
        public var readUsers: [String]?
        public var publishUsers: [String]?
        /// `.some(nil)` removes the data device.
        public var data: String??
        public init(source: String? = nil, forwards: [String]? = nil, record: String?? = nil, readToken: String?? = nil,
                    publishToken: String?? = nil, readUsers: [String]? = nil, publishUsers: [String]? = nil,
                    data: String?? = nil) {
            self.source = source
            self.forwards = forwards
            self.record = record
            self.readToken = readToken
            self.publishToken = publishToken
            self.readUsers = readUsers
            self.publishUsers = publishUsers
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
        var access = PathAccess()
    }

    private let gateway: any PathRuntime
    private let options: ServeOptions
    private let logger: Logger
    /// Gets the per-path tokens (WHIP/WHEP, and RTSP through the gateway) when they change.
    private let authorizer: GatewayAuthorizer?
    private var entries: [String: Entry] = [:]

    /// `options` are re-resolved on reload; `running` is what the gateway started with (its
    /// access as the config file gives it).
    public init(gateway: any PathRuntime, options: ServeOptions, running: [PathDefinition], logger: Logger,
                authorizer: GatewayAuthorizer? = nil) {
        self.gateway = gateway
        self.options = options
        self.logger = logger
        self.authorizer = authorizer
        let cli = options.cliPathNames
        let access = (try? Self.fileAccess(options.configFile)) ?? [:]
        for definition in running {
            entries[definition.name] = Entry(definition: definition, origin: cli.contains(definition.name) ? .cli : .config,
                                             access: access[definition.name] ?? PathAccess())
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
        try Self.validate([name: input.access])
        if let entry = entries[name] {
            guard entry.origin != .cli else { throw .conflict("path '\(name)' was given on the command line (--path)") }
            if entry.definition != definition {
                try await apply(definition, replacing: true)
            }
            entries[name] = Entry(definition: definition, origin: .api, access: input.access)
            if input.access != entry.access { pushAccess() }
            return (try path(named: name), false)
        }
        try await apply(definition, replacing: false)
        entries[name] = Entry(definition: definition, origin: .api, access: input.access)
        pushAccess()
        return (try path(named: name), true)
    }

    /// `PATCH /v1/paths/{name}`: changes the fields given.
    public func patch(name: String, _ patch: PathPatch) async throws(Failure) -> PathStatus {
        guard let entry = entries[name] else { throw .notFound("no path '\(name)'") }
        guard entry.origin != .cli else { throw .conflict("path '\(name)' was given on the command line (--path)") }
        var definition = entry.definition
        var access = entry.access
        if let token = patch.readToken { access.readToken = token }
        if let token = patch.publishToken { access.publishToken = token }
        if let users = patch.readUsers { access.readUsers = users }
        if let users = patch.publishUsers { access.publishUsers = users }
        try Self.validate([name: access])
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
        entries[name] = Entry(definition: definition, origin: .api, access: access)
        if access != entry.access {
            pushAccess()
            logger.info("path '\(name)' access changed: \(access)")
        }
        return try path(named: name)
    }

    /// `DELETE /v1/paths/{name}`: its sessions end and its source stops.
    public func delete(name: String) async throws(Failure) {
        guard let entry = entries[name] else { throw .notFound("no path '\(name)'") }
        guard entry.origin != .cli else { throw .conflict("path '\(name)' was given on the command line (--path)") }
        await gateway.removePath(named: name, reason: "path removed")
        entries[name] = nil
        if entry.access != PathAccess() { pushAccess() }
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
        let wantedAccess: [String: PathAccess]
        do {
            wanted = try options.resolve().0.pathDefinitions
            wantedAccess = try Self.fileAccess(file)
            _ = try PathAccess.rtspSettings(wantedAccess)
        } catch {
            logger.error("reload refused, the running configuration stays: \(error)", metadata: ["file": "\(file)"])
            throw .invalid("\(error)")
        }
        let cli = options.cliPathNames
        var next: [String: Entry] = [:]
        for definition in wanted {
            next[definition.name] = Entry(definition: definition, origin: cli.contains(definition.name) ? .cli : .config,
                                          access: wantedAccess[definition.name] ?? PathAccess())
        }
        for (name, entry) in entries where entry.origin == .api && next[name] == nil { next[name] = entry }
        let accessChanged = next.keys.filter { entries[$0] != nil && entries[$0]?.access != next[$0]?.access }.sorted()
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
        for name in diff.unchanged {
            entries[name]?.origin = next[name]?.origin ?? .config
            entries[name]?.access = next[name]?.access ?? PathAccess()
        }
        pushAccess()
        let failed = report.failed.isEmpty ? "" : ", failed: \(report.failed.joined(separator: "; "))"
        logger.info("reloaded \(file): added \(diff.added), removed \(diff.removed), changed \(diff.changed), \(diff.unchanged.count) unchanged, access changed \(accessChanged)\(failed) (settings other than paths and their tokens and users apply at the next start)")
        return report
    }

    // MARK: Access

    /// The access (tokens, RTSP users) of every path now, as the authorizer and the RTSP server see it.
    public func access() -> [String: PathAccess] {
        entries.compactMapValues { $0.access == PathAccess() ? nil : $0.access }
    }

    /// Hands every path's access to the gateway (RTSP users and tokens) and the authorizer
    /// (WHIP/WHEP tokens); checked by `validate` before.
    private func pushAccess() {
        let table = access()
        do { try gateway.updateAccess(table) } catch { logger.error("path access not applied: \(error)") }
        authorizer?.replacePathTokens(table.mapValues(\.tokens))
    }

    /// 422 for RTSP users that are not "user:password" (the text never holds the entry).
    static func validate(_ table: [String: PathAccess]) throws(Failure) {
        do { _ = try PathAccess.rtspSettings(table) } catch { throw .invalid("\(error)") }
    }

    /// The `paths:` access of a config file (none without one).
    static func fileAccess(_ file: String?) throws -> [String: PathAccess] {
        guard let file else { return [:] }
        return (try ConfigFile.load(from: file).paths ?? [:]).mapValues(PathAccess.init)
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
    /// Every path's tokens and RTSP users now (`PathAccess`), for the RTSP server.
    func updateAccess(_ table: [String: PathAccess]) throws
}

extension PathRuntime {
    public func updateAccess(_ table: [String: PathAccess]) throws {}
}

extension Gateway: PathRuntime {
    public func routingPath(named name: String) -> Path? { router.path(named: name) }

    public func updateAccess(_ table: [String: PathAccess]) throws {
        guard let rtspServer else { return }
        rtspServer.updateAccess(from: try PathAccess.rtspSettings(table))
    }
}
