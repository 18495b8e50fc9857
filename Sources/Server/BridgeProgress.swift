import Routing
import Runtime

/// The one progress line `rtcbridge bridge` prints each second on a terminal (or with
/// `--progress`): the source's state, the bitrate in and out (WHIP pushes and plain RTP; files are
/// not counted), media units per second, and the largest RTT and loss the WHIP servers report,
/// measured between two metrics snapshots of the bridge path.
public struct BridgeProgress: Sendable {
    private var last: MetricsSnapshot.PathSample?

    public init() {}

    /// The gateway's metrics (the ones `/metrics` shows), read on their own loops.
    public static func snapshot(of gateway: Gateway) async -> MetricsSnapshot {
        await MetricsCollector(gateway: gateway).snapshot()
    }

    /// The line for `snapshot`, taken `seconds` after the previous call's.
    public mutating func line(_ snapshot: MetricsSnapshot, seconds: Double, path name: String = BridgeArguments.pathName) -> String {
        let path = snapshot.paths.first { $0.name == name } ?? MetricsSnapshot.PathSample(name: name)
        defer { last = path }
        let state = path.isReady ? "receiving" : path.stats.sourceEpoch == 0 ? "connecting" : "source lost"
        guard let last, seconds > 0 else { return "bridge: \(state)" }
        let kbpsIn = Double(max(0, path.stats.bytesIn - last.stats.bytesIn)) * 8 / 1000 / seconds
        let kbpsOut = Double(max(0, path.bytesOut - last.bytesOut)) * 8 / 1000 / seconds
        let unitsPerSecond = Double(max(0, path.stats.unitsIn - last.stats.unitsIn)) / seconds
        var line = "bridge: \(state), in \(Self.format(kbpsIn)) kbit/s, out \(Self.format(kbpsOut)) kbit/s, "
            + "\(Self.format(unitsPerSecond)) units/s, \(path.stats.unitsIn) units"
        let sessions = snapshot.sessions.filter { $0.path == name }
        if let rtt = sessions.compactMap(\.roundTripSeconds).max() { line += ", RTT \(Self.format(rtt * 1000)) ms" }
        if let lost = sessions.compactMap(\.fractionLost).max() { line += ", loss \(Self.format(lost * 100)) %" }
        return line
    }

    /// One decimal, without Foundation's formatter.
    static func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
