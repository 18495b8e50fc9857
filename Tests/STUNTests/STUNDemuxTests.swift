import RTCBase
import STUN
import Testing

/// RFC 7983 demultiplexing and the cheap USERNAME lookup used for routing.
@Suite struct STUNDemuxTests {
    @Test func recognisesSTUNByFirstByteAndCookie() {
        #expect(STUNMessage.isSTUN(RFC5769.request[...]))
        #expect(STUNMessage.isSTUN(RFC5769.ipv6Response[...]))
        var rtp = RFC5769.request
        rtp[0] = 0x80 // RTP/RTCP: 128–191
        #expect(!STUNMessage.isSTUN(rtp[...]))
        var dtls = RFC5769.request
        dtls[0] = 22 // DTLS handshake: 20–63
        #expect(!STUNMessage.isSTUN(dtls[...]))
        var cookie = RFC5769.request
        cookie[7] = 0x43
        #expect(!STUNMessage.isSTUN(cookie[...]))
        #expect(!STUNMessage.isSTUN(RFC5769.request[0..<19]))
        // Works on a slice that does not start at index 0.
        let padded = [0xff, 0xff] + RFC5769.request
        #expect(STUNMessage.isSTUN(padded[2...]))
        #expect(STUNMessage.username(in: padded[2...]) == "evtj:h6vY")
    }

    @Test func usernameLookup() throws {
        #expect(STUNMessage.username(in: RFC5769.request[...]) == "evtj:h6vY")
        #expect(STUNMessage.username(in: RFC5769.longTermRequest[...]) == RFC5769.longTermUsername)
        #expect(STUNMessage.username(in: RFC5769.ipv4Response[...]) == nil)
        #expect(STUNMessage.username(in: [UInt8](repeating: 0, count: 40)[...]) == nil)
        // A USERNAME after MESSAGE-INTEGRITY is not covered by it, so it does not count.
        let message = STUNMessage(type: .bindingRequest, transactionID: STUNTransactionID(high: 1, low: 1),
                                  attributes: [.priority(1)])
        var bytes = try message.encoded(integrityKey: [9])
        bytes += [0x00, 0x06, 0x00, 0x03, 0x61, 0x3a, 0x62, 0x00]
        fixLength(&bytes)
        #expect(STUNMessage.username(in: bytes[...]) == nil)
    }
}
