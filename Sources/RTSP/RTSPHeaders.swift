/// An ordered, case-insensitive multimap of RTSP header fields (RFC 2326 §4.2, §12).
///
/// Field order and repeated fields are kept as received so that a message round-trips; lookups
/// compare names ASCII case-insensitively.
public struct RTSPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// One header field.
    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) { self.name = name; self.value = value }
    }

    public private(set) var fields: [Field] = []

    public init() {}

    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value of `name`; setting replaces every field called `name` (nil removes them).
    public subscript(name: String) -> String? {
        get { fields.first { Self.equalNames($0.name, name) }?.value }
        set { set(newValue, for: name) }
    }

    /// Every value of `name`, in order.
    public func values(named name: String) -> [String] {
        fields.filter { Self.equalNames($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { fields.contains { Self.equalNames($0.name, name) } }

    /// Appends a field (keeps existing fields of the same name).
    public mutating func add(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Replaces every field called `name` by one field at the position of the first; nil removes.
    public mutating func set(_ value: String?, for name: String) {
        let first = fields.firstIndex { Self.equalNames($0.name, name) }
        fields.removeAll { Self.equalNames($0.name, name) }
        guard let value else { return }
        let field = Field(name: name, value: value)
        if let first, first <= fields.count { fields.insert(field, at: first) } else { fields.append(field) }
    }

    public mutating func remove(_ name: String) { set(nil, for: name) }

    /// Appends text to the last field's value (header line folding).
    mutating func appendToLastValue(_ text: String) {
        guard !fields.isEmpty else { return }
        fields[fields.count - 1].value += text
    }

    /// ASCII case-insensitive comparison of field names.
    static func equalNames(_ lhs: String, _ rhs: String) -> Bool {
        let a = lhs.utf8, b = rhs.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where x != y {
            let lx = (x >= 65 && x <= 90) ? x | 0x20 : x
            let ly = (y >= 65 && y <= 90) ? y | 0x20 : y
            if lx != ly { return false }
        }
        return true
    }

    /// Writes `Name: value\r\n` for every field.
    func write(into out: inout [UInt8]) {
        for field in fields {
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: field.value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
    }
}

extension RTSPHeaders {
    /// One RTSP message on the wire (RFC 2326 §4): start line, headers with `Content-Length` set
    /// from `body` (removed when it is empty), blank line, body.
    static func serializeMessage(startLine: String, headers: RTSPHeaders, body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + body.count)
        out.append(contentsOf: "\(startLine)\r\n".utf8)
        var headers = headers
        headers.set(body.isEmpty ? nil : String(body.count), for: "Content-Length")
        headers.write(into: &out)
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: body)
        return out
    }
}
