/// `scheme param=value, param="quoted", ...` lists (RFC 7235 §2.1), bounded.
struct RTSPAuthParameters: Sendable {
    var scheme: String
    var parameters: [(name: String, value: String)] = []
    /// `token68` credentials (Basic's base64), when present.
    var token: String?

    subscript(name: String) -> String? {
        parameters.first { $0.name.lowercased() == name }?.value
    }

    static let maxChallenges = 8
    static let maxParameters = 32

    /// Splits a `WWW-Authenticate` value into challenges.
    static func parseChallenges(_ text: String) -> [RTSPAuthParameters] {
        var out: [RTSPAuthParameters] = []
        var scanner = Array(text.utf8)[...]
        while out.count < maxChallenges {
            skip(&scanner, while: { $0 == 0x20 || $0 == 0x09 || $0 == 0x2C })
            guard let token = readToken(&scanner), !token.isEmpty else { break }
            skip(&scanner, while: { $0 == 0x20 || $0 == 0x09 })
            if scanner.first == 0x3D, var current = out.popLast() {
                // A parameter of the current challenge.
                scanner = scanner.dropFirst()
                skip(&scanner, while: { $0 == 0x20 || $0 == 0x09 })
                let value = readValue(&scanner)
                if current.parameters.count < maxParameters { current.parameters.append((token, value)) }
                out.append(current)
            } else if scanner.first == 0x3D {
                break
            } else {
                var challenge = RTSPAuthParameters(scheme: token)
                // token68 (e.g. `Basic dXNlcjpwYXNz`), or the first parameter of the challenge.
                let save = scanner
                if let t = readToken68(&scanner) {
                    challenge.token = t
                } else {
                    scanner = save
                }
                out.append(challenge)
            }
        }
        return out
    }

    /// Parses an `Authorization` value: one scheme with token68 or parameters.
    static func parseCredentials(_ text: String) -> RTSPAuthParameters? {
        guard let first = parseChallenges(text).first else { return nil }
        return first
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            if c == "\\" || c == "\"" { out.append("\\") }
            out.append(c)
        }
        return out
    }

    private static func skip(_ s: inout ArraySlice<UInt8>, while predicate: (UInt8) -> Bool) {
        while let c = s.first, predicate(c) { s = s.dropFirst() }
    }

    private static func isTokenByte(_ c: UInt8) -> Bool {
        c > 0x20 && c < 0x7F && !"()<>@,;:\\\"/[]?={}".utf8.contains(c)
    }

    private static func readToken(_ s: inout ArraySlice<UInt8>) -> String? {
        var end = s.startIndex
        while end < s.endIndex, isTokenByte(s[end]), end - s.startIndex < 256 { end += 1 }
        let token = String(decoding: s[s.startIndex..<end], as: UTF8.self)
        s = s[end...]
        return token
    }

    /// token68 followed by end or comma (and not by `=` of a parameter).
    private static func readToken68(_ s: inout ArraySlice<UInt8>) -> String? {
        skip(&s, while: { $0 == 0x20 })
        var end = s.startIndex
        while end < s.endIndex, end - s.startIndex < 4096 {
            let c = s[end]
            let ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || "-._~+/".utf8.contains(c)
            if !ok { break }
            end += 1
        }
        while end < s.endIndex, s[end] == 0x3D { end += 1 }
        guard end > s.startIndex else { return nil }
        var rest = s[end...]
        skip(&rest, while: { $0 == 0x20 })
        guard rest.isEmpty || rest.first == 0x2C else { return nil }
        // `realm=` would have made rest start with a quote or token: excluded above.
        let text = String(decoding: s[s.startIndex..<end], as: UTF8.self)
        s = rest
        return text
    }

    private static func readValue(_ s: inout ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        if s.first == 0x22 {
            s = s.dropFirst()
            while let c = s.first, out.count < 4096 {
                s = s.dropFirst()
                if c == 0x22 { break }
                if c == 0x5C, let escaped = s.first { out.append(escaped); s = s.dropFirst(); continue }
                out.append(c)
            }
        } else {
            while let c = s.first, c != 0x2C, c != 0x20, c != 0x09, out.count < 4096 { out.append(c); s = s.dropFirst() }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
