import RTCBase

/// Receiver estimated maximum bitrate, an application-layer feedback message (PT 206 FMT 15)
/// identified by the "REMB" tag (draft-alvestrand-rmcat-remb-03 §2.2).
public struct RTCPREMB: Sendable, Equatable {
    public var senderSSRC: UInt32
    /// Estimated total bitrate in bits per second. Encoded as an 18-bit mantissa and a 6-bit
    /// exponent, so values above 2^18 lose their low bits; wire values beyond 64 bits saturate.
    public var bitrate: UInt64
    /// The media sources this estimate applies to (at most 255 are written).
    public var ssrcs: [UInt32]

    public init(senderSSRC: UInt32, bitrate: UInt64, ssrcs: [UInt32]) {
        self.senderSSRC = senderSSRC
        self.bitrate = bitrate
        self.ssrcs = ssrcs
    }

    static let format: UInt8 = 15
    /// "REMB" in ASCII.
    static let identifier: UInt32 = 0x5245_4D42

    /// True when an application-layer feedback body carries the REMB tag.
    static func matches(body: ArraySlice<UInt8>) -> Bool {
        var reader = ByteReader(body)
        do {
            try reader.skip(8)
            return try reader.readUInt32() == identifier
        } catch {
            return false
        }
    }

    static func parse(body: ArraySlice<UInt8>, limits: RTCPLimits) throws(RTCPParseError) -> RTCPREMB {
        var reader = ByteReader(body)
        let sender = try reader.rtcpUInt32()
        _ = try reader.rtcpUInt32()  // media source SSRC: always 0 for REMB
        guard try reader.rtcpUInt32() == identifier else { throw .invalidField("REMB identifier missing") }
        let ssrcCount = Int(try reader.rtcpUInt8())
        guard ssrcCount <= limits.maxREMBSSRCs else { throw .limitExceeded(.rembSSRCs, cap: limits.maxREMBSSRCs) }
        let packed = try reader.rtcpUInt24()
        let exponent = UInt64(packed >> 18)
        let mantissa = UInt64(packed & 0x3_FFFF)
        // 18-bit mantissa with a 6-bit exponent can exceed 64 bits: saturate ("no limit").
        let shifted = mantissa << exponent
        let bitrate = shifted >> exponent == mantissa ? shifted : UInt64.max
        var ssrcs: [UInt32] = []
        ssrcs.reserveCapacity(ssrcCount)
        for _ in 0..<ssrcCount { ssrcs.append(try reader.rtcpUInt32()) }
        return RTCPREMB(senderSSRC: sender, bitrate: bitrate, ssrcs: ssrcs)
    }

    /// The (exponent, mantissa) pair written for `bitrate`: the smallest exponent whose
    /// mantissa fits in 18 bits (low bits are truncated).
    var encodedBitrate: (exponent: UInt8, mantissa: UInt32) {
        var mantissa = bitrate
        var exponent: UInt8 = 0
        while mantissa > 0x3_FFFF {
            mantissa >>= 1
            exponent += 1
        }
        return (exponent, UInt32(truncatingIfNeeded: mantissa))
    }

    func write(into out: inout [UInt8]) {
        let listed = ssrcs.prefix(255)
        let (exponent, mantissa) = encodedBitrate
        let start = RTCPWriter.beginPacket(&out, count: Self.format, packetType: RTCPPacket.payloadFeedbackType)
        out.appendUInt32(senderSSRC)
        out.appendUInt32(0)
        out.appendUInt32(Self.identifier)
        out.append(UInt8(listed.count))
        out.appendUInt24(UInt32(exponent) << 18 | mantissa)
        for ssrc in listed { out.appendUInt32(ssrc) }
        RTCPWriter.finishPacket(&out, start: start)
    }
}
