import RTP
import WebRTC

/// What `PassThroughStream` emits, framed as plain RTP for the transports without SRTP (plain RTP
/// egress, RTSP playback).
extension OutgoingRTP {
    /// Length of the packet as plain RTP (fixed header, no extensions, then the payload).
    var plainLength: Int { RTPPacket.fixedHeaderLength + payload.count }

    /// Appends the packet as plain RTP (RFC 3550 §5.1 fixed header, then the payload).
    func appendPlain(to bytes: inout [UInt8]) {
        RTPPacket.appendHeader(to: &bytes, payloadType: payloadType, marker: marker, sequenceNumber: sequenceNumber,
                               timestamp: timestamp, ssrc: ssrc)
        bytes.append(contentsOf: payload)
    }

    /// The packet as one plain RTP datagram.
    var plainBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(plainLength)
        appendPlain(to: &bytes)
        return bytes
    }
}
