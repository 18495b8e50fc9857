import ICE
import SDP

/// What a PATCH on a session resource amounts to (RFC 9725 §4.3, RFC 8840). The runtime maps
/// each case to an HTTP answer and, for `.restart`, restarts ICE on the session.
public enum WHIPPatchDecision: Sendable, Equatable {
    /// No resource with that id under that path and role: 404.
    case unknownSession
    /// No `If-Match`: 428.
    case preconditionRequired
    /// `If-Match` is neither `*` nor the current ETag: 412.
    case preconditionFailed
    /// A fragment with only one of `a=ice-ufrag` / `a=ice-pwd`: 400.
    case badRequest(String)
    /// Trickled candidates (or end-of-candidates) under the current credentials: 204 with the ETag.
    case trickle(etag: String)
    /// New remote credentials: an ICE restart, answered 200 with `answer` and the new ETag.
    case restart(WHIPRestart)
}

/// An ICE restart decided by a PATCH; the table has already recorded `remote` and `etag`.
public struct WHIPRestart: Sendable, Equatable {
    /// The gateway's new credentials (passed in by the caller, who generated them).
    public let local: ICECredentials
    /// The peer's new credentials from the PATCH fragment.
    public let remote: ICECredentials
    /// The resource's new entity tag; the previous one now fails with 412.
    public let etag: String
    /// The `application/trickle-ice-sdpfrag` answer: ICE-lite, the new local credentials, and per
    /// section of the request (by mid) the gateway's candidates and end-of-candidates.
    public let answer: TrickleFragment
}
