/// `a=extmap:<id>[/<direction>] <URI> [<extension attributes>]` (RFC 8285 §8).
public struct ExtMap: Sendable, Equatable {
    /// 1...14 for one-byte headers, up to 255 with two-byte headers.
    public var id: Int
    public var direction: MediaDirection?
    public var uri: String
    /// Extension attributes after the URI, verbatim.
    public var extensionAttributes: String?

    public init(id: Int, direction: MediaDirection? = nil, uri: String, extensionAttributes: String? = nil) {
        self.id = id
        self.direction = direction
        self.uri = uri
        self.extensionAttributes = extensionAttributes
    }

    /// Parses the attribute value (the text after `a=extmap:`); nil when it is malformed.
    public init?(attributeValue: some StringProtocol) {
        let parts = attributeValue.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2 else { return nil }
        let idParts = parts[0].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let id = SDPNumber.integer(idParts[0]), (1...255).contains(id) else { return nil }
        var direction: MediaDirection?
        if idParts.count == 2 {
            guard let parsed = MediaDirection(rawValue: String(idParts[1])) else { return nil }
            direction = parsed
        }
        self.init(id: id, direction: direction, uri: String(parts[1]),
                  extensionAttributes: parts.count == 3 ? String(parts[2]) : nil)
    }

    public var attributeValue: String {
        var text = String(id)
        if let direction { text += "/" + direction.rawValue }
        text += " " + uri
        if let extensionAttributes { text += " " + extensionAttributes }
        return text
    }
}
