/// How a set of named path definitions changes into another (a config reload, an API call):
/// names only in the new set are `added`, only in the old one `removed`, in both with a different
/// definition `changed`, with an equal one `unchanged`. Pure and sans-IO; each list is sorted by
/// name. The definition is whatever the caller compares (a source and its outputs).
public struct PathSetDiff<Definition: Equatable>: Equatable {
    public var added: [String] = []
    public var removed: [String] = []
    public var changed: [String] = []
    public var unchanged: [String] = []

    /// Compares `old` with `new`; a name given twice in one set counts with its last definition.
    public init(old: [(name: String, definition: Definition)], new: [(name: String, definition: Definition)]) {
        var before: [String: Definition] = [:], after: [String: Definition] = [:]
        for (name, definition) in old { before[name] = definition }
        for (name, definition) in new { after[name] = definition }
        for (name, definition) in after {
            if let previous = before[name] {
                if previous == definition { unchanged.append(name) } else { changed.append(name) }
            } else {
                added.append(name)
            }
        }
        removed = before.keys.filter { after[$0] == nil }
        added.sort()
        removed.sort()
        changed.sort()
        unchanged.sort()
    }

    /// Nothing to do.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
}

/// Throws `RoutingError.invalidPathName` unless `name` may name a path (checked before anything
/// is started for a path added at run time).
public func validatePathName(_ name: String) throws(RoutingError) {
    try PathName.validate(name)
}
