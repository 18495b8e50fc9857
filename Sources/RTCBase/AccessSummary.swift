/// Startup-log phrasing of who may use which paths (never a secret), shared by the listeners.
public enum AccessSummary {
    /// `what` and the requirement most paths share, then the exceptions, e.g.
    /// "read open (except cam requires token)"; "read: no paths" when there are none.
    public static func line(_ what: String, paths: [String], requirement: (String) -> String) -> String {
        guard !paths.isEmpty else { return "\(what): no paths" }
        var groups: [String: [String]] = [:]
        for name in paths.sorted() { groups[requirement(name), default: []].append(name) }
        let common = groups.max { $0.value.count < $1.value.count || ($0.value.count == $1.value.count && $0.key > $1.key) }?.key ?? ""
        let others = groups.filter { $0.key != common }.sorted { $0.key < $1.key }
            .map { "\($0.value.joined(separator: ", ")) \($0.key)" }
        return "\(what) \(common)" + (others.isEmpty ? "" : " (except \(others.joined(separator: "; ")))")
    }
}
