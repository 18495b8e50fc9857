import RTCBase
import STUN

/// One STUN or TURN server (`--ice-server`, YAML `http.iceServers`): the gateway asks a STUN server
/// for its server-reflexive address, and hands every server to browsers in `Link: <…>;
/// rel="ice-server"` headers (RFC 9725 §4.6) so their RTCPeerConnection uses it.
///
/// Text form: `URL[,key=value]…` with URL `stun:HOST[:PORT]` (RFC 7064) or
/// `turn:`/`turns:HOST[:PORT][?transport=udp|tcp]` (RFC 7065) and the keys `username=`,
/// `credential=` (a fixed TURN password), or `secret=` with optional `user=` and `ttl=` seconds
/// (ephemeral TURN REST credentials, as coturn's `use-auth-secret` expects). Values may be
/// percent-encoded (`%2C` for a comma). A TURN server needs credentials (browsers refuse it
/// without), a STUN server takes none.
public struct ICEServer: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public enum Scheme: String, Sendable, Hashable {
        case stun, turn, turns
        var defaultPort: Int { self == .turns ? 5349 : 3478 }
    }

    public enum Transport: String, Sendable, Hashable { case udp, tcp }

    public enum Credentials: Sendable, Hashable {
        case none
        /// A fixed TURN user name and password.
        case password(username: String, credential: String)
        /// TURN REST: username `expiry:user`, password base64(HMAC-SHA1(secret, username)).
        case sharedSecret(secret: String, user: String, ttlSeconds: Int)
    }

    public var scheme: Scheme
    /// A DNS name or IP literal (IPv6 without brackets).
    public var host: String
    public var port: Int
    public var transport: Transport?
    public var credentials: Credentials

    /// Longest accepted `--ice-server` text.
    public static let maxTextBytes = 2048
    /// Lifetimes accepted for `ttl=` (one minute to one week); default one day.
    public static let ttlRange = 60...604_800
    public static let defaultTTLSeconds = 86_400

    public init(parsing text: String) throws(ICEServerError) {
        func fail(_ reason: String) -> ICEServerError { ICEServerError(reason: reason) }
        guard text.utf8.count <= Self.maxTextBytes else { throw fail("longer than \(Self.maxTextBytes) bytes") }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let url = parts[0]
        guard let colon = url.firstIndex(of: ":"), let scheme = Scheme(rawValue: url[..<colon].lowercased()) else {
            throw fail("the URL must start with stun:, turn: or turns:")
        }
        self.scheme = scheme
        var rest = url[url.index(after: colon)...]
        if rest.hasPrefix("//") { throw fail("write \(scheme.rawValue):HOST:PORT, without //") }
        var query: Substring?
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        (host, port) = try Self.hostPort(rest, defaultPort: scheme.defaultPort)
        transport = nil
        if let query {
            guard scheme != .stun else { throw fail("a stun: URL takes no ?transport= (RFC 7064)") }
            guard query.hasPrefix("transport="), let value = Transport(rawValue: query.dropFirst("transport=".count).lowercased()) else {
                throw fail("the only query is ?transport=udp or ?transport=tcp")
            }
            transport = value
        }
        var fields: [String: String] = [:]
        for part in parts.dropFirst() {
            guard let equals = part.firstIndex(of: "=") else {
                throw fail("a part after a comma is not key=value (write a comma inside a value as %2C)")
            }
            let key = String(part[..<equals])
            guard ["username", "credential", "secret", "user", "ttl"].contains(key) else {
                throw fail("unknown key (the keys are username, credential, secret, user, ttl)")
            }
            guard fields[key] == nil else { throw fail("\(key) given twice") }
            guard let value = Self.percentDecoded(part[part.index(after: equals)...]), !value.isEmpty else {
                throw fail("\(key) is empty or badly percent-encoded")
            }
            guard value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7f }) else {
                throw fail("\(key) contains a control character")
            }
            fields[key] = value
        }
        switch (fields["username"], fields["credential"], fields["secret"]) {
        case (nil, nil, nil):
            guard fields["user"] == nil, fields["ttl"] == nil else { throw fail("user= and ttl= go with secret=") }
            guard scheme == .stun else { throw fail("a TURN server needs username= and credential=, or secret=") }
            credentials = .none
        case (let username?, let credential?, nil):
            guard scheme != .stun else { throw fail("a stun: server takes no credentials") }
            guard fields["user"] == nil, fields["ttl"] == nil else { throw fail("user= and ttl= go with secret=") }
            credentials = .password(username: username, credential: credential)
        case (nil, nil, let secret?):
            guard scheme != .stun else { throw fail("a stun: server takes no credentials") }
            var ttl = Self.defaultTTLSeconds
            if let text = fields["ttl"] {
                guard text.utf8.count <= 7, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text),
                      Self.ttlRange.contains(value) else {
                    throw fail("ttl must be \(Self.ttlRange.lowerBound) to \(Self.ttlRange.upperBound) seconds")
                }
                ttl = value
            }
            credentials = .sharedSecret(secret: secret, user: fields["user"] ?? "", ttlSeconds: ttl)
        default:
            throw fail("give username= with credential=, or secret= alone")
        }
    }

    /// `HOST[:PORT]`, `IPV6` in brackets (`[::1]:3478`).
    static func hostPort(_ text: Substring, defaultPort: Int) throws(ICEServerError) -> (String, Int) {
        func fail() -> ICEServerError { ICEServerError(reason: "'\(text.prefix(64))' is not HOST or HOST:PORT") }
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw fail() }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail() }
                portText = after.dropFirst()
            }
            guard TransportAddress(host: String(host), port: 0) != nil, host.contains(":") else { throw fail() }
        } else {
            if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            }
            let allowed = host.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            }
            guard !host.isEmpty, host.utf8.count <= 253, allowed else { throw fail() }
        }
        var port = defaultPort
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(portText), (1...65535).contains(value) else { throw fail() }
            port = value
        }
        return (String(host), port)
    }

    /// `%XX` escapes decoded (UTF-8); nil on a bad escape or invalid UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let first = utf8.index(after: index)
                guard first != utf8.endIndex else { return nil }
                let second = utf8.index(after: first)
                guard second != utf8.endIndex, let high = hexValue(utf8[first]), let low = hexValue(utf8[second]) else { return nil }
                bytes.append(high << 4 | low)
                index = utf8.index(after: second)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// The URL as browsers take it (`urls` of an RTCIceServer), without credentials.
    public var url: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        var text = "\(scheme.rawValue):\(hostText):\(port)"
        if let transport { text += "?transport=\(transport.rawValue)" }
        return text
    }

    /// The user name and password to hand out now (`nowUnixSeconds`): fixed ones as given, REST
    /// ones valid until now + ttl; nil for STUN (or if OpenSSL fails).
    public func credentials(nowUnixSeconds now: UInt64) -> (username: String, credential: String)? {
        switch credentials {
        case .none:
            return nil
        case .password(let username, let credential):
            return (username, credential)
        case .sharedSecret(let secret, let user, let ttl):
            guard let made = STUNLongTermCredentials.ephemeral(secret: secret, user: user,
                                                               expiresAtUnixSeconds: now &+ UInt64(ttl)) else { return nil }
            return (made.username, made.password)
        }
    }

    /// The value of one `Link` header for this server (RFC 9725 §4.6, RFC 8288): the URL, and for
    /// TURN `username`, `credential` and `credential-type="password"` as quoted strings.
    public func linkHeaderValue(nowUnixSeconds now: UInt64) -> String {
        var value = "<\(url)>; rel=\"ice-server\""
        if let (username, credential) = credentials(nowUnixSeconds: now) {
            value += "; username=\(Self.quoted(username)); credential=\(Self.quoted(credential)); credential-type=\"password\""
        }
        return value
    }

    /// An RFC 9110 §5.6.4 quoted-string: `"` and `\` escaped with a backslash.
    public static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            if character == "\"" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out + "\""
    }

    /// The URL only: credentials never reach a log line or an API answer.
    public var description: String {
        switch credentials {
        case .none: return url
        case .password: return "\(url) (username and credential redacted)"
        case .sharedSecret(_, _, let ttl): return "\(url) (REST credentials from a redacted secret, ttl \(ttl) s)"
        }
    }

    public var debugDescription: String { description }

    /// `dump` and test failure messages show the redacted text only.
    public var customMirror: Mirror { Mirror(self, children: ["server": description as Any], displayStyle: .struct) }
}

/// An `--ice-server` value that cannot be used, and why (never the credentials).
public struct ICEServerError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "ice server: \(reason)" }
}
