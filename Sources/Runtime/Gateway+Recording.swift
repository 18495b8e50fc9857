// Recording of a path to files (issue #3). Being written; `RecordSpec(parsing:)` rejects
// everything until then, so no configuration can reach an unfinished output.

/// Where and how a path is recorded.
public struct RecordSpec: Sendable, Equatable {
    public init(parsing text: String) throws {
        throw SourceError.unusable("--record is not available yet ('\(text)')")
    }
}

extension Gateway {
    func startRecording(path: String, spec: RecordSpec) async throws {}
}
