extension AV1 {
    /// One OBU split into its fields (AV1 specification §5.3): header byte, optional extension
    /// byte, payload. `payload` is a slice of the parsed input, so parsing does not copy.
    public struct OBU: Sendable, Equatable {
        /// The header byte as received (has_size_field included).
        public var header: UInt8
        /// temporal_id/spatial_id byte when obu_extension_flag is set.
        public var extensionHeader: UInt8?
        public var payload: ArraySlice<UInt8>

        public var type: UInt8 { AV1.obuType(header) }
        var headerSize: Int { extensionHeader == nil ? 1 : 2 }

        public init(header: UInt8, extensionHeader: UInt8?, payload: ArraySlice<UInt8>) {
            self.header = header
            self.extensionHeader = extensionHeader
            self.payload = payload
        }

        /// Parses one OBU at the start of `bytes`. With obu_has_size_field the OBU ends after
        /// obu_size payload bytes (`size` tells where); without it, it takes the rest of `bytes`.
        /// The forbidden bit must be clear.
        public init(parsing bytes: ArraySlice<UInt8>) throws(CodecParseError) {
            guard let first = bytes.first else { throw .truncated(field: "obu_header") }
            guard first & 0x80 == 0 else { throw .invalidValue(field: "obu_forbidden_bit", value: 1) }
            header = first
            var index = bytes.startIndex + 1
            extensionHeader = nil
            if first & 0x04 != 0 {
                guard index < bytes.endIndex else { throw .truncated(field: "obu_extension_header") }
                extensionHeader = bytes[index]
                index += 1
            }
            if first & 0x02 != 0 {
                let (size, length) = try AV1.readLEB128(bytes[index...])
                index += length
                guard size <= bytes.endIndex - index else { throw .truncated(field: "obu payload") }
                payload = bytes[index..<(index + size)]
            } else {
                payload = bytes[index...]
            }
        }

        /// Bytes this OBU took in the parsed input.
        public var endIndex: Int { payload.endIndex }

        /// Appends the low-overhead form (obu_has_size_field = 1, obu_size) to `out`.
        public func appendSized(to out: inout [UInt8]) {
            out.append(header | 0x02)
            if let extensionHeader { out.append(extensionHeader) }
            AV1.appendLEB128(payload.count, to: &out)
            out.append(contentsOf: payload)
        }

        /// Size of the RTP element form (§4.3: obu_has_size_field = 0, no obu_size).
        var elementSize: Int { headerSize + payload.count }

        /// Appends bytes `range` of the RTP element form (header without size field, extension,
        /// payload) to `out`.
        func appendElementBytes(_ range: Range<Int>, to out: inout [UInt8]) {
            var offset = range.lowerBound
            if offset == 0 && offset < range.upperBound {
                out.append(header & ~0x02)
                offset = 1
            }
            if let extensionHeader, offset == 1 && offset < range.upperBound {
                out.append(extensionHeader)
                offset = 2
            }
            guard offset < range.upperBound else { return }
            let start = payload.startIndex + offset - headerSize
            out.append(contentsOf: payload[start..<(start + range.upperBound - offset)])
        }
    }
}
