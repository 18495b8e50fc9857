import RTCBase

/// An RTP packet (RFC 3550 §5.1) kept as its received bytes plus the parsed header fields.
/// The payload is a range into `bytes`, so parsing copies nothing.
public struct RTPPacket: Sendable, Equatable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    public var csrcs: [UInt32]
    /// RFC 8285 header extension block (profile 0xBEDE one-byte or 0x100x two-byte), raw.
    public var headerExtension: RTPHeaderExtension?
    /// Whole packet as received (or as serialized).
    public internal(set) var bytes: [UInt8]
    /// Where the payload lies in `bytes` (padding excluded).
    public internal(set) var payloadRange: Range<Int>

    public var payload: ArraySlice<UInt8> { bytes[payloadRange] }
    public var headerLength: Int { payloadRange.lowerBound }

    public enum ParseError: Error, Equatable {
        case tooShort, badVersion, badCSRCCount, badExtensionLength, badPadding
    }

    /// Parses an RTP packet. Throws on anything malformed; never traps.
    public init(parsing bytes: [UInt8]) throws(ParseError) {
        guard bytes.count >= 12 else { throw .tooShort }
        let b0 = bytes[0], b1 = bytes[1]
        guard b0 >> 6 == 2 else { throw .badVersion }
        let hasPadding = b0 & 0x20 != 0
        let hasExtension = b0 & 0x10 != 0
        let csrcCount = Int(b0 & 0x0f)
        marker = b1 & 0x80 != 0
        payloadType = b1 & 0x7f
        sequenceNumber = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        timestamp = UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
        ssrc = UInt32(bytes[8]) << 24 | UInt32(bytes[9]) << 16 | UInt32(bytes[10]) << 8 | UInt32(bytes[11])
        var offset = 12
        guard bytes.count >= offset + 4 * csrcCount else { throw .badCSRCCount }
        var csrcs: [UInt32] = []
        if csrcCount > 0 {
            csrcs.reserveCapacity(csrcCount)
            for i in 0..<csrcCount {
                let o = offset + 4 * i
                csrcs.append(UInt32(bytes[o]) << 24 | UInt32(bytes[o + 1]) << 16 | UInt32(bytes[o + 2]) << 8 | UInt32(bytes[o + 3]))
            }
        }
        self.csrcs = csrcs
        offset += 4 * csrcCount
        if hasExtension {
            guard bytes.count >= offset + 4 else { throw .badExtensionLength }
            let profile = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
            let words = Int(UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3]))
            let end = offset + 4 + 4 * words
            guard bytes.count >= end else { throw .badExtensionLength }
            headerExtension = RTPHeaderExtension(profile: profile, data: Array(bytes[(offset + 4)..<end]))
            offset = end
        } else {
            headerExtension = nil
        }
        var end = bytes.count
        if hasPadding {
            guard let last = bytes.last, last > 0, end - Int(last) >= offset else { throw .badPadding }
            end -= Int(last)
        }
        self.bytes = bytes
        self.payloadRange = offset..<end
    }

    /// Builds a packet from fields and a payload (no padding).
    public init(payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
                marker: Bool, payload: some Collection<UInt8>, csrcs: [UInt32] = [],
                headerExtension: RTPHeaderExtension? = nil) {
        self.marker = marker
        self.payloadType = payloadType & 0x7f
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = Array(csrcs.prefix(15))
        self.headerExtension = headerExtension
        self.bytes = []
        self.payloadRange = 0..<0
        let serialized = RTPPacket.serialize(header: self, payload: payload)
        self.bytes = serialized.bytes
        self.payloadRange = serialized.payloadRange
    }

    /// Serializes the current header fields with the current payload.
    public func serialized() -> [UInt8] { RTPPacket.serialize(header: self, payload: payload).bytes }

    private static func serialize(header p: RTPPacket, payload: some Collection<UInt8>) -> (bytes: [UInt8], payloadRange: Range<Int>) {
        var out: [UInt8] = []
        let extLength = p.headerExtension.map { 4 + min(($0.data.count + 3) / 4, Int(UInt16.max)) * 4 } ?? 0
        out.reserveCapacity(12 + 4 * p.csrcs.count + extLength + payload.count)
        out.append(0x80 | (p.headerExtension != nil ? 0x10 : 0) | UInt8(p.csrcs.count))
        out.append((p.marker ? 0x80 : 0) | p.payloadType)
        out.appendUInt16(p.sequenceNumber)
        out.appendUInt32(p.timestamp)
        out.appendUInt32(p.ssrc)
        for c in p.csrcs { out.appendUInt32(c) }
        if let ext = p.headerExtension {
            // The 16-bit length counts 32-bit words: longer data is cut so header and data agree.
            let words = min((ext.data.count + 3) / 4, Int(UInt16.max))
            let data = ext.data.prefix(words * 4)
            out.appendUInt16(ext.profile)
            out.appendUInt16(UInt16(words))
            out.append(contentsOf: data)
            out.append(contentsOf: repeatElement(0, count: words * 4 - data.count))
        }
        let start = out.count
        out.append(contentsOf: payload)
        return (out, start..<out.count)
    }

    /// RFC 5761 §4: in a muxed stream, second byte 192–223 (PT 64–95 with marker) is RTCP.
    public static func looksLikeRTCP(_ bytes: some Collection<UInt8>) -> Bool {
        guard bytes.count >= 2 else { return false }
        let second = bytes[bytes.index(after: bytes.startIndex)]
        return second >= 192 && second <= 223
    }
}

extension RTPPacket.ParseError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .tooShort: "RTP packet shorter than the 12-byte fixed header"
        case .badVersion: "RTP version is not 2"
        case .badCSRCCount: "RTP CSRC list runs past the end of the packet"
        case .badExtensionLength: "RTP header extension runs past the end of the packet"
        case .badPadding: "RTP padding count is zero or exceeds the payload"
        }
    }
}

/// Raw RTP header extension block (RFC 3550 §5.3.1 / RFC 8285).
public struct RTPHeaderExtension: Sendable, Equatable {
    public var profile: UInt16
    public var data: [UInt8]
    public init(profile: UInt16, data: [UInt8]) { self.profile = profile; self.data = data }
}
