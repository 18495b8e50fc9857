import Foundation

/// Datagrams the kernel dropped before a UDP socket read them (its receive buffer was full), from
/// the `drops` column of `/proc/net/udp` and `/proc/net/udp6` (Linux). A flood at a data device
/// shows up here first: the gateway reads what it can and the rest never reaches it.
enum DataUDPSocketDrops {
    /// The sum of `drops` over the sockets bound to local `port` in one `/proc/net/udp{,6}` text;
    /// lines that do not parse are skipped (every field is checked, nothing is trusted).
    static func parse(_ text: String, port: Int) -> Int {
        var total = 0
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // sl local rem st queues tr retrnsmt uid timeout inode ref pointer drops
            guard fields.count >= 13, let colon = fields[1].lastIndex(of: ":"),
                  let localPort = Int(fields[1][fields[1].index(after: colon)...], radix: 16), localPort == port,
                  let drops = fields.last.flatMap({ Int($0) }), drops >= 0 else { continue }
            let (sum, overflow) = total.addingReportingOverflow(drops)
            total = overflow ? Int.max : sum
        }
        return total
    }

    /// Kernel drops of the sockets on local `port` (0 where /proc is not there).
    static func read(port: Int) -> Int {
        ["/proc/self/net/udp", "/proc/self/net/udp6"].reduce(0) { total, file in
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return total }
            let (sum, overflow) = total.addingReportingOverflow(parse(text, port: port))
            return overflow ? Int.max : sum
        }
    }
}
