/// Resolving a WHIP/WHEP `Location` (RFC 9725 §4.2: it may be relative) against the URL the
/// request went to (RFC 3986 §5.2, for the forms servers send: absolute, scheme-relative,
/// absolute-path, relative-path). Only `http` and `https` are accepted.
enum WHIPClientURL {
    /// `http(s)://authority` of an absolute URL, nil when `url` is not one.
    static func origin(of url: String) -> Substring? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        guard authorityEnd > rest.startIndex else { return nil }
        return url[..<authorityEnd]
    }

    /// `location` made absolute against `base`; nil when empty, over `maxLength`, with control
    /// characters or blanks, or of another scheme.
    static func resolve(_ location: String, against base: String, maxLength: Int) -> String? {
        let text = Substring(location).withoutBlanks
        guard !text.isEmpty, text.utf8.count <= maxLength,
              !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else { return nil }
        if text.contains("://") {
            return origin(of: String(text)) == nil ? nil : String(text)
        }
        guard let baseOrigin = origin(of: base), let schemeEnd = base.firstRange(of: "://") else { return nil }
        if text.hasPrefix("//") {
            let absolute = String(base[..<schemeEnd.lowerBound]) + ":" + text
            return origin(of: absolute) == nil ? nil : absolute
        }
        if text.hasPrefix("/") { return String(baseOrigin) + text }
        // Relative path: replace the last segment of the base's path (query and fragment dropped).
        var path = base[baseOrigin.endIndex...]
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
        let directory = path.lastIndex(of: "/").map { path[...$0] } ?? "/"
        return String(baseOrigin) + directory + text
    }
}
