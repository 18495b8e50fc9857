import STUN

/// Splits a TURN-over-TCP byte stream (RFC 8656 §12.5: STUN messages and ChannelData padded to 4
/// bytes, back to back) into whole messages. A frame over `maxMessageSize`, or starting with a
/// byte that is neither STUN (0x00–0x3F) nor ChannelData (0x40–0x4F), breaks the stream for good
/// (`isBroken`): a stream cannot resynchronise, so the owner closes the connection.
public struct TURNStreamFramer: Sendable {
    public let maxMessageSize: Int
    public private(set) var isBroken = false
    /// Bytes received but not yet a whole message (at most `maxMessageSize`).
    public var bufferedCount: Int { buffer.count - start }

    var buffer: [UInt8] = []
    var start = 0

    public init(maxMessageSize: Int = 4096) {
        self.maxMessageSize = maxMessageSize
    }

    /// Appends stream bytes; returns the messages they complete, in order (ChannelData without its
    /// padding). Nothing once broken.
    public mutating func append(_ bytes: some Collection<UInt8>) -> [[UInt8]] {
        guard !isBroken else { return [] }
        buffer.append(contentsOf: bytes)
        var messages: [[UInt8]] = []
        while buffer.count - start >= 4 {
            let first = buffer[start]
            let length = Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
            let frame: Int
            let message: Int
            if first < 0x40 {
                frame = 20 + length
                message = frame
            } else if first < 0x50 {
                frame = 4 + ((length + 3) & ~3)
                message = 4 + length
            } else {
                return breakStream(messages)
            }
            guard frame <= maxMessageSize else { return breakStream(messages) }
            guard buffer.count - start >= frame else { break }
            messages.append(Array(buffer[start..<(start + message)]))
            start += frame
        }
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > maxMessageSize {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        return messages
    }

    mutating func breakStream(_ messages: [[UInt8]]) -> [[UInt8]] {
        isBroken = true
        buffer = []
        start = 0
        return messages
    }
}
