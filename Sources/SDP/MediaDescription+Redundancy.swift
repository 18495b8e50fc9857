/// The auxiliary formats that repair loss, as offered next to a codec: RTX (RFC 4588 §8.1,
/// `a=rtpmap:97 rtx/90000` with `a=fmtp:97 apt=96`) and RED (RFC 2198 §5 as WebRTC offers it for
/// Opus: `a=rtpmap:63 red/48000/2` with `a=fmtp:63 111/111`, the redundant blocks' payload types).
extension MediaDescription {
    /// The offered RTX payload type whose `apt` is `payloadType` and whose clock rate is the
    /// codec's; nil when the offer has none.
    public func retransmissionPayloadType(for payloadType: UInt8) -> UInt8? {
        let clockRate = rtpMap(for: payloadType)?.clockRate
        for candidate in payloadTypes {
            guard let map = rtpMap(for: candidate), map.encodingName.lowercased() == "rtx",
                  map.clockRate == clockRate,
                  fmtp(candidate)["apt"].flatMap({ SDPNumber.payloadType($0) }) == payloadType else { continue }
            return candidate
        }
        return nil
    }

    /// The offered RED payload type that carries `payloadType` only (every block of its fmtp
    /// list is `payloadType`, at most `maxBlocks` of them) at the codec's clock rate and channels;
    /// nil when the offer has none.
    public func redundancyPayloadType(for payloadType: UInt8, maxBlocks: Int = 8) -> UInt8? {
        guard let codec = rtpMap(for: payloadType) else { return nil }
        for candidate in payloadTypes {
            guard let map = rtpMap(for: candidate), map.encodingName.lowercased() == "red",
                  map.clockRate == codec.clockRate, (map.channels ?? 1) == (codec.channels ?? 1),
                  let line = fmtpLine(candidate) else { continue }
            let blocks = line.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...max(maxBlocks, 1)).contains(blocks.count),
                  blocks.allSatisfy({ SDPNumber.payloadType($0) == payloadType }) else { continue }
            return candidate
        }
        return nil
    }
}
