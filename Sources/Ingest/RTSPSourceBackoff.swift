import RTCBase

/// The RTSP source's reconnection delays: the shared `ReconnectBackoff` (RTCBase), also used by
/// the WHIP/WHEP clients.
public typealias RTSPSourceBackoff = ReconnectBackoff
