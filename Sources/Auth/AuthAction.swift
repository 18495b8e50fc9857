/// What a client asks to do on a path: watch it (WHEP, RTSP PLAY/DESCRIBE, the API) or publish
/// to it (WHIP, RTSP ANNOUNCE/RECORD).
public enum AuthAction: String, Sendable, Hashable, Codable {
    case read
    case publish
}
