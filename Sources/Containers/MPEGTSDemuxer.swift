import Codecs
import RTCBase

/// MPEG-2 transport stream demuxer (ISO/IEC 13818-1), sans-IO: fed bytes as they arrive (UDP
/// datagrams of 188-byte packets, or any chunking), it hands back the program's streams and their
/// access units with RTP timestamps. It follows the first program of the PAT, reassembles PES
/// packets per stream and splits them into units: H.264/H.265 access units (Annex-B → NAL units,
/// every keyframe given the stream's latest parameter sets when it has none in-band), ADTS AAC
/// frames (raw, header removed) and Opus packets (control-header framing, ETSI TS 102 366 Annex A
/// as used by the Opus-in-TS specification).
///
/// Malformed input is dropped and counted, never thrown: bytes between packets (resync on the
/// 0x47 sync byte), PSI sections with a bad CRC-32, PES packets damaged by a continuity-counter
/// gap or over a cap. Timing comes from PTS alone (33-bit, unwrapped across its wrap), so streams
/// without PCR play; the PCR is ignored.
public struct MPEGTSDemuxer: Sendable {
    public static let packetSize = 188
    public static let syncByte: UInt8 = 0x47

    /// Caps on what the input may make the demuxer hold or emit.
    public struct Limits: Sendable, Equatable {
        /// Largest PES packet (header included) reassembled, in bytes. Default 4 MiB.
        public var maxPESBytes: Int
        /// Most units (NAL units of one access unit, audio frames) taken from one PES packet. Default 1024.
        public var maxUnitsPerPES: Int
        /// Most program entries in a PAT. Default 64.
        public var maxPrograms: Int
        /// Most elementary streams in a PMT. Default 16.
        public var maxStreams: Int

        public init(maxPESBytes: Int = 4 << 20, maxUnitsPerPES: Int = 1024, maxPrograms: Int = 64, maxStreams: Int = 16) {
            self.maxPESBytes = maxPESBytes
            self.maxUnitsPerPES = maxUnitsPerPES
            self.maxPrograms = maxPrograms
            self.maxStreams = maxStreams
        }
    }

    /// Counters; every dropped thing is counted in exactly one of them.
    public struct Stats: Sendable, Equatable {
        /// Transport packets read (sync byte found).
        public var packets = 0
        /// Times the demuxer lost the packet grid and searched for the sync byte again.
        public var resyncs = 0
        /// Bytes skipped while searching for the sync byte.
        public var skippedBytes = 0
        /// Packets with transport_error_indicator, scrambling, a reserved adaptation_field_control
        /// or an adaptation field longer than the packet.
        public var malformedPackets = 0
        /// Packets repeated with the same continuity counter (allowed once by §2.4.3.3), ignored.
        public var duplicatePackets = 0
        /// Continuity-counter gaps on a followed PID (lost packets).
        public var continuityErrors = 0
        /// PSI sections dropped: bad CRC-32, malformed, or over a cap (programs, streams).
        public var badSections = 0
        /// PES packets dropped because a continuity gap damaged them.
        public var damagedUnits = 0
        /// PES packets dropped as malformed (bad header, shorter than PES_packet_length, bad
        /// elementary-stream framing) or over a cap (PES size, units per PES).
        public var malformedUnits = 0
        /// Units handed out.
        public var units = 0
        public init() {}
    }

    /// One elementary stream of the program, as the PMT announced it and the stream told more.
    public struct Stream: Sendable, Equatable {
        public var pid: UInt16
        /// stream_type of the PMT (0x1B H.264, 0x24 H.265, 0x0F ADTS AAC, 0x06 private: Opus).
        public var streamType: UInt8
        /// The registry's format, nil for streams the demuxer does not carry (they are skipped).
        public var format: CodecDescriptor.Format?
        /// RTP clock rate of the units' timestamps; nil until known (AAC: the first ADTS header).
        public var clockRate: Int?
        /// Audio channels, when known.
        public var channels: Int?
        /// The fmtp an SDP gives this stream (H.264: `sprop-parameter-sets` and `profile-level-id`
        /// from the first keyframe; AAC: the AU-header layout of RFC 3640 and `config=`).
        public var fmtp: [String: String]
        /// True once the stream's configuration is known: video after its first keyframe with
        /// parameter sets, AAC after its first frame, Opus at once.
        public var isReady: Bool

        public var codec: CodecDescriptor? { format.flatMap(CodecRegistry.descriptor(for:)) }
    }

    /// One access unit (video) or one audio frame.
    public struct Unit: Sendable, Equatable {
        public var pid: UInt16
        /// NAL units without start codes (video), or one raw frame (audio).
        public var payloads: [[UInt8]]
        /// Presentation time in the stream's clock rate, wrapping like an RTP timestamp.
        public var rtpTimestamp: UInt32
        /// PTS in 90 kHz, unwrapped (nil when the PES had none and the time was extrapolated).
        public var pts: Int64?
        /// True for video keyframes (H.264 IDR, H.265 IRAP) and every audio frame.
        public var isKeyframe: Bool
    }

    public enum Event: Sendable, Equatable {
        /// The program's streams, on the first PMT and whenever they change.
        case program([Stream])
        /// A stream's configuration became known (or changed); its units can be described now.
        case streamReady(Stream)
        case unit(Unit)
    }

    public let limits: Limits
    public internal(set) var stats = Stats()
    /// The streams of the followed program, in PMT order.
    public internal(set) var streams: [Stream] = []

    /// Bytes of an incomplete packet carried to the next `push`.
    var carry: [UInt8] = []
    var inSync = true
    var pmtPID: UInt16?
    var patVersion: UInt8?
    var pmtVersion: UInt8?
    var continuity: [UInt16: UInt8] = [:]
    var sections: [UInt16: SectionAssembler] = [:]
    var elementary: [UInt16: ElementaryState] = [:]
    var events: [Event] = []

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Feeds bytes (a datagram, a chunk of a file); returns what they completed, in order.
    public mutating func push(_ bytes: some Collection<UInt8>) -> [Event] {
        let data: [UInt8]
        if carry.isEmpty {
            data = Array(bytes)
        } else {
            data = carry + bytes
            carry = []
        }
        readPackets(data, final: false)
        defer { events = [] }
        return events
    }

    /// Feeds one UDP datagram, which holds whole packets (RTP-less MPEG-TS over UDP: usually 7):
    /// nothing is carried from or to other datagrams, so a stray datagram from another sender
    /// cannot shift the packet grid of the next. Bytes that are not whole packets are skipped and
    /// counted.
    public mutating func pushDatagram(_ bytes: some Collection<UInt8>) -> [Event] {
        stats.skippedBytes += carry.count
        carry = []
        readPackets(Array(bytes), final: true)
        stats.skippedBytes += carry.count
        carry = []
        defer { events = [] }
        return events
    }

    /// Ends the input: reads a last packet held back, completes every PES packet still open.
    public mutating func flush() -> [Event] {
        let held = carry
        carry = []
        readPackets(held, final: true)
        carry = []
        for pid in streams.map(\.pid) { finishPES(pid: pid) }
        defer { events = [] }
        return events
    }

    /// A packet starts at a sync byte confirmed by the next packet's. The last packet of the
    /// input is taken unconfirmed only when the input ends right after it (a datagram of whole
    /// packets) or at `final`; otherwise it waits in `carry` for more bytes.
    mutating func readPackets(_ data: [UInt8], final: Bool) {
        var index = 0
        let size = Self.packetSize
        while data.count - index >= size {
            let remaining = data.count - index
            let confirmed: Bool
            if data[index] != Self.syncByte {
                confirmed = false
            } else if remaining >= 2 * size {
                confirmed = data[index + size] == Self.syncByte
            } else if remaining == size || final {
                confirmed = true
            } else {
                break   // wait for the next packet's sync byte
            }
            guard confirmed else {
                if inSync {
                    inSync = false
                    stats.resyncs += 1
                }
                stats.skippedBytes += 1
                index += 1
                continue
            }
            inSync = true
            handlePacket(data[index..<(index + size)])
            index += size
        }
        if index < data.count { carry = Array(data[index...]) }
    }

    // MARK: - Transport packets (§2.4.3.2)

    mutating func handlePacket(_ packet: ArraySlice<UInt8>) {
        stats.packets += 1
        let s = packet.startIndex
        let b1 = packet[s + 1], b3 = packet[s + 3]
        let transportError = b1 & 0x80 != 0
        let payloadStart = b1 & 0x40 != 0
        let pid = UInt16(b1 & 0x1F) << 8 | UInt16(packet[s + 2])
        let scrambled = b3 & 0xC0 != 0
        let adaptationControl = (b3 >> 4) & 0x3
        let counter = b3 & 0x0F
        guard !transportError, !scrambled, adaptationControl != 0 else {
            stats.malformedPackets += 1
            return
        }
        var payloadOffset = s + 4
        var discontinuity = false
        if adaptationControl & 0x2 != 0 {
            let length = Int(packet[s + 4])
            // With a payload the field leaves room for at least one byte (§2.4.3.5).
            let maximum = adaptationControl == 0x3 ? 182 : 183
            guard length <= maximum else {
                stats.malformedPackets += 1
                return
            }
            if length > 0 { discontinuity = packet[s + 5] & 0x80 != 0 }
            payloadOffset = s + 5 + length
        }
        guard pid == 0 || pid == pmtPID || elementary[pid] != nil else { return }   // not followed
        let hasPayload = adaptationControl & 0x1 != 0
        // Continuity (§2.4.3.3): +1 per packet with payload; one duplicate allowed.
        if let last = continuity[pid], !discontinuity {
            if hasPayload {
                if counter == last {
                    stats.duplicatePackets += 1
                    return
                }
                if counter != (last &+ 1) & 0x0F {
                    stats.continuityErrors += 1
                    lost(pid: pid)
                }
            } else if counter != last {
                stats.continuityErrors += 1
                lost(pid: pid)
            }
        }
        continuity[pid] = counter
        guard hasPayload, payloadOffset < packet.endIndex else { return }
        let payload = packet[payloadOffset...]
        if pid == 0 || pid == pmtPID {
            receiveSection(payload, pid: pid, payloadStart: payloadStart)
        } else {
            receivePES(payload, pid: pid, payloadStart: payloadStart)
        }
    }

    /// Packets of `pid` were lost: the open PES is damaged, an open section is abandoned.
    mutating func lost(pid: UInt16) {
        if elementary[pid] != nil {
            elementary[pid]?.damaged = true
        } else {
            sections[pid] = nil
        }
    }

    // MARK: - Timing

    /// A 33-bit PTS extended to the stream's running 64-bit time (wraps every 2^33 ticks, ~26.5 h).
    static func unwrap(_ pts: UInt64, last: Int64?) -> Int64 {
        let modulus: Int64 = 1 << 33
        let value = Int64(pts & 0x1_FFFF_FFFF)
        guard let last else { return value }
        var delta = (value - (last & (modulus - 1))) & (modulus - 1)
        if delta >= modulus / 2 { delta -= modulus }
        return last &+ delta
    }

    /// 90 kHz time in a clock rate, as an RTP timestamp (wrapping). For other clock rates, times
    /// are clamped to 0...2^62 so the full-width product's quotient always fits (rates up to 96 kHz).
    static func rtpTimestamp(_ time90kHz: Int64, clockRate: Int) -> UInt32 {
        guard clockRate != 90_000 else { return UInt32(truncatingIfNeeded: time90kHz) }
        let time = UInt64(min(max(time90kHz, 0), 1 << 62))
        let rate = UInt64(min(max(clockRate, 1), 96_000))
        let product = time.multipliedFullWidth(by: rate)
        let (quotient, _) = UInt64(90_000).dividingFullWidth(product)
        return UInt32(truncatingIfNeeded: quotient)
    }
}
