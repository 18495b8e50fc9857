/// The `o=` line: `<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`
/// (RFC 8866 §5.2). Numeric fields are kept as text so that any value round-trips.
public struct SDPOrigin: Sendable, Equatable {
    public var username: String
    public var sessionID: String
    public var sessionVersion: String
    public var networkType: String
    public var addressType: String
    public var address: String

    public init(username: String = "-", sessionID: String, sessionVersion: String = "2",
                networkType: String = "IN", addressType: String = "IP4", address: String = "127.0.0.1") {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType
        self.address = address
    }

    /// JSEP form `- <sessionID> <version> IN IP4 127.0.0.1` (RFC 8829 §5.2.1).
    public init(sessionID: UInt64, sessionVersion: UInt64 = 2) {
        self.init(sessionID: String(sessionID), sessionVersion: String(sessionVersion))
    }

    public init?(lineValue: some StringProtocol) {
        let parts = lineValue.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 6 else { return nil }
        self.init(username: String(parts[0]), sessionID: String(parts[1]), sessionVersion: String(parts[2]),
                  networkType: String(parts[3]), addressType: String(parts[4]), address: String(parts[5]))
    }

    /// The text after `o=`.
    public var lineValue: String {
        [username, sessionID, sessionVersion, networkType, addressType, address].joined(separator: " ")
    }

    /// `sessionID` as a number when it fits in 64 bits.
    public var numericSessionID: UInt64? { SDPNumber.unsigned(sessionID, as: UInt64.self) }
}
