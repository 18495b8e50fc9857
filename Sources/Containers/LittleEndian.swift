import RTCBase

/// Little-endian reads for the formats that use them (Ogg, IVF), on top of the bounds-checked
/// `ByteReader`. Errors name the field that was cut short.
extension ByteReader {
    mutating func readUInt16LE(_ field: @autoclosure () -> String) throws(ContainerError) -> UInt16 {
        let bytes = try readBytes(2, field())
        return UInt16(bytes[bytes.startIndex]) | UInt16(bytes[bytes.startIndex + 1]) << 8
    }

    mutating func readUInt32LE(_ field: @autoclosure () -> String) throws(ContainerError) -> UInt32 {
        let bytes = try readBytes(4, field())
        var value: UInt32 = 0
        for (shift, byte) in bytes.enumerated() { value |= UInt32(byte) << UInt32(shift * 8) }
        return value
    }

    mutating func readUInt64LE(_ field: @autoclosure () -> String) throws(ContainerError) -> UInt64 {
        let bytes = try readBytes(8, field())
        var value: UInt64 = 0
        for (shift, byte) in bytes.enumerated() { value |= UInt64(byte) << UInt64(shift * 8) }
        return value
    }

    mutating func readByte(_ field: @autoclosure () -> String) throws(ContainerError) -> UInt8 {
        do { return try readUInt8() } catch { throw .truncated(field()) }
    }

    mutating func readBytes(_ count: Int, _ field: @autoclosure () -> String) throws(ContainerError) -> ArraySlice<UInt8> {
        do { return try readBytes(count) } catch { throw .truncated(field()) }
    }
}
