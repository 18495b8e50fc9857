import RTCBase

/// Why an RTCP compound packet (RFC 3550 §6.1) was rejected.
public enum RTCPParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configured cap from `RTCPLimits` that the input exceeded.
    public enum Limit: String, Sendable {
        case packetsPerCompound, reportBlocks, sourceDescriptionChunks, sourceDescriptionItems
        case byeSSRCs, nackItems, firEntries, rembSSRCs, twccStatuses
    }

    /// The input (or one packet's body) ends before a field its layout requires.
    case truncated
    /// The version field is not 2.
    case badVersion(UInt8)
    /// A packet's length field points past the end of the datagram.
    case lengthPastEnd(declared: Int, available: Int)
    /// The padding bit is set but the padding count is zero or larger than the packet.
    case badPadding
    /// A count or size on the wire exceeds the configured cap.
    case limitExceeded(Limit, cap: Int)
    /// A field holds a value its specification forbids.
    case invalidField(String)

    public var description: String {
        switch self {
        case .truncated: "RTCP packet truncated"
        case .badVersion(let v): "RTCP version \(v), expected 2"
        case .lengthPastEnd(let declared, let available):
            "RTCP length field claims \(declared) bytes but only \(available) remain"
        case .badPadding: "RTCP padding count is zero or exceeds the packet"
        case .limitExceeded(let limit, let cap): "RTCP \(limit.rawValue) exceeds cap of \(cap)"
        case .invalidField(let what): "RTCP invalid field: \(what)"
        }
    }
}

/// Reads that turn `TruncatedInput` into `RTCPParseError.truncated`.
extension ByteReader {
    mutating func rtcpUInt8() throws(RTCPParseError) -> UInt8 {
        do { return try readUInt8() } catch { throw .truncated }
    }
    mutating func rtcpUInt16() throws(RTCPParseError) -> UInt16 {
        do { return try readUInt16() } catch { throw .truncated }
    }
    mutating func rtcpUInt24() throws(RTCPParseError) -> UInt32 {
        do { return try readUInt24() } catch { throw .truncated }
    }
    mutating func rtcpUInt32() throws(RTCPParseError) -> UInt32 {
        do { return try readUInt32() } catch { throw .truncated }
    }
    mutating func rtcpUInt64() throws(RTCPParseError) -> UInt64 {
        do { return try readUInt64() } catch { throw .truncated }
    }
    mutating func rtcpBytes(_ count: Int) throws(RTCPParseError) -> ArraySlice<UInt8> {
        do { return try readBytes(count) } catch { throw .truncated }
    }
    mutating func rtcpSkip(_ count: Int) throws(RTCPParseError) {
        do { try skip(count) } catch { throw .truncated }
    }
}
