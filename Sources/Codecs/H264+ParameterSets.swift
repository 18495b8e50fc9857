extension H264 {
    /// SPS and PPS NAL units carried whole in one RTP payload: a single NAL unit packet of type
    /// 7/8, or the aggregated units of a STAP-A (RFC 6184 §5.7.1). Fragments are not inspected
    /// (parameter sets are small and never fragmented in practice). Never traps on bad input.
    public static func parameterSets(inPayload payload: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        guard let header = payload.first else { return [] }
        let type = nalType(header)
        if type == NALType.sps || type == NALType.pps { return [payload] }
        guard type == NALType.stapA else { return [] }
        var found: [ArraySlice<UInt8>] = []
        var index = payload.index(after: payload.startIndex)
        while payload.endIndex - index >= 2 {
            let size = Int(payload[index]) << 8 | Int(payload[index + 1])
            let start = index + 2
            guard size > 0, payload.endIndex - start >= size else { break }
            let nal = payload[start..<(start + size)]
            let t = nalType(payload[start])
            if t == NALType.sps || t == NALType.pps { found.append(nal) }
            index = start + size
        }
        return found
    }
}
