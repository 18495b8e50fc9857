import RTCBase

/// RTSP 1.0 (RFC 2326, with RFC 7826 awareness): message codec, interleaved framing and the
/// client and server session machines, sans-IO (house plan §1).
public enum RTSP {
    /// The protocol version string used on the wire.
    public static let version = "RTSP/1.0"

    /// The default TCP port for `rtsp://` URLs (RFC 2326 §3.2).
    public static let defaultPort: UInt16 = 554

    /// Frames `payload` as interleaved binary data (RFC 2326 §10.12): `$`, channel, 16-bit length.
    /// Nil when the payload is longer than 65535 bytes.
    public static func interleavedFrame(channel: UInt8, payload: some Collection<UInt8>) -> [UInt8]? {
        guard let length = UInt16(exactly: payload.count) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(4 + payload.count)
        out.append(0x24)
        out.append(channel)
        out.appendUInt16(length)
        out.append(contentsOf: payload)
        return out
    }
}
