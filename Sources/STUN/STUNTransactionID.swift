import RTCBase

/// The 96-bit transaction id of a STUN message (RFC 8489 §6), stored inline (no allocation).
public struct STUNTransactionID: Sendable, Hashable, CustomStringConvertible {
    /// Bytes 0–3 of the id.
    public var high: UInt32
    /// Bytes 4–11 of the id.
    public var low: UInt64

    public init(high: UInt32, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// From exactly 12 bytes; nil for any other count.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 12 else { return nil }
        var high: UInt32 = 0
        var low: UInt64 = 0
        for (i, byte) in bytes.enumerated() {
            if i < 4 { high = high << 8 | UInt32(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// A fresh id from the system CSPRNG (RFC 8489 §6: "uniformly and randomly chosen").
    public static func random() -> STUNTransactionID {
        var generator = SystemRandomNumberGenerator()
        return STUNTransactionID(high: generator.next(), low: generator.next())
    }

    /// The 12 bytes in network order.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(12)
        append(to: &out)
        return out
    }

    func append(to out: inout [UInt8]) {
        out.appendUInt32(high)
        out.appendUInt64(low)
    }

    public var description: String { bytes.hexString }
}
