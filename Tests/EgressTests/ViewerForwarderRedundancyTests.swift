import RTP
import Testing
import WebRTC
@testable import Egress

/// Opus to a viewer that negotiated RED (RFC 2198) goes out in RED with the previous packet as
/// its redundant block (distance 1); a receiver that loses one packet recovers it from the next.
@Suite struct ViewerForwarderRedundancyTests {
    static func opus(_ seq: UInt16, _ byte: UInt8) -> OutgoingRTP {
        OutgoingRTP(payloadType: 111, marker: false, sequenceNumber: seq, timestamp: UInt32(seq) * 960, ssrc: 0xA0D1,
                    payload: [byte, byte, byte][...])
    }

    @Test func eachPacketCarriesThePreviousOne() throws {
        var encoder = REDEncoder(redPayloadType: 63)
        let packets = (UInt16(10)...12).map { ViewerForwarder.redundant(Self.opus($0, UInt8($0)), encoder: &encoder) }
        #expect(packets.allSatisfy { $0.payloadType == 63 && $0.ssrc == 0xA0D1 })
        #expect(packets.map(\.sequenceNumber) == [10, 11, 12])
        let first = try REDPayload(parsing: packets[0].payload)
        #expect(first.redundant.isEmpty)
        #expect(first.primary == REDPayload.Block(payloadType: 111, timestampOffset: 0, data: [10, 10, 10]))
        // Packet 11 lost: 12 still carries it, 960 ticks back.
        let third = try REDPayload(parsing: packets[2].payload)
        #expect(third.redundant == [REDPayload.Block(payloadType: 111, timestampOffset: 960, data: [11, 11, 11])])
        #expect(third.primary.data == [12, 12, 12])
        #expect(encoder.withRedundancy == 2 && encoder.withoutRedundancy == 1)
    }

    @Test func outputOffersRTXOnlyWithNACK() {
        let rtx = ViewerForwarder.Output(payloadType: 96, ssrc: 1, nack: true, retransmissionSSRC: 2, retransmissionPayloadType: 97)
        #expect(rtx.retransmission?.ssrc == 2 && rtx.retransmission?.payloadType == 97)
        let noNACK = ViewerForwarder.Output(payloadType: 96, ssrc: 1, nack: false, retransmissionSSRC: 2,
                                            retransmissionPayloadType: 97)
        #expect(noNACK.retransmission == nil)
        #expect(ViewerForwarder.Output(payloadType: 96, ssrc: 1).retransmission == nil)
    }
}
