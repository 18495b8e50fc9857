/// The `Range` header (RFC 2326 §12.29, §3.6): Normal Play Time ranges `npt=<start>-[<end>]`;
/// other units (`clock=`, `smpte=`) are kept verbatim.
public enum RTSPRange: Sendable, Equatable {
    /// A time in seconds, or `now` (live).
    public enum NPTTime: Sendable, Equatable {
        case now
        case seconds(Double)
    }

    case npt(start: NPTTime?, end: NPTTime?)
    case other(String)

    /// `npt=0.000-`, the PLAY range for live streams.
    public static let fromStart = RTSPRange.npt(start: .seconds(0), end: nil)

    public init(parsing text: String) throws(RTSPHeaderError) {
        let value = text.split(separator: ";").first?.trimmingSpaces ?? ""
        guard value.lowercased().hasPrefix("npt=") else {
            guard !value.isEmpty else { throw RTSPHeaderError("empty Range") }
            self = .other(String(value))
            return
        }
        let spec = value.dropFirst(4)
        guard let dash = spec.firstIndex(of: "-") else { throw RTSPHeaderError("Range without '-'") }
        let start = try Self.time(spec[..<dash])
        let end = try Self.time(spec[spec.index(after: dash)...])
        guard start != nil || end != nil else { throw RTSPHeaderError("Range without start or end") }
        self = .npt(start: start, end: end)
    }

    private static func time(_ text: Substring) throws(RTSPHeaderError) -> NPTTime? {
        let t = text.trimmingSpaces
        if t.isEmpty { return nil }
        if t.lowercased() == "now" { return .now }
        if t.contains(":") {
            // npt-hhmmss: h:mm:ss[.fraction]
            let parts = t.split(separator: ":")
            guard parts.count == 3, let h = Double(parts[0]), let m = Double(parts[1]), let s = Double(parts[2]),
                  h >= 0, h < 1e8, m >= 0, m < 60, s >= 0, s < 60 else { throw RTSPHeaderError("invalid npt time") }
            return .seconds(h * 3600 + m * 60 + s)
        }
        guard t.utf8.count <= 24, let seconds = Double(t), seconds >= 0, seconds < 1e12 else {
            throw RTSPHeaderError("invalid npt time")
        }
        return .seconds(seconds)
    }

    public var headerValue: String {
        switch self {
        case .other(let text): return text
        case .npt(let start, let end):
            func format(_ time: NPTTime?) -> String {
                switch time {
                case nil: ""
                case .now: "now"
                case .seconds(let s) where !(s >= 0 && s < 1e12): "0.000"
                case .seconds(let s):
                    {
                        let ms = Int64((s * 1000).rounded())
                        return "\(ms / 1000)." + String(String(ms % 1000 + 1000).dropFirst())
                    }()
                }
            }
            return "npt=\(format(start))-\(format(end))"
        }
    }
}
