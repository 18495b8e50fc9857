/// RTSP 1.0 (RFC 2326, with RFC 7826 awareness): message codec, interleaved framing and the
/// client and server session machines, sans-IO (house plan §1).
public enum RTSP {
    /// The protocol version string used on the wire.
    public static let version = "RTSP/1.0"
}
