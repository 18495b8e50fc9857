import Foundation

/// The control file of the UDP relays in `Scripts/` (`nat-relay.py`, `impair-relay.py`): commands
/// are lines appended to the file, each acknowledged with `ack COMMAND` and a `counters …` line.
extension ManagedProcess {
    /// Appends `line` to the relay's control file and waits for its `ack` and the counters after it.
    func relayCommand(_ line: String, control: String) async throws {
        let acks = lines().count
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: control))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((line + "\n").utf8))
        try handle.close()
        let (ack, _) = try await waitForLine(from: acks, timeout: .seconds(5), what: "ack \(line)") { $0 == "ack \(line)" }
        try await waitForLine(from: ack, timeout: .seconds(5), what: "counters after ack \(line)") { $0.hasPrefix("counters ") }
    }

    /// The relay's last `counters a=1 b=2 …` line as numbers (empty before one).
    func relayCounters() -> [String: Int] {
        guard let line = lines().last(where: { $0.hasPrefix("counters ") }) else { return [:] }
        return Dictionary(line.split(separator: " ").dropFirst().compactMap { field -> (String, Int)? in
            let parts = field.split(separator: "=")
            guard parts.count == 2, let value = Int(parts[1]) else { return nil }
            return (String(parts[0]), value)
        }) { $1 }
    }
}
