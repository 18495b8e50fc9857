/// Small helpers for numeric header values.
enum RTSPHeaderNumber {
    /// A non-negative decimal of at most 9 digits (fits every RTSP counter we accept).
    static func parse(_ text: some StringProtocol) -> Int? {
        let t = text.trimmingSpaces
        guard !t.isEmpty, t.utf8.count <= 9, t.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int(t)
    }
}
