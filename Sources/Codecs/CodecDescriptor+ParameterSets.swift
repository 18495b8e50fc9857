import RTCBase

/// Out-of-band decoder configuration and SDP facts, per codec: the one place that knows which
/// codecs carry parameter sets (H.264 SPS/PPS, RFC 6184 §8.1) and how SDP spells them, so
/// adapters ask the track's descriptor instead of branching on encoding names.
extension CodecDescriptor {
    /// The parameter sets (H.264: SPS then PPS) in a keyframe's RTP payloads, or nil when the codec
    /// has none or the unit does not carry them all.
    public func parameterSets<Payloads: Sequence>(inPayloads payloads: Payloads) -> [[UInt8]]?
    where Payloads.Element == ArraySlice<UInt8> {
        guard format == .h264 else { return nil }
        var sps: [UInt8]?, pps: [UInt8]?
        for payload in payloads {
            for nal in H264.parameterSets(inPayload: payload) {
                let type = H264.nalType(nal.first ?? 0)
                if type == H264.NALType.sps, sps == nil { sps = Array(nal) }
                if type == H264.NALType.pps, pps == nil { pps = Array(nal) }
            }
        }
        guard let sps, let pps else { return nil }
        return [sps, pps]
    }

    /// Whether a keyframe's payloads carry the decoder configuration in-band (H.264: an SPS), so
    /// nothing needs to be sent ahead of it. Always true for codecs without parameter sets.
    public func carriesParameterSets<Payloads: Sequence>(inPayloads payloads: Payloads) -> Bool
    where Payloads.Element == ArraySlice<UInt8> {
        guard format == .h264 else { return true }
        return payloads.contains { payload in
            H264.parameterSets(inPayload: payload).contains { H264.nalType($0.first ?? 0) == H264.NALType.sps }
        }
    }

    /// RTP payloads that carry the parameter sets of an SDP `fmtp` (H.264 `sprop-parameter-sets`,
    /// as STAP-A), to send ahead of a keyframe that has none in-band; empty for other codecs.
    public func parameterSetPayloads(fmtp: [String: String], maxPayloadSize: Int = 1188) -> [[UInt8]] {
        guard format == .h264, let sprop = fmtp["sprop-parameter-sets"] else { return [] }
        let nalUnits = H264.parseSpropParameterSets(sprop)
        guard !nalUnits.isEmpty else { return [] }
        var packetizer = H264Packetizer()
        return packetizer.packetize(AccessUnit(payloads: nalUnits, rtpTimestamp: 0, isKeyframe: true),
                                    maxPayloadSize: maxPayloadSize).map(\.payload)
    }

    /// The fmtp a receiver SDP (RTSP DESCRIBE, the RTP egress's SDP file) gives this codec: the
    /// source's parameters, and for H.264 `packetization-mode` (default 1), `profile-level-id`
    /// from the SPS and `sprop-parameter-sets` from `parameterSets` when the stream had them in-band.
    public func receiverFmtp(_ fmtp: [String: String], parameterSets: [[UInt8]]?) -> [String: String] {
        guard format == .h264 else { return fmtp }
        var fmtp = fmtp
        fmtp["packetization-mode"] = fmtp["packetization-mode"] ?? "1"
        if let parameterSets, let sps = parameterSets.first {
            fmtp["sprop-parameter-sets"] = parameterSets.map(Base64.encode).joined(separator: ",")
            if sps.count >= 4 { fmtp["profile-level-id"] = Array(sps[1...3]).hexString }
        }
        return fmtp
    }

    /// fmtp learned from a keyframe that the SDP did not give (H.264 `profile-level-id` from the
    /// in-band SPS, else from `sprop-parameter-sets`).
    public func learnedFmtp<Payloads: Sequence>(fromKeyframe payloads: Payloads, fmtp: [String: String]) -> [String: String]
    where Payloads.Element == ArraySlice<UInt8> {
        guard format == .h264, fmtp["profile-level-id"] == nil else { return [:] }
        let inBand = payloads.lazy.flatMap { H264.parameterSets(inPayload: $0) }
            .first { H264.nalType($0.first ?? 0) == H264.NALType.sps }.map(Array.init)
        let sprop = fmtp["sprop-parameter-sets"].map(H264.parseSpropParameterSets)?
            .first { H264.nalType($0.first ?? 0) == H264.NALType.sps }
        guard let sps = inBand ?? sprop, sps.count >= 4 else { return [:] }
        return ["profile-level-id": Array(sps[1...3]).hexString]
    }

    /// Channels as `a=rtpmap` writes them: Opus is always "opus/48000/2" (RFC 7587 §7).
    public func rtpMapChannels(_ channels: Int?) -> Int? {
        format == .opus ? 2 : channels
    }
}
