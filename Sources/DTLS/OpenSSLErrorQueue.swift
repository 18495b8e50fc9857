import COpenSSL

/// Turns OpenSSL's thread-local error queue into readable one-line reasons.
enum OpenSSLErrorQueue {
    /// Empties the queue, so a later `drain` reports only errors from the next call.
    static func clear() { ERR_clear_error() }

    /// Drains the queue: "context: reason; reason" (or just `context` when the queue is empty).
    static func drain(_ context: String) -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if reasons.count >= 4 { continue }
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                reasons.append("OpenSSL error \(code)")
            }
        }
        return reasons.isEmpty ? context : "\(context): " + reasons.joined(separator: "; ")
    }
}
