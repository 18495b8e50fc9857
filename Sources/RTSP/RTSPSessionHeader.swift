/// The `Session` header (RFC 2326 §12.37): `<id>[;timeout=<seconds>]`.
public struct RTSPSessionHeader: Sendable, Equatable {
    public var id: String
    /// Seconds; nil when absent (the RFC default is 60 s).
    public var timeout: Int?

    public init(id: String, timeout: Int? = nil) { self.id = id; self.timeout = timeout }

    /// Parses the header; ids longer than 256 bytes or with spaces are rejected.
    public init(parsing text: String) throws(RTSPHeaderError) {
        let parts = text.split(separator: ";").map { $0.trimmingSpaces }
        guard let id = parts.first, !id.isEmpty, id.utf8.count <= 256, !id.contains(" ") else {
            throw RTSPHeaderError("invalid session id")
        }
        self.id = String(id)
        for parameter in parts.dropFirst() {
            let (key, value) = parameter.splitOnceSubstring("=")
            if key.lowercased() == "timeout", let value {
                guard let seconds = RTSPHeaderNumber.parse(value) else { throw RTSPHeaderError("invalid session timeout") }
                timeout = seconds
            }
        }
    }

    public var headerValue: String { timeout.map { "\(id);timeout=\($0)" } ?? id }
}
