/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]` (RFC 8866 §6.6).
public struct RTPMap: Sendable, Equatable {
    public var payloadType: UInt8
    public var encodingName: String
    public var clockRate: Int
    /// Audio channel count; nil when the line has no third part (meaning one channel for audio).
    public var channels: Int?

    public init(payloadType: UInt8, encodingName: String, clockRate: Int, channels: Int? = nil) {
        self.payloadType = payloadType
        self.encodingName = encodingName
        self.clockRate = clockRate
        self.channels = channels
    }

    /// Parses the attribute value (the text after `a=rtpmap:`); nil when it is malformed.
    public init?(attributeValue: some StringProtocol) {
        let parts = attributeValue.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, let payloadType = SDPNumber.payloadType(parts[0]) else { return nil }
        let encoding = parts[1].split(separator: "/", omittingEmptySubsequences: false)
        guard encoding.count == 2 || encoding.count == 3, !encoding[0].isEmpty,
              let clockRate = SDPNumber.integer(encoding[1]), clockRate > 0 else { return nil }
        var channels: Int?
        if encoding.count == 3 {
            guard let count = SDPNumber.integer(encoding[2]), count > 0 else { return nil }
            channels = count
        }
        self.init(payloadType: payloadType, encodingName: String(encoding[0]), clockRate: clockRate,
                  channels: channels)
    }

    /// The attribute value, e.g. `111 opus/48000/2`.
    public var attributeValue: String {
        var text = "\(payloadType) \(encodingName)/\(clockRate)"
        if let channels { text += "/\(channels)" }
        return text
    }

    /// The static payload-type assignments of RFC 3551 §6 used when an offer omits `a=rtpmap`.
    public static func staticPayloadType(_ payloadType: UInt8) -> RTPMap? {
        let entry: (String, Int)? = switch payloadType {
        case 0: ("PCMU", 8000)
        case 3: ("GSM", 8000)
        case 4: ("G723", 8000)
        case 8: ("PCMA", 8000)
        case 9: ("G722", 8000)
        case 18: ("G729", 8000)
        case 26: ("JPEG", 90000)
        case 31: ("H261", 90000)
        case 32: ("MPV", 90000)
        case 33: ("MP2T", 90000)
        default: nil
        }
        guard let (name, clockRate) = entry else { return nil }
        return RTPMap(payloadType: payloadType, encodingName: name, clockRate: clockRate)
    }
}
