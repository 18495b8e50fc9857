/// Redacted text and reflection: the agent holds the local password (as the integrity key), which
/// must never reach a log line, a `dump`, or a test failure message (ARCHITECTURE §5).
extension ICELiteAgent: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        let selection = selectedAddress.map { "\($0)" } ?? "none"
        return "ICELiteAgent(local: \(local.ufrag), remote: \(remote?.ufrag ?? "?"), selected: \(selection), "
            + "validated: \(validated.count), consentExpired: \(isConsentExpired), dropped: \(droppedRequests))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: [
            "local": local as Any,
            "remote": remote as Any,
            "selectedAddress": selectedAddress as Any,
            "validatedAddresses": validated.map(\.address) as Any,
            "isConsentExpired": isConsentExpired as Any,
            "droppedRequests": droppedRequests as Any,
            "lastDropReason": lastDropReason as Any,
        ], displayStyle: .struct)
    }
}
