import RTCBase

/// A TURN ChannelData message (RFC 8656 §12.4): channel number (0x4000–0x4FFF), length, data,
/// padded to 4 bytes over TCP (optional over UDP).
public struct TURNChannelData: Sendable, Hashable {
    /// Valid channel numbers (RFC 8656 §12).
    public static let channelRange: ClosedRange<UInt16> = 0x4000...0x4fff
    public static let headerSize = 4

    public var channel: UInt16
    public var data: ArraySlice<UInt8>

    public init(channel: UInt16, data: ArraySlice<UInt8>) {
        self.channel = channel
        self.data = data
    }

    /// True when the first byte marks a ChannelData message (0x40–0x4F, RFC 8656 §12; RFC 7983).
    public static func isChannelData(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first else { return false }
        return first >= 0x40 && first <= 0x4f
    }

    /// Parses one message from a datagram: the declared length must fit (padding after it is
    /// ignored), and be at most `maxDataLength`. Nil for anything else.
    public init?(parsing bytes: ArraySlice<UInt8>, maxDataLength: Int) {
        var reader = ByteReader(bytes)
        guard let channel = try? reader.readUInt16(), Self.channelRange.contains(channel),
              let length = try? reader.readUInt16(), Int(length) <= maxDataLength,
              let data = try? reader.readBytes(Int(length)), reader.remaining <= 3 else { return nil }
        self.init(channel: channel, data: data)
    }

    /// The wire bytes; `padded` rounds up to 4 bytes (required over TCP). Nil when the data
    /// exceeds 65535 bytes.
    public func encoded(padded: Bool = false) -> [UInt8]? {
        guard let length = UInt16(exactly: data.count) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerSize + data.count + 3)
        out.appendUInt16(channel)
        out.appendUInt16(length)
        out.append(contentsOf: data)
        if padded { out.append(contentsOf: repeatElement(0, count: STUNFraming.padded(data.count) - data.count)) }
        return out
    }
}
