/// Errors starting a source (or setting up a forward or recording): a spec or media description
/// that cannot be used. Here, below the adapters, so every adapter target can throw it.
public enum SourceError: Error, CustomStringConvertible {
    case unusable(String)
    public var description: String {
        switch self { case .unusable(let reason): return reason }
    }
}
