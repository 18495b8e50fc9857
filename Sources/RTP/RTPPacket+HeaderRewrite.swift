import RTCBase

/// Header writes for the forwarding hot path (RFC 3550 §5.1 fixed header): no parsing, no
/// allocation beyond the caller's buffer.
extension RTPPacket {
    /// Size of the fixed header without CSRCs or extension.
    public static let fixedHeaderLength = 12

    /// Writes a 12-byte header (V=2, no padding, extension or CSRCs) at the start of `buffer`.
    /// Returns the bytes written: 12, or 0 when the buffer is shorter than that.
    @inlinable
    public static func writeHeader(into buffer: UnsafeMutableRawBufferPointer, payloadType: UInt8, marker: Bool,
                                   sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32) -> Int {
        guard buffer.count >= 12 else { return 0 }
        buffer[0] = 0x80
        buffer[1] = (marker ? 0x80 : 0) | (payloadType & 0x7F)
        buffer.storeBytes(of: sequenceNumber.bigEndian, toByteOffset: 2, as: UInt16.self)
        buffer.storeBytes(of: timestamp.bigEndian, toByteOffset: 4, as: UInt32.self)
        buffer.storeBytes(of: ssrc.bigEndian, toByteOffset: 8, as: UInt32.self)
        return 12
    }

    /// Appends a 12-byte header (V=2, no padding, extension or CSRCs) to `bytes`.
    @inlinable
    public static func appendHeader(to bytes: inout [UInt8], payloadType: UInt8, marker: Bool,
                                    sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32) {
        bytes.append(0x80)
        bytes.append((marker ? 0x80 : 0) | (payloadType & 0x7F))
        bytes.appendUInt16(sequenceNumber)
        bytes.appendUInt32(timestamp)
        bytes.appendUInt32(ssrc)
    }

    /// Rewrites payload type, marker, sequence number, timestamp and SSRC of a serialized RTP
    /// packet in place, keeping its version, padding, extension bit, CSRCs and extension.
    /// Returns false (and leaves `bytes` alone) when it is shorter than 12 bytes or not version 2.
    @inlinable
    public static func rewriteHeader(_ bytes: inout [UInt8], payloadType: UInt8, marker: Bool,
                                     sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32) -> Bool {
        guard bytes.count >= 12, bytes[0] >> 6 == 2 else { return false }
        bytes.withUnsafeMutableBytes { buffer in
            let first = buffer[0]
            _ = writeHeader(into: buffer, payloadType: payloadType, marker: marker,
                            sequenceNumber: sequenceNumber, timestamp: timestamp, ssrc: ssrc)
            buffer[0] = first
        }
        return true
    }

    /// Rewrites this packet's header fields and its bytes together (pass-through forwarding:
    /// new SSRC, payload type and offset sequence/timestamp), keeping CSRCs, extension and payload.
    public mutating func rewriteHeader(payloadType: UInt8, marker: Bool, sequenceNumber: UInt16,
                                       timestamp: UInt32, ssrc: UInt32) {
        self.payloadType = payloadType & 0x7F
        self.marker = marker
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        _ = Self.rewriteHeader(&bytes, payloadType: payloadType, marker: marker,
                               sequenceNumber: sequenceNumber, timestamp: timestamp, ssrc: ssrc)
    }
}
