/// A path pattern from a token's claims: exact, or a glob where `*` stands for any run of
/// characters (`/` included), e.g. `cam*`, `site1/*`, `*`. No other character is special.
public struct AuthPathPattern: Sendable, Hashable, CustomStringConvertible {
    public static let maxLength = 256
    public let text: String
    private let characters: [Character]

    /// nil when the pattern is empty or longer than `maxLength` characters.
    public init?(_ text: String) {
        let characters = Array(text)
        guard !characters.isEmpty, characters.count <= Self.maxLength else { return nil }
        self.text = text
        self.characters = characters
    }

    public var description: String { text }

    /// Whether `path` matches: linear backtracking over the last `*` (O(pattern × path) at worst).
    public func matches(_ path: String) -> Bool {
        let subject = Array(path)
        var p = 0, s = 0
        var star: Int?, starMatch = 0
        while s < subject.count {
            if p < characters.count, characters[p] != "*", characters[p] == subject[s] {
                p += 1
                s += 1
            } else if p < characters.count, characters[p] == "*" {
                star = p
                starMatch = s
                p += 1
            } else if let star {
                p = star + 1
                starMatch += 1
                s = starMatch
            } else {
                return false
            }
        }
        while p < characters.count, characters[p] == "*" { p += 1 }
        return p == characters.count
    }
}
