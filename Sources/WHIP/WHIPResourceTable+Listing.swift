extension WHIPResourceTable {
    /// Every resource, in creation order (for an operator's listing or a path's removal).
    public var all: [WHIPResource<Payload>] { resources.values.sorted { $0.sequence < $1.sequence } }
}
