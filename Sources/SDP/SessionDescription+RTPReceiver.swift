/// Session descriptions for receivers of plain RTP (RFC 8866 §5, RTP/AVP of RFC 3551): the file
/// that `ffplay x.sdp`, `ffmpeg -i x.sdp` or VLC opens to listen for a stream sent to it.
extension SessionDescription {
    /// One RTP stream in a receiver SDP: an `m=` section with one payload type.
    public struct RTPReceiverMedia: Sendable, Equatable {
        public var kind: MediaKind
        /// The UDP port the receiver listens on for RTP.
        public var port: UInt16
        /// The receiver's RTCP port; written as `a=rtcp` (RFC 3605) only when it is not `port + 1`.
        public var rtcpPort: UInt16?
        public var rtpMap: RTPMap
        /// The `a=fmtp` value after the payload type (e.g. `packetization-mode=1;profile-level-id=42e01f`).
        public var formatParameters: String?

        public init(kind: MediaKind, port: UInt16, rtcpPort: UInt16? = nil, rtpMap: RTPMap, formatParameters: String? = nil) {
            self.kind = kind
            self.port = port
            self.rtcpPort = rtcpPort
            self.rtpMap = rtpMap
            self.formatParameters = formatParameters
        }
    }

    /// A send-only description of streams sent to `address` (an IPv4 or IPv6 literal):
    /// `c=IN IP4 <address>[/ttl]` (RFC 8866 §5.7: the TTL suffix is for IPv4 multicast only and is
    /// left out otherwise), `t=0 0`, and per stream `m=`, `a=rtpmap`, `a=fmtp`, `a=rtcp` when RTCP
    /// is not on port + 1, and `a=sendonly`. The origin is `- <sessionID> <version> IN IP4 127.0.0.1`
    /// (or `IN IP6 ::1`): the sender is not reachable at a fixed address, and receivers ignore it.
    public static func rtpReceiver(sessionName: String, address: String, multicastTTL: Int? = nil,
                                   sessionID: UInt64, version: UInt64, media: [RTPReceiverMedia]) -> SessionDescription {
        let isIPv6 = address.contains(":")
        let addressType = isIPv6 ? "IP6" : "IP4"
        var connection = "IN \(addressType) \(address)"
        if !isIPv6, let multicastTTL { connection += "/\(multicastTTL)" }
        let origin = SDPOrigin(sessionID: String(sessionID), sessionVersion: String(version),
                               addressType: addressType, address: isIPv6 ? "::1" : "127.0.0.1")
        let sections = media.map { stream in
            var attributes = [SDPAttribute("rtpmap", stream.rtpMap.attributeValue)]
            if let parameters = stream.formatParameters, !parameters.isEmpty {
                attributes.append(SDPAttribute("fmtp", "\(stream.rtpMap.payloadType) \(parameters)"))
            }
            if let rtcpPort = stream.rtcpPort, Int(rtcpPort) != Int(stream.port) + 1 {
                attributes.append(SDPAttribute("rtcp", String(rtcpPort)))
            }
            attributes.append(SDPAttribute("sendonly"))
            return MediaDescription(kind: stream.kind, port: stream.port, proto: "RTP/AVP",
                                    formats: [String(stream.rtpMap.payloadType)], attributes: attributes)
        }
        return SessionDescription(origin: origin, sessionName: sessionName, connection: connection, media: sections)
    }
}
