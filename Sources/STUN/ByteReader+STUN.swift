import RTCBase

/// ByteReader reads that report truncation as a `STUNParseError` naming the attribute.
extension ByteReader {
    @inline(__always)
    mutating func stunUInt16(attribute: UInt16) throws(STUNParseError) -> UInt16 {
        do { return try readUInt16() } catch { throw .attributeTruncated(type: attribute) }
    }

    @inline(__always)
    mutating func stunUInt32(attribute: UInt16) throws(STUNParseError) -> UInt32 {
        do { return try readUInt32() } catch { throw .attributeTruncated(type: attribute) }
    }

    @inline(__always)
    mutating func stunUInt64(attribute: UInt16) throws(STUNParseError) -> UInt64 {
        do { return try readUInt64() } catch { throw .attributeTruncated(type: attribute) }
    }

    @inline(__always)
    mutating func stunBytes(_ count: Int, attribute: UInt16) throws(STUNParseError) -> ArraySlice<UInt8> {
        do { return try readBytes(count) } catch { throw .attributeTruncated(type: attribute) }
    }

    @inline(__always)
    mutating func stunSkip(_ count: Int, attribute: UInt16) throws(STUNParseError) {
        do { try skip(count) } catch { throw .attributeTruncated(type: attribute) }
    }
}
