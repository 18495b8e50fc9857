/// One item read from an RTSP TCP stream.
public enum RTSPStreamItem: Sendable, Equatable {
    case request(RTSPRequest)
    case response(RTSPResponse)
    /// Interleaved binary data (RFC 2326 §10.12): `$`, channel, 16-bit length, payload.
    case interleaved(channel: UInt8, payload: [UInt8])
}
