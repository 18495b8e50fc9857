/// An ICE server the WHIP/WHEP server told us about (RFC 9725 §4.6):
/// `Link: <turn:turn.example.net?transport=udp>; rel="ice-server"; username="u"; credential="p";
/// credential-type="password"`. The credential is never printed.
public struct WHIPICEServer: Sendable, Equatable, CustomStringConvertible {
    /// `stun:`, `stuns:`, `turn:` or `turns:` URI (RFC 7064, RFC 7065).
    public var url: String
    public var username: String?
    public var credential: String?

    public init(url: String, username: String? = nil, credential: String? = nil) {
        self.url = url
        self.username = username
        self.credential = credential
    }

    public var description: String {
        url + (username.map { " (user \($0), credential <redacted>)" } ?? "")
    }

    /// The `rel="ice-server"` links of `values` (each a Link field value, RFC 8288 §3: links
    /// separated by commas, parameters by semicolons, values as tokens or quoted strings).
    /// Links of other relations or schemes are skipped; at most `maxServers` are kept and a
    /// field over `maxFieldBytes` is ignored whole.
    public static func parse(linkFields values: [String], maxServers: Int, maxFieldBytes: Int) -> [WHIPICEServer] {
        var servers: [WHIPICEServer] = []
        for value in values where value.utf8.count <= maxFieldBytes {
            for link in splitOutsideQuotes(Substring(value), on: ",") {
                guard servers.count < maxServers else { return servers }
                if let server = iceServer(link) { servers.append(server) }
            }
        }
        return servers
    }

    static func iceServer(_ link: Substring) -> WHIPICEServer? {
        let parts = splitOutsideQuotes(link, on: ";")
        guard let target = parts.first?.withoutBlanks, target.hasPrefix("<"), target.hasSuffix(">"),
              target.count > 2 else { return nil }
        let url = String(target.dropFirst().dropLast())
        let scheme = url.prefix { $0 != ":" }.lowercased()
        guard ["stun", "stuns", "turn", "turns"].contains(scheme), url.count > scheme.count + 1 else { return nil }
        var server = WHIPICEServer(url: url)
        var isICEServer = false
        for parameter in parts.dropFirst() {
            guard let equals = parameter.firstIndex(of: "=") else { continue }
            let name = parameter[..<equals].withoutBlanks.lowercased()
            var value = parameter[parameter.index(after: equals)...].withoutBlanks
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = value.dropFirst().dropLast() }
            switch name {
            case "rel": isICEServer = value.split(separator: " ").contains { $0.lowercased() == "ice-server" }
            case "username": server.username = String(value)
            case "credential": server.credential = String(value)
            default: continue
            }
        }
        return isICEServer ? server : nil
    }

    /// Splits at `separator` where it is outside a quoted string and outside `<…>`.
    static func splitOutsideQuotes(_ text: Substring, on separator: Character) -> [Substring] {
        var pieces: [Substring] = []
        var start = text.startIndex
        var inQuotes = false, inBrackets = false, escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if escaped {
                escaped = false
            } else if inQuotes {
                if character == "\\" { escaped = true } else if character == "\"" { inQuotes = false }
            } else if character == "\"" {
                inQuotes = true
            } else if character == "<" {
                inBrackets = true
            } else if character == ">" {
                inBrackets = false
            } else if character == separator, !inBrackets {
                pieces.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        pieces.append(text[start...])
        return pieces
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (HTTP OWS, RFC 9110 §5.6.3).
    var withoutBlanks: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
