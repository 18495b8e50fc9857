/// Depacketizer for `mpeg4-generic` AAC (RFC 3640 §3.2, §3.3.6 AAC-hbr): each payload holds an
/// AU-headers-length (16 bits, in bits), the AU-headers (AU-size, AU-Index or AU-Index-delta and
/// the optional CTS/DTS/RAP/stream-state fields), an optional auxiliary section, then the AUs.
/// Several AUs may share a packet; an AU larger than a packet is fragmented over packets with the
/// same timestamp, each carrying one AU-header with the whole AU-size, the marker bit on the last
/// (§3.2.3). Every AU (one raw_data_block of 1024 samples for AAC) becomes one `AccessUnit`,
/// timestamped RTP time + AU-Index × `constantDuration` (§3.2.1.1) or by its CTS-delta.
/// Interleaved AUs keep their timestamps but are emitted in packet order.
public struct AACDepacketizer: RTPDepacketizer, Sendable {
    public let format: AACPayloadFormat
    public let limits: DepacketizerLimits
    /// Most AU-headers accepted in one payload; packets with more are dropped.
    public let maxAccessUnitsPerPacket: Int
    public private(set) var droppedPackets = 0

    private struct Header: Sendable {
        var size: Int
        var offset: UInt32
    }

    private var headers: [Header] = []
    private var fragment: [UInt8] = []
    private var fragmentSize = 0
    private var fragmentTimestamp: UInt32 = 0
    private var fragmentPackets = 0
    private var nextSequenceNumber: UInt16?

    public init(format: AACPayloadFormat = AACPayloadFormat(), limits: DepacketizerLimits = DepacketizerLimits(),
                maxAccessUnitsPerPacket: Int = 256) {
        self.format = format
        self.limits = limits
        self.maxAccessUnitsPerPacket = maxAccessUnitsPerPacket
    }

    public mutating func push(payload: ArraySlice<UInt8>, sequenceNumber: UInt16, rtpTimestamp: UInt32,
                              marker: Bool) -> [AccessUnit] {
        let contiguous = nextSequenceNumber.map { $0 == sequenceNumber } ?? true
        nextSequenceNumber = sequenceNumber &+ 1
        if fragmentPackets > 0, !contiguous || fragmentTimestamp != rtpTimestamp {
            dropFragment()
        }
        do throws(CodecParseError) {
            let data = try parseHeaders(payload)
            return try assemble(data, rtpTimestamp: rtpTimestamp, marker: marker)
        } catch {
            dropFragment()
            droppedPackets += 1
            return []
        }
    }

    /// Reads the AU-header and auxiliary sections into `headers`; returns the AU data.
    private mutating func parseHeaders(_ payload: ArraySlice<UInt8>) throws(CodecParseError) -> ArraySlice<UInt8> {
        headers.removeAll(keepingCapacity: true)
        var rest = payload
        if format.hasAUHeaders {
            guard rest.count >= 2 else { throw .truncated(field: "AU-headers-length") }
            let bits = Int(rest[rest.startIndex]) << 8 | Int(rest[rest.startIndex + 1])
            let byteCount = (bits + 7) / 8
            guard rest.count - 2 >= byteCount else { throw .truncated(field: "AU-header section") }
            var reader = AACBitReader(rest.dropFirst(2).prefix(byteCount))
            var index: UInt32 = 0
            while byteCount * 8 - reader.bitsRemaining < bits {
                guard headers.count < maxAccessUnitsPerPacket else {
                    throw .limitExceeded(field: "AU-headers per packet", value: headers.count + 1, limit: maxAccessUnitsPerPacket)
                }
                let size = Int(try reader.read(format.sizeLength, "AU-size"))
                let first = headers.isEmpty
                let indexField = try reader.read(first ? format.indexLength : format.indexDeltaLength, "AU-Index")
                index = first ? indexField : index &+ indexField &+ 1
                var offset = index &* UInt32(truncatingIfNeeded: format.constantDuration)
                if format.ctsDeltaLength > 0, try reader.read(1, "CTS-flag") == 1 {
                    let delta = try reader.read(format.ctsDeltaLength, "CTS-delta")
                    if !first { offset = Self.signExtend(delta, bits: format.ctsDeltaLength) }
                }
                if format.dtsDeltaLength > 0, try reader.read(1, "DTS-flag") == 1 {
                    _ = try reader.read(format.dtsDeltaLength, "DTS-delta")
                }
                if format.randomAccessIndication { _ = try reader.read(1, "RAP-flag") }
                _ = try reader.read(format.streamStateIndication, "Stream-state")
                headers.append(Header(size: format.sizeLength > 0 ? size : format.constantSize ?? 0, offset: offset))
            }
            guard byteCount * 8 - reader.bitsRemaining == bits else {
                throw .invalidValue(field: "AU-headers-length (bits)", value: bits)
            }
            rest = rest.dropFirst(2 + byteCount)
        }
        if format.auxiliaryDataSizeLength > 0 {
            var reader = AACBitReader(rest)
            let auxBits = Int(try reader.read(format.auxiliaryDataSizeLength, "auxiliary-data-size"))
            let sectionBytes = (format.auxiliaryDataSizeLength + auxBits + 7) / 8
            guard rest.count >= sectionBytes else { throw .truncated(field: "auxiliary section") }
            rest = rest.dropFirst(sectionBytes)
        }
        return rest
    }

    /// Cuts the AUs out of the data section, continuing or starting a fragmented AU.
    private mutating func assemble(_ data: ArraySlice<UInt8>, rtpTimestamp: UInt32,
                                   marker: Bool) throws(CodecParseError) -> [AccessUnit] {
        if headers.isEmpty || headers.allSatisfy({ $0.size == 0 }) && format.sizeLength == 0 && format.constantSize == nil {
            // No sizes: the data is one AU or a fragment of one, closed by the marker.
            let declared = fragmentPackets > 0 ? fragmentSize : limits.maxAccessUnitBytes
            return try appendFragment(data, size: declared, rtpTimestamp: rtpTimestamp, complete: marker, marker: marker)
        }
        if fragmentPackets > 0 || (headers.count == 1 && headers[0].size > data.count) {
            guard headers.count == 1 else { throw .invalidValue(field: "AU-headers in a fragment", value: headers.count) }
            return try appendFragment(data, size: headers[0].size, rtpTimestamp: rtpTimestamp, complete: nil, marker: marker)
        }
        var units: [AccessUnit] = []
        units.reserveCapacity(headers.count)
        var offset = data.startIndex
        for header in headers {
            guard header.size > 0 else { throw .invalidValue(field: "AU-size", value: 0) }
            guard header.size <= limits.maxAccessUnitBytes else {
                throw .limitExceeded(field: "AU-size", value: header.size, limit: limits.maxAccessUnitBytes)
            }
            guard data.endIndex - offset >= header.size else { throw .truncated(field: "AU data") }
            units.append(AccessUnit(payloads: [Array(data[offset..<(offset + header.size)])],
                                    rtpTimestamp: rtpTimestamp &+ header.offset, isKeyframe: true))
            offset += header.size
        }
        return units
    }

    /// Adds one fragment of an AU of `size` bytes; delivers it when complete (by size, or by
    /// `complete` when the payload has no sizes). A marker on a sized AU that is still short
    /// means fragments were lost (§3.2.3: the marker ends the AU).
    private mutating func appendFragment(_ data: ArraySlice<UInt8>, size: Int, rtpTimestamp: UInt32,
                                         complete: Bool?, marker: Bool) throws(CodecParseError) -> [AccessUnit] {
        guard size <= limits.maxAccessUnitBytes, size > 0 else {
            throw .limitExceeded(field: "AU-size", value: size, limit: limits.maxAccessUnitBytes)
        }
        if fragmentPackets == 0 {
            fragmentSize = size
            fragmentTimestamp = rtpTimestamp
        } else if size != fragmentSize {
            throw .invalidValue(field: "AU-size of a continuation fragment", value: size)
        }
        guard fragment.count + data.count <= fragmentSize else {
            throw .limitExceeded(field: "fragmented AU bytes", value: fragment.count + data.count, limit: fragmentSize)
        }
        if complete == nil, marker, fragment.count + data.count != fragmentSize {
            throw .truncated(field: "fragmented AU (marker before AU-size bytes)")
        }
        fragment += data
        let done = complete ?? (fragment.count == fragmentSize)
        // Thrown before this packet joins the fragment: `push` counts it once as dropped.
        guard !done || !fragment.isEmpty else { throw .truncated(field: "AU data") }
        fragmentPackets += 1
        guard done else { return [] }
        let unit = AccessUnit(payloads: [fragment], rtpTimestamp: fragmentTimestamp &+ (headers.first?.offset ?? 0),
                              isKeyframe: true)
        fragment = []
        fragmentPackets = 0
        return [unit]
    }

    private mutating func dropFragment() {
        droppedPackets += fragmentPackets
        fragment.removeAll(keepingCapacity: true)
        fragmentPackets = 0
    }

    private static func signExtend(_ value: UInt32, bits: Int) -> UInt32 {
        guard bits > 0, bits < 32, value & (1 << UInt32(bits - 1)) != 0 else { return value }
        return value | ~((1 << UInt32(bits)) - 1)
    }
}
