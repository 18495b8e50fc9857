import Routing
import Synchronization

/// On-demand RTSP sources by path, so a viewer arriving on an idle path can start its camera and
/// wait for the first keyframe instead of being turned away.
public enum RTSPSourceDemand {
    private static let sources = Mutex<[ObjectIdentifier: RTSPSource]>([:])

    static func register(_ source: RTSPSource, for path: Path) {
        sources.withLock { $0[ObjectIdentifier(path)] = source }
    }

    static func unregister(path: Path) {
        sources.withLock { $0[ObjectIdentifier(path)] = nil }
    }

    /// Starts `path`'s on-demand source if it has one and waits until it publishes (or its demand
    /// timeout passes). Returns at once for other paths.
    public static func awaitPublisher(on path: Path) async {
        guard let source = sources.withLock({ $0[ObjectIdentifier(path)] }) else { return }
        await source.demand()
    }
}
