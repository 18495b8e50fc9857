/// Why a session resource table refused a new resource; the runtime answers 503 with `description`.
public enum WHIPCreateRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The table already holds `limit` resources.
    case full(limit: Int)
    /// The client already holds `limit` resources.
    case clientQuota(limit: Int)
    /// A resource with this id exists (ids come from a CSPRNG, so this means a caller bug).
    case duplicateID

    public var description: String {
        switch self {
        case .full(let limit): return "too many sessions (\(limit))"
        case .clientQuota(let limit): return "too many sessions from this client (\(limit))"
        case .duplicateID: return "session id already in use"
        }
    }
}
