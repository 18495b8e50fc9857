import Routing

/// The one progress line `rtcbridge bridge` prints each second on a terminal (or with
/// `--progress`): the source's state, the input bitrate and media units per second, measured
/// between two snapshots of the bridge path's counters.
public struct BridgeProgress: Sendable {
    private var last: PathStats?

    public init() {}

    /// The line for `stats`, taken `seconds` after the previous call's.
    public mutating func line(ready: Bool, stats: PathStats, seconds: Double) -> String {
        defer { last = stats }
        let state = ready ? "receiving" : stats.sourceEpoch == 0 ? "connecting" : "source lost"
        guard let last, seconds > 0 else { return "bridge: \(state)" }
        let bytes = max(0, stats.bytesIn - last.bytesIn)
        let units = max(0, stats.unitsIn - last.unitsIn)
        let kbps = Double(bytes) * 8 / 1000 / seconds
        let unitsPerSecond = Double(units) / seconds
        return "bridge: \(state), in \(Self.format(kbps)) kbit/s, \(Self.format(unitsPerSecond)) units/s, "
            + "\(stats.unitsIn) units, \(stats.readers) outputs"
    }

    /// One decimal, without Foundation's formatter.
    static func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
