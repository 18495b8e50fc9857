/// RFC 4571 framing for ICE-TCP (RFC 6544 §3): each STUN, DTLS, SRTP or SRTCP packet on the TCP
/// connection is preceded by its length as a 16-bit big-endian number. Sans-IO: append what the
/// connection read, take whole frames out. A frame longer than `maxFrameBytes` (or an empty one)
/// is a protocol error: the connection is to be closed, since the stream cannot be resynchronised.
/// At most `maxFrameBytes + 2` bytes are ever buffered.
public struct ICETCPFramer: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        /// A frame announced `length` bytes: zero or more than the cap.
        case badLength(Int)
    }

    public let maxFrameBytes: Int
    private var buffer: [UInt8] = []

    /// The largest cap RFC 4571's 16-bit length allows.
    public static let largestFrame = 65535

    /// `maxFrameBytes` is clamped to 1...65535.
    public init(maxFrameBytes: Int) {
        self.maxFrameBytes = min(max(1, maxFrameBytes), Self.largestFrame)
    }

    /// Bytes held waiting for the rest of a frame.
    public var bufferedBytes: Int { buffer.count }

    /// Adds bytes read from the connection and returns the frames now complete, in order. Throws
    /// on a bad length (frames before it are lost with the connection).
    public mutating func append(_ bytes: some Collection<UInt8>) throws(Failure) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var input = bytes[...]
        while !input.isEmpty {
            // Only as much as completes the current header or frame: the buffer stays within the cap.
            let needed = neededBytes()
            let take = input.prefix(needed)
            buffer.append(contentsOf: take)
            input = input.dropFirst(take.count)
            if let frame = try nextFrame() { frames.append(frame) }
        }
        return frames
    }

    /// Bytes still missing for the header, or for the frame it announces.
    private func neededBytes() -> Int {
        let held = buffer.count
        guard held >= 2 else { return 2 - held }
        return 2 + announcedLength() - held
    }

    private func announcedLength() -> Int {
        Int(buffer[0]) << 8 | Int(buffer[1])
    }

    private mutating func nextFrame() throws(Failure) -> [UInt8]? {
        guard buffer.count >= 2 else { return nil }
        let length = announcedLength()
        guard length > 0, length <= maxFrameBytes else { throw .badLength(length) }
        guard buffer.count >= 2 + length else { return nil }
        let frame = Array(buffer[2...])
        buffer.removeAll(keepingCapacity: true)
        return frame
    }

    /// `payload` with its RFC 4571 length in front; nil when it is empty or longer than 65535 bytes.
    public static func frame(_ payload: some Collection<UInt8>) -> [UInt8]? {
        guard !payload.isEmpty, payload.count <= largestFrame else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 2)
        out.append(UInt8(truncatingIfNeeded: payload.count >> 8))
        out.append(UInt8(truncatingIfNeeded: payload.count))
        out.append(contentsOf: payload)
        return out
    }
}
