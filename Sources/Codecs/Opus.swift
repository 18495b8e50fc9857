/// Opus packet facts (RFC 6716 §3.1) as needed to pace and packetize Opus (RFC 7587).
public enum Opus {
    /// RTP clock rate of Opus, always 48 kHz (RFC 7587 §4.1).
    public static let clockRate = 48_000

    /// Longest duration of one Opus packet: 120 ms at 48 kHz (RFC 6716 §3.2.5).
    public static let maxPacketSamples = 5_760

    /// Coding mode selected by the TOC configuration number (RFC 6716 Table 2).
    public enum Mode: Sendable, Equatable {
        case silk
        case hybrid
        case celt
    }

    /// The table-of-contents byte that starts every Opus packet (RFC 6716 §3.1).
    public struct TOC: Sendable, Equatable {
        /// config (0...31), the mode/bandwidth/frame-size combination.
        public var configuration: UInt8
        public var isStereo: Bool
        /// c (0...3): one frame, two equal frames, two different frames, or an arbitrary count.
        public var frameCountCode: UInt8

        public init(_ byte: UInt8) {
            configuration = byte >> 3
            isStereo = byte & 0x04 != 0
            frameCountCode = byte & 0x03
        }

        public var mode: Mode {
            switch configuration {
            case 0...11: .silk
            case 12...15: .hybrid
            default: .celt
            }
        }

        /// Samples per frame at 48 kHz (2.5, 5, 10, 20, 40 or 60 ms).
        public var samplesPerFrame: Int {
            let config = Int(configuration)
            switch config {
            case 0...11: return [480, 960, 1920, 2880][config % 4]
            case 12...15: return [480, 960][config % 2]
            default: return [120, 240, 480, 960][config % 4]
            }
        }
    }

    /// Number of frames in a packet, from the TOC code and, for code 3, the frame-count byte.
    public static func frameCount(_ packet: ArraySlice<UInt8>) throws(CodecParseError) -> Int {
        guard let first = packet.first else { throw .truncated(field: "Opus TOC") }
        switch TOC(first).frameCountCode {
        case 0: return 1
        case 1, 2: return 2
        default:
            guard packet.count >= 2 else { throw .truncated(field: "Opus frame count byte") }
            let count = Int(packet[packet.startIndex + 1] & 0x3f)
            guard count >= 1 else { throw .invalidValue(field: "Opus frame count", value: count) }
            return count
        }
    }

    /// Duration of a packet in 48 kHz samples (RFC 6716 §3.1, §3.2.5); at most 120 ms.
    public static func sampleCount(_ packet: ArraySlice<UInt8>) throws(CodecParseError) -> Int {
        guard let first = packet.first else { throw .truncated(field: "Opus TOC") }
        let samples = try frameCount(packet) * TOC(first).samplesPerFrame
        guard samples <= maxPacketSamples else {
            throw .limitExceeded(field: "Opus packet duration (samples)", value: samples, limit: maxPacketSamples)
        }
        return samples
    }
}
