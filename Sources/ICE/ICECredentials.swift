import RTCBase

/// ICE username fragment and password (RFC 8445 §5.3, SDP syntax RFC 8839 §5.4).
/// `description`, `debugDescription` and the mirror (`dump`) redact the password, so it never
/// reaches a log line in full.
public struct ICECredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable {
    public var ufrag: String
    public var password: String

    public init(ufrag: String, password: String) {
        self.ufrag = ufrag
        self.password = password
    }

    /// Fresh credentials from the system CSPRNG: an 8-character ufrag and a 24-character password
    /// over the ICE character set (RFC 8839 §5.4 asks for at least 24 bits and 128 bits of randomness:
    /// 8 × 6 = 48 and 24 × 6 = 144 bits).
    public static func generate() -> ICECredentials {
        ICECredentials(ufrag: SecureRandom.iceString(8), password: SecureRandom.iceString(24))
    }

    /// The receiver's ufrag from a connectivity-check USERNAME "receiverUfrag:senderUfrag"
    /// (RFC 8445 §7.2.2): the part before the first colon. Nil without a colon or when empty.
    public static func localUfrag(fromUsername username: String) -> String? {
        guard let (local, _) = username.splitOnce(":"), !local.isEmpty else { return nil }
        return String(local)
    }

    /// The sender's ufrag: the part after the first colon. Nil without a colon or when empty.
    public static func remoteUfrag(fromUsername username: String) -> String? {
        guard let (_, remote) = username.splitOnce(":"), !remote.isEmpty else { return nil }
        return String(remote)
    }

    public var description: String { "ICECredentials(ufrag: \(ufrag), password: <redacted>)" }
    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["ufrag": ufrag, "password": "<redacted>"], displayStyle: .struct)
    }
}
