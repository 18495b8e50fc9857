/// One `a=` line (RFC 8866 §5.13): a property attribute `a=<name>` or a value attribute
/// `a=<name>:<value>`. The value is kept verbatim (leading spaces included) so that unknown
/// attributes survive a parse/serialize round trip unchanged.
public struct SDPAttribute: Sendable, Equatable {
    public var name: String
    public var value: String?

    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }

    public init(name: String, value: String?) {
        self.init(name, value)
    }

    /// Splits the text after `a=` at the first colon.
    init(line text: Substring) {
        if let colon = text.firstIndex(of: ":") {
            self.init(String(text[..<colon]), String(text[text.index(after: colon)...]))
        } else {
            self.init(String(text), nil)
        }
    }

    /// The text after `a=`.
    public var lineValue: String {
        guard let value else { return name }
        return name + ":" + value
    }
}

extension Array where Element == SDPAttribute {
    /// The value of the first attribute called `name` (nil when absent or a property attribute).
    public func firstValue(named name: String) -> String? {
        first { $0.name == name }?.value ?? nil
    }

    /// The values of every attribute called `name`, in order (property attributes skipped).
    public func values(named name: String) -> [String] {
        compactMap { $0.name == name ? $0.value : nil }
    }

    public func contains(named name: String) -> Bool {
        contains { $0.name == name }
    }

    /// Replaces every attribute called `name` with one value attribute, at the position of the
    /// first one (or at the end); `nil` removes them all.
    public mutating func setValue(_ value: String?, named name: String) {
        replaceAll(named: name, with: value.map { SDPAttribute(name, $0) })
    }

    /// Adds (once) or removes the property attribute `a=<name>`.
    public mutating func setFlag(_ present: Bool, named name: String) {
        replaceAll(named: name, with: present ? SDPAttribute(name) : nil)
    }

    mutating func replaceAll(named name: String, with attribute: SDPAttribute?) {
        let position = firstIndex { $0.name == name }
        removeAll { $0.name == name }
        guard let attribute else { return }
        if let position, position <= count { insert(attribute, at: position) } else { append(attribute) }
    }
}
