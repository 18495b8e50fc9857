import RTCBase
import Synchronization

/// The set of named paths (house plan §3). Thread-safe; takes its clock from the runtime (or a
/// test's virtual clock) and never reads one itself.
public final class Router: Sendable {
    public let limits: RoutingLimits
    private let clock: @Sendable () -> Instant
    private let pathsByName = Mutex<[String: Path]>([:])

    public init(limits: RoutingLimits = RoutingLimits(), clock: @escaping @Sendable () -> Instant) {
        self.limits = limits
        self.clock = clock
    }

    public func path(named name: String) -> Path? {
        pathsByName.withLock { $0[name] }
    }

    /// Creates a path. Names are 1...128 characters of `[A-Za-z0-9._~-/]`, with no leading "/",
    /// no "..", and no empty or "." segment. Throws `.invalidPathName`, `.pathExists` or `.tooManyPaths`.
    public func createPath(named name: String) throws(RoutingError) -> Path {
        try PathName.validate(name)
        return try pathsByName.withLock { paths throws(RoutingError) in
            guard paths[name] == nil else { throw .pathExists(name) }
            guard paths.count < limits.maxPaths else { throw .tooManyPaths(limit: limits.maxPaths) }
            let path = Path(name: name, limits: limits, clock: clock)
            paths[name] = path
            return path
        }
    }

    /// Removes a path: its publisher is detached, its readers get `.pathClosed`, and the name is free again.
    public func removePath(named name: String) {
        let removed = pathsByName.withLock { $0.removeValue(forKey: name) }
        removed?.close()
    }

    /// A snapshot of all paths, sorted by name.
    public var paths: [Path] {
        pathsByName.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }
}
