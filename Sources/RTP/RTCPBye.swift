import RTCBase

/// Goodbye, packet type 203 (RFC 3550 §6.6).
public struct RTCPBye: Sendable, Equatable {
    /// Sources leaving; more than 31 are split over several BYE packets (the reason goes in the last).
    public var ssrcs: [UInt32]
    /// Optional reason for leaving (at most 255 UTF-8 bytes, whole scalars, are written).
    public var reason: String?

    public init(ssrcs: [UInt32], reason: String? = nil) {
        self.ssrcs = ssrcs
        self.reason = reason
    }

    static let packetType: UInt8 = 203

    static func parse(count: UInt8, body: ArraySlice<UInt8>, limits: RTCPLimits) throws(RTCPParseError) -> RTCPBye {
        let ssrcCount = Int(count)
        guard ssrcCount <= limits.maxBYESSRCs else { throw .limitExceeded(.byeSSRCs, cap: limits.maxBYESSRCs) }
        var reader = ByteReader(body)
        var ssrcs: [UInt32] = []
        ssrcs.reserveCapacity(ssrcCount)
        for _ in 0..<ssrcCount { ssrcs.append(try reader.rtcpUInt32()) }
        var reason: String?
        if !reader.isAtEnd {
            let length = Int(try reader.rtcpUInt8())
            // A zero length octet followed only by zero padding is "no reason".
            if length > 0 { reason = String(decoding: try reader.rtcpBytes(length), as: UTF8.self) }
        }
        return RTCPBye(ssrcs: ssrcs, reason: reason)
    }

    func write(into out: inout [UInt8]) {
        var rest = ssrcs[...]
        repeat {
            let batch = rest.prefix(RTCPWriter.maxCount)
            rest = rest.dropFirst(RTCPWriter.maxCount)
            let start = RTCPWriter.beginPacket(&out, count: UInt8(batch.count), packetType: Self.packetType)
            for ssrc in batch { out.appendUInt32(ssrc) }
            if rest.isEmpty, let reason { RTCPWriter.appendText(reason, to: &out) }
            RTCPWriter.finishPacket(&out, start: start)
        } while !rest.isEmpty
    }
}
