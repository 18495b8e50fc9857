import RTCBase

/// Transport-wide congestion control feedback, transport-layer feedback PT 205 FMT 15
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): per transport-wide sequence number,
/// whether it arrived and its arrival delta in 250 µs ticks.
public struct RTCPTransportWideFeedback: Sendable, Equatable {
    /// One reported packet.
    public struct PacketResult: Sendable, Equatable {
        public var sequenceNumber: UInt16
        /// Arrival time relative to the previous received packet in this feedback (the first one
        /// relative to the reference time), in microseconds; nil when not received.
        public var deltaMicroseconds: Int64?
        public var received: Bool { deltaMicroseconds != nil }
        public init(sequenceNumber: UInt16, deltaMicroseconds: Int64?) {
            self.sequenceNumber = sequenceNumber
            self.deltaMicroseconds = deltaMicroseconds
        }
    }

    /// Packet status symbols (§3.1.1).
    enum Symbol: UInt8 {
        case notReceived = 0, smallDelta = 1, largeDelta = 2
    }

    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32
    public var baseSequenceNumber: UInt16
    /// Reference time: a 24-bit count of 64 ms units on the feedback sender's clock. The draft
    /// calls it signed; libwebrtc treats it as a wrapping counter, so it is kept raw (0...0xFFFFFF).
    public var referenceTime: UInt32
    /// Feedback packet count, incremented by the sender for each feedback packet.
    public var feedbackCount: UInt8
    /// Results for `baseSequenceNumber`, `baseSequenceNumber &+ 1`, … in order. When encoding,
    /// the position (not `sequenceNumber`) decides which number a result describes.
    public var packets: [PacketResult]

    public init(senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, referenceTime: UInt32,
                feedbackCount: UInt8, packets: [PacketResult]) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
        self.baseSequenceNumber = baseSequenceNumber
        self.referenceTime = referenceTime
        self.feedbackCount = feedbackCount
        self.packets = packets
    }

    /// Builds results for consecutive sequence numbers from `baseSequenceNumber`.
    public init(senderSSRC: UInt32, mediaSSRC: UInt32, baseSequenceNumber: UInt16, referenceTime: UInt32,
                feedbackCount: UInt8, deltasMicroseconds: [Int64?]) {
        var packets: [PacketResult] = []
        packets.reserveCapacity(deltasMicroseconds.count)
        for (offset, delta) in deltasMicroseconds.enumerated() {
            packets.append(PacketResult(sequenceNumber: baseSequenceNumber &+ UInt16(truncatingIfNeeded: offset),
                                        deltaMicroseconds: delta))
        }
        self.init(senderSSRC: senderSSRC, mediaSSRC: mediaSSRC, baseSequenceNumber: baseSequenceNumber,
                  referenceTime: referenceTime, feedbackCount: feedbackCount, packets: packets)
    }

    /// The reference time in microseconds.
    public var referenceTimeMicroseconds: Int64 { Int64(referenceTime) * 64_000 }

    static let format: UInt8 = 15
    static let tickMicroseconds: Int64 = 250

    static func parse(body: ArraySlice<UInt8>, limits: RTCPLimits) throws(RTCPParseError) -> RTCPTransportWideFeedback {
        var reader = ByteReader(body)
        let sender = try reader.rtcpUInt32()
        let media = try reader.rtcpUInt32()
        let base = try reader.rtcpUInt16()
        let statusCount = Int(try reader.rtcpUInt16())
        let reference = try reader.rtcpUInt24()
        let feedbackCount = try reader.rtcpUInt8()
        guard statusCount <= limits.maxTWCCStatuses else {
            throw .limitExceeded(.twccStatuses, cap: limits.maxTWCCStatuses)
        }

        // Packet status chunks (§3.1.3, §3.1.4) until every status is known; extra symbols in
        // the last chunk are ignored.
        var symbols: [UInt8] = []
        symbols.reserveCapacity(statusCount)
        while symbols.count < statusCount {
            let chunk = try reader.rtcpUInt16()
            let needed = statusCount - symbols.count
            if chunk & 0x8000 == 0 {
                let symbol = UInt8(truncatingIfNeeded: chunk >> 13) & 0x3
                let run = Int(chunk & 0x1FFF)
                symbols.append(contentsOf: repeatElement(symbol, count: min(run, needed)))
            } else if chunk & 0x4000 == 0 {
                for bit in 0..<min(14, needed) {
                    symbols.append(UInt8(truncatingIfNeeded: chunk >> (13 - bit)) & 0x1)
                }
            } else {
                for slot in 0..<min(7, needed) {
                    symbols.append(UInt8(truncatingIfNeeded: chunk >> (12 - 2 * slot)) & 0x3)
                }
            }
        }

        // Receive deltas (§3.1.5), one per received packet; trailing zero padding is ignored.
        var packets: [PacketResult] = []
        packets.reserveCapacity(statusCount)
        for (offset, symbol) in symbols.enumerated() {
            let delta: Int64?
            switch Symbol(rawValue: symbol) {
            case .notReceived: delta = nil
            case .smallDelta: delta = Int64(try reader.rtcpUInt8()) * tickMicroseconds
            case .largeDelta: delta = Int64(Int16(bitPattern: try reader.rtcpUInt16())) * tickMicroseconds
            case nil: throw .invalidField("TWCC reserved status symbol 3")
            }
            packets.append(PacketResult(sequenceNumber: base &+ UInt16(truncatingIfNeeded: offset), deltaMicroseconds: delta))
        }
        return RTCPTransportWideFeedback(senderSSRC: sender, mediaSSRC: media, baseSequenceNumber: base,
                                         referenceTime: reference, feedbackCount: feedbackCount, packets: packets)
    }
}
