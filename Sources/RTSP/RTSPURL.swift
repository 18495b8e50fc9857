import RTCBase

/// An `rtsp://[user[:password]@]host[:port][/path][?query]` URL (RFC 2326 §3.2, RFC 3986).
///
/// Credentials are percent-decoded and kept apart: `absoluteString` (what goes on the wire) never
/// carries them, and `description`/`redacted` show the user with `***` instead of the password.
public struct RTSPURL: Sendable, Hashable, CustomStringConvertible {
    /// `rtsp`, `rtsps` or `rtspu`, lower-cased.
    public var scheme: String
    public var user: String?
    public var password: String?
    /// The host without IPv6 brackets.
    public var host: String
    /// The explicit port, if any.
    public var port: UInt16?
    /// The path including its leading `/` (may be empty).
    public var path: String
    /// The text after `?`, verbatim.
    public var query: String?

    public init(scheme: String = "rtsp", user: String? = nil, password: String? = nil, host: String,
                port: UInt16? = nil, path: String = "", query: String? = nil) {
        self.scheme = scheme
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.path = path
        self.query = query
    }

    /// Parses an absolute RTSP URL; nil when it is not one (or longer than `maxBytes`).
    public init?(string: String, maxBytes: Int = 4096) {
        guard string.utf8.count <= maxBytes, let (schemePart, rest) = string.splitOnce(":"),
              rest.hasPrefix("//") else { return nil }
        let scheme = schemePart.lowercased()
        guard ["rtsp", "rtsps", "rtspu"].contains(scheme) else { return nil }
        let afterSlashes = rest.dropFirst(2)
        let authorityEnd = afterSlashes.firstIndex { $0 == "/" || $0 == "?" } ?? afterSlashes.endIndex
        var authority = afterSlashes[..<authorityEnd]
        let tail = afterSlashes[authorityEnd...]
        var user: String?, password: String?
        if let at = authority.lastIndex(of: "@") {
            let info = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = info.firstIndex(of: ":") {
                guard let u = Self.percentDecode(info[..<colon]),
                      let p = Self.percentDecode(info[info.index(after: colon)...]) else { return nil }
                user = u; password = p
            } else {
                guard let u = Self.percentDecode(info) else { return nil }
                user = u
            }
        }
        var host: Substring, portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else { return nil }
        var port: UInt16?
        if let portText, !portText.isEmpty {
            guard portText.utf8.count <= 5, portText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  let value = UInt16(portText) else { return nil }
            port = value
        }
        var path = tail, query: String?
        if let q = tail.firstIndex(of: "?") {
            path = tail[..<q]
            query = String(tail[tail.index(after: q)...])
        }
        self.init(scheme: scheme, user: user, password: password, host: String(host), port: port,
                  path: String(path), query: query)
    }

    /// The port to connect to: explicit, else 554 (`rtsps`: 322, RFC 7826 §19.2).
    public var effectivePort: UInt16 { port ?? (scheme == "rtsps" ? 322 : RTSP.defaultPort) }

    /// Host as written in a URL (IPv6 in brackets).
    var hostForURL: String { host.contains(":") ? "[\(host)]" : host }

    /// The URL without credentials: the form sent in requests.
    public var absoluteString: String {
        var text = "\(scheme)://\(hostForURL)"
        if let port { text += ":\(port)" }
        text += path
        if let query { text += "?\(query)" }
        return text
    }

    /// The URL with the password replaced by `***` (safe for logs, errors and API answers).
    public var redacted: String {
        guard let user else { return absoluteString }
        var text = "\(scheme)://\(Self.percentEncode(user))"
        if password != nil { text += ":***" }
        text += "@" + absoluteString.dropFirst(scheme.utf8.count + 3)
        return text
    }

    public var description: String { redacted }

    /// This URL with `user` and `password` removed.
    public var withoutCredentials: RTSPURL {
        var copy = self
        copy.user = nil
        copy.password = nil
        return copy
    }

    /// Resolves an SDP `a=control` value or a header URL against this base (RFC 2326 §C.1.1).
    ///
    /// `*` or an empty value means the base itself; an absolute `rtsp://` value stands alone; a
    /// value starting with `/` replaces the path; any other relative value is appended after a `/`
    /// (the behaviour of ffmpeg, live555 and GStreamer, which cameras rely on: a base
    /// `rtsp://h/live?ch=1/` plus `trackID=0` gives `rtsp://h/live?ch=1/trackID=0`). Credentials are
    /// always stripped from the result.
    public func resolving(_ reference: String) -> RTSPURL? {
        let trimmed = String(reference.trimmingSpaces)
        if trimmed.isEmpty || trimmed == "*" { return withoutCredentials }
        if let absolute = RTSPURL(string: trimmed) { return absolute.withoutCredentials }
        if trimmed.contains("://") { return nil }
        if trimmed.hasPrefix("/") {
            var url = withoutCredentials
            if let q = trimmed.firstIndex(of: "?") {
                url.path = String(trimmed[..<q])
                url.query = String(trimmed[trimmed.index(after: q)...])
            } else {
                url.path = trimmed
                url.query = nil
            }
            return url
        }
        let base = withoutCredentials.absoluteString
        return RTSPURL(string: base + (base.hasSuffix("/") ? "" : "/") + trimmed)
    }

    /// The base for control URLs of a DESCRIBE answer: `Content-Base`, else `Content-Location`,
    /// else the request URL (RFC 2326 §C.1.1). A relative `Content-Location` resolves against the
    /// request URL. Credentials are stripped.
    public static func controlBase(contentBase: String?, contentLocation: String?, requestURL: RTSPURL) -> RTSPURL {
        for candidate in [contentBase, contentLocation] {
            if let candidate, let url = requestURL.resolving(candidate) { return url }
        }
        return requestURL.withoutCredentials
    }

    // MARK: - Percent encoding (RFC 3986 §2.1)

    static func percentDecode(_ text: some StringProtocol) -> String? {
        var out: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == 0x25 {
                guard let h = iterator.next(), let l = iterator.next(),
                      let hv = hexValue(h), let lv = hexValue(l) else { return nil }
                out.append(hv << 4 | lv)
            } else {
                out.append(byte)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let unreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if unreserved {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + [byte].hexString.uppercased()
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
