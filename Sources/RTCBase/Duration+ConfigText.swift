extension Duration {
    /// A duration written in a configuration: `500ms`, `10s`, `2m`, `1h`, or a bare number of
    /// seconds; nil when malformed.
    public init?(configText text: String) {
        let trimmed = text.lowercased().filter { $0 != " " }
        let units: [(suffix: String, nanoseconds: Int64)] = [
            ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
        ]
        var number = Substring(trimmed)
        var scale: Int64 = 1_000_000_000
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            number = trimmed.dropLast(unit.suffix.count)
            scale = unit.nanoseconds
            break
        }
        guard !number.isEmpty, number.count <= 9, number.allSatisfy({ $0 >= "0" && $0 <= "9" }), let value = Int64(number), value >= 0 else {
            return nil
        }
        self = .nanoseconds(value * scale)
    }
}
