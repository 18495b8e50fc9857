import RTCBase

extension ICEAgent {
    /// May media and DTLS from `address` be accepted: a check of ours to it succeeded (the pair is
    /// valid, RFC 8445 §7.2.5.3) or it is the selected pair's remote; never after consent failed.
    public func isValidated(_ address: TransportAddress) -> Bool {
        guard state != .failed else { return false }
        if selectedPair?.remote.address == address { return true }
        return pairs.contains { $0.state == .succeeded && $0.remote.address == address }
    }
}
