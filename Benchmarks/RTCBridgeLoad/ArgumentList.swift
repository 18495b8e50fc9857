/// The load generator's command-line arguments, read flag by flag (`--flag value`).
struct ArgumentList {
    private let arguments: [String]
    private var index = 0

    init(_ arguments: [String]) { self.arguments = arguments }

    /// The next flag, or nil at the end.
    mutating func next() -> String? {
        guard index < arguments.count else { return nil }
        defer { index += 1 }
        return arguments[index]
    }

    /// The value of the flag just read.
    mutating func value() throws -> String {
        guard index < arguments.count else { throw LoadError("\(arguments[index - 1]) needs a value") }
        defer { index += 1 }
        return arguments[index]
    }

    /// The value of the flag just read, as a non-negative number.
    mutating func number() throws -> Double {
        let text = try value()
        guard let number = Double(text), number >= 0 else { throw LoadError("not a number: \(text)") }
        return number
    }
}
