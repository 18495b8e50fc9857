import RTCBase
import Synchronization

/// The transport's NAT-traversal state, apart from the UDP routing table: the STUN client for the
/// server-reflexive candidate and the ICE-TCP connections (by their remote address). Touched only
/// on the unrouted path (STUN answers), per control packet when TCP links exist, and on TCP
/// connection changes; never on the UDP media path.
final class WebRTCTraversal: Sendable {
    let reflexive = Mutex<ServerReflexiveDriver?>(nil)
    let tcpListener = Mutex<WebRTCTCPListener?>(nil)
    let tcpLinks = Mutex<[TransportAddress: WebRTCTCPConnection]>([:])
    /// How many TCP links exist: zero spares the UDP path the lock.
    let tcpLinkCount = Atomic<Int>(0)
    /// The bound ICE-TCP port, for the `tcptype passive` candidate.
    let tcpPort = Mutex<Int?>(nil)
}
