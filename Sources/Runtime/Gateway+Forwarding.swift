// Plain RTP/UDP egress of a path (issue #3). Being written; `ForwardSpec(parsing:)` rejects
// everything until then, so no configuration can reach an unfinished output.

/// Where a path is sent as plain RTP.
public struct ForwardSpec: Sendable, Equatable {
    public init(parsing text: String) throws {
        throw SourceError.unusable("--forward is not available yet ('\(text)')")
    }
}

extension Gateway {
    func startForward(path: String, spec: ForwardSpec) async throws {}
}
