extension PathReader {
    /// Drains queued events in at most `batches` batches of `batchSize`, handing each batch to
    /// `handle`, which returns false to stop early (its owner closed). Returns true when a full
    /// batch was the last one taken, so more may be queued: the path wakes a reader only on
    /// empty → non-empty, so the owner must come back by itself (on its own event loop).
    public func drain(batches: Int = 16, batchSize: Int = 64, _ handle: ([ReaderEvent]) -> Bool) -> Bool {
        for _ in 0..<max(batches, 1) {
            let events = drain(max: batchSize)
            if events.isEmpty { return false }
            guard handle(events) else { return false }
            if events.count < batchSize { return false }
        }
        return true
    }
}
