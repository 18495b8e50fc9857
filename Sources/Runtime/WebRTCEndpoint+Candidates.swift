import ICE
import RTCBase
import SDP

extension WebRTCEndpoint {
    /// The candidates besides the UDP host ones: ICE-TCP passive and server-reflexive.
    func traversalCandidates() -> [SDPCandidate] {
        tcpCandidates() + serverReflexiveCandidates()
    }

    /// One `tcp … typ host tcptype passive` candidate per host address on the ICE-TCP port
    /// (RFC 6544 §4.5), below every UDP candidate: local preference 2^13 × 4 (passive) + rank.
    func tcpCandidates() -> [SDPCandidate] {
        guard let port = transport.boundTCPPort else { return [] }
        let first = configuration.hostAddresses.count + 2
        return configuration.hostAddresses.enumerated().map { index, host in
            SDPCandidate(foundation: "\(first + index)", transport: "tcp",
                         priority: ICECandidatePriority.priority(typePreference: ICECandidatePriority.hostTypePreference,
                                                                 localPreference: UInt16(clamping: (4 << 13) + max(0, 8191 - index))),
                         address: host.ip, port: UInt16(clamping: port),
                         extensions: [.init(key: "tcptype", value: "passive")])
        }
    }

    /// The `srflx` candidate (RFC 8445 §5.1.1.2) for the mapped address the STUN server reported,
    /// related to the first host candidate; none when it equals a host candidate (no NAT).
    func serverReflexiveCandidates() -> [SDPCandidate] {
        guard let mapped = transport.serverReflexiveAddress, let base = configuration.hostAddresses.first else { return [] }
        let isHost = configuration.hostAddresses.contains { host in
            TransportAddress(host: host.ip, port: UInt16(clamping: host.port(bound: configuration.udpPort))) == mapped
        }
        guard !isHost else { return [] }
        return [SDPCandidate(foundation: "\(configuration.hostAddresses.count + 1)",
                             priority: ICECandidatePriority.priority(typePreference: ICECandidatePriority.serverReflexiveTypePreference,
                                                                     localPreference: 65535),
                             address: mapped.host, port: mapped.port, type: "srflx",
                             relatedAddress: base.ip, relatedPort: UInt16(clamping: base.port(bound: configuration.udpPort)))]
    }
}
