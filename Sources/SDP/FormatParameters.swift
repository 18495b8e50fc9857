/// `a=fmtp` parameter lists (RFC 8866 §6.15): `key=value` pairs separated by `;`.
enum FormatParameters {
    static func parse(_ line: some StringProtocol) -> [String: String] {
        var result: [String: String] = [:]
        for item in line.split(separator: ";", omittingEmptySubsequences: true) {
            let trimmed = item.trimmingSpaces
            guard !trimmed.isEmpty else { continue }
            if let equals = trimmed.firstIndex(of: "=") {
                let key = trimmed[..<equals].trimmingSpaces
                if result[String(key)] == nil { result[String(key)] = String(trimmed[trimmed.index(after: equals)...].trimmingSpaces) }
            } else if result[String(trimmed)] == nil {
                result[String(trimmed)] = ""
            }
        }
        return result
    }
}

extension StringProtocol {
    var trimmingSpaces: SubSequence {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return slice
    }
}
