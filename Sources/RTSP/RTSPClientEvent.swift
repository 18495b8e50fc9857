import RTCBase
import SDP

/// What a client session reports.
public enum RTSPClientEvent: Sendable, Equatable {
    /// Close the current connection (if any), open one to `url.host`:`url.effectivePort`, then call
    /// `start(now:)` again. Sent for redirects and for the UDP → TCP fallback.
    case reconnect(RTSPURL)
    case described(SessionDescription, tracks: [RTSPTrack])
    /// Bind an RTP/RTCP UDP pair for `track` and answer with `providePorts(track:rtp:rtcp:now:)`.
    case needUDPPorts(track: Int)
    case playing(RTSPPlayback)
    /// One RTP packet received interleaved.
    case rtp(track: Int, payload: [UInt8])
    /// One RTCP compound packet received interleaved.
    case rtcp(track: Int, payload: [UInt8])
    /// TEARDOWN done (or timed out): close the connection.
    case closed
    /// Terminal: close the connection; retry with a new session after a backoff if wanted.
    case failed(RTSPClientError)
}

/// What the runtime must do next for a client session.
public enum RTSPClientOutput: Sendable, Equatable {
    /// Write `request.serialized()` to the connection.
    case send(RTSPRequest)
    /// Write a response to a request the server sent us.
    case sendResponse(RTSPResponse)
    case event(RTSPClientEvent)
    /// Nothing more to do: call `handleTimeout(now:)` at this instant (`.distantFuture` = never).
    case timeout(Instant)
}
