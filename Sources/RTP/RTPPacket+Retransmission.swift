/// RTP retransmission payload format (RFC 4588 §4): a retransmitted packet travels on its own
/// SSRC and payload type (session multiplexing, §8), with its own sequence numbers, and carries
/// the original sequence number (OSN) in the first two bytes of its payload. Timestamp, marker,
/// CSRCs and header extensions are the original's.
extension RTPPacket {
    public enum RetransmissionError: Error, Equatable {
        /// The RTX payload is shorter than the 2-byte original sequence number.
        case missingOriginalSequenceNumber
    }

    /// This packet wrapped for retransmission on `ssrc` with `payloadType` and `sequenceNumber`
    /// of the retransmission stream (RFC 4588 §4).
    public func retransmission(ssrc: UInt32, payloadType: UInt8, sequenceNumber: UInt16) -> RTPPacket {
        var payload: [UInt8] = []
        payload.reserveCapacity(2 + payloadRange.count)
        payload.append(UInt8(truncatingIfNeeded: self.sequenceNumber >> 8))
        payload.append(UInt8(truncatingIfNeeded: self.sequenceNumber))
        payload.append(contentsOf: self.payload)
        return RTPPacket(payloadType: payloadType, sequenceNumber: sequenceNumber, timestamp: timestamp, ssrc: ssrc,
                         marker: marker, payload: payload, csrcs: csrcs, headerExtension: headerExtension)
    }

    /// The original packet an RTX packet carries: `ssrc` and `payloadType` of the media stream
    /// (the RTX payload type's `apt`), the OSN as its sequence number. Throws when the payload
    /// cannot hold an OSN; an RTX packet with an OSN and nothing else is a padding probe and
    /// unwraps to an empty payload.
    public func originalFromRetransmission(ssrc: UInt32, payloadType: UInt8) throws(RetransmissionError) -> RTPPacket {
        let payload = self.payload
        guard payload.count >= 2 else { throw .missingOriginalSequenceNumber }
        let start = payload.startIndex
        let originalSequenceNumber = UInt16(payload[start]) << 8 | UInt16(payload[start + 1])
        return RTPPacket(payloadType: payloadType, sequenceNumber: originalSequenceNumber, timestamp: timestamp,
                         ssrc: ssrc, marker: marker, payload: payload.dropFirst(2), csrcs: csrcs,
                         headerExtension: headerExtension)
    }
}

/// The sending side of one RTX stream (RFC 4588): its SSRC, payload type, and the sequence
/// numbers it counts on its own (§4: independent of the original stream's).
public struct RTXSender: Sendable, Equatable {
    public let ssrc: UInt32
    public let payloadType: UInt8
    public private(set) var nextSequenceNumber: UInt16
    /// Retransmissions sent.
    public private(set) var sent = 0

    public init(ssrc: UInt32, payloadType: UInt8, initialSequenceNumber: UInt16) {
        self.ssrc = ssrc
        self.payloadType = payloadType & 0x7f
        nextSequenceNumber = initialSequenceNumber
    }

    /// `original` wrapped for retransmission with this stream's next sequence number.
    public mutating func wrap(_ original: RTPPacket) -> RTPPacket {
        let packet = original.retransmission(ssrc: ssrc, payloadType: payloadType, sequenceNumber: nextSequenceNumber)
        nextSequenceNumber &+= 1
        sent += 1
        return packet
    }
}
