/// An RTSP method token (RFC 2326 §10, RFC 7826 §13). Extension methods are kept verbatim.
public struct RTSPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public static let options = RTSPMethod("OPTIONS")
    public static let describe = RTSPMethod("DESCRIBE")
    public static let announce = RTSPMethod("ANNOUNCE")
    public static let setup = RTSPMethod("SETUP")
    public static let play = RTSPMethod("PLAY")
    public static let pause = RTSPMethod("PAUSE")
    public static let record = RTSPMethod("RECORD")
    public static let teardown = RTSPMethod("TEARDOWN")
    public static let getParameter = RTSPMethod("GET_PARAMETER")
    public static let setParameter = RTSPMethod("SET_PARAMETER")
    public static let redirect = RTSPMethod("REDIRECT")

    public var description: String { rawValue }

    /// Parses a `Public:` / `Allow:` value (comma-separated methods, RFC 2326 §12.28).
    public static func list(_ value: String) -> [RTSPMethod] {
        value.split(separator: ",").compactMap {
            let token = $0.trimmingSpaces
            return token.isEmpty ? nil : RTSPMethod(String(token))
        }
    }

    /// Writes a `Public:` value.
    public static func listValue(_ methods: [RTSPMethod]) -> String {
        methods.map(\.rawValue).joined(separator: ", ")
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs. Compares Unicode scalars, not
    /// characters: a space followed by a combining mark is still a space on the wire.
    var trimmingSpaces: Substring {
        var scalars = Substring(self).unicodeScalars[...]
        while let c = scalars.first, c == " " || c == "\t" { scalars = scalars.dropFirst() }
        while let c = scalars.last, c == " " || c == "\t" { scalars = scalars.dropLast() }
        return Substring(scalars)
    }
}
