import RTCBase
import Testing
@testable import RTP

@Suite struct RetransmissionTests {
    static let original = RTPPacket(payloadType: 96, sequenceNumber: 0xABCD, timestamp: 900_000, ssrc: 0x1111_2222,
                                    marker: true, payload: [1, 2, 3, 4], csrcs: [7],
                                    headerExtension: RTPHeaderExtension(profile: 0xBEDE, data: [0x10, 0x05, 0, 0]))

    @Test func wrapsWithOriginalSequenceNumberFirst() throws {
        var sender = RTXSender(ssrc: 0x3333_4444, payloadType: 97, initialSequenceNumber: 65_535)
        let rtx = sender.wrap(Self.original)
        #expect(rtx.ssrc == 0x3333_4444)
        #expect(rtx.payloadType == 97)
        #expect(rtx.sequenceNumber == 65_535)
        #expect(rtx.timestamp == 900_000)
        #expect(rtx.marker)
        #expect(rtx.csrcs == [7])
        #expect(rtx.headerExtension == Self.original.headerExtension)
        #expect(Array(rtx.payload) == [0xAB, 0xCD, 1, 2, 3, 4])
        let second = sender.wrap(Self.original)
        #expect(second.sequenceNumber == 0)   // the RTX stream counts on its own and wraps
        #expect(sender.sent == 2)
        // Through the wire and back.
        let parsed = try RTPPacket(parsing: rtx.bytes)
        let unwrapped = try parsed.originalFromRetransmission(ssrc: 0x1111_2222, payloadType: 96)
        #expect(unwrapped == Self.original)
    }

    @Test func unwrapNeedsTheOriginalSequenceNumber() throws {
        let short = RTPPacket(payloadType: 97, sequenceNumber: 1, timestamp: 0, ssrc: 9, marker: false, payload: [0xAB])
        #expect(throws: RTPPacket.RetransmissionError.missingOriginalSequenceNumber) {
            try short.originalFromRetransmission(ssrc: 1, payloadType: 96)
        }
        let probe = RTPPacket(payloadType: 97, sequenceNumber: 1, timestamp: 0, ssrc: 9, marker: false, payload: [0x00, 0x07])
        let unwrapped = try probe.originalFromRetransmission(ssrc: 1, payloadType: 96)
        #expect(unwrapped.sequenceNumber == 7)
        #expect(unwrapped.payload.isEmpty)
    }
}

@Suite struct REDTests {
    static func opus(_ sequenceNumber: UInt16, _ timestamp: UInt32, _ payload: [UInt8]) -> RTPPacket {
        RTPPacket(payloadType: 111, sequenceNumber: sequenceNumber, timestamp: timestamp, ssrc: 42, marker: false, payload: payload)
    }

    @Test func firstPacketHasOnlyThePrimaryBlock() throws {
        var encoder = REDEncoder(redPayloadType: 63)
        let red = encoder.wrap(Self.opus(10, 960, [0xAA, 0xBB]))
        #expect(red.payloadType == 63)
        #expect(red.sequenceNumber == 10)
        #expect(red.timestamp == 960)
        #expect(Array(red.payload) == [111, 0xAA, 0xBB])
        #expect(encoder.withoutRedundancy == 1)
    }

    @Test func nextPacketCarriesThePreviousAsRedundancy() throws {
        var encoder = REDEncoder(redPayloadType: 63)
        _ = encoder.wrap(Self.opus(10, 960, [0xAA, 0xBB]))
        let red = encoder.wrap(Self.opus(11, 1920, [0xCC]))
        // F=1 PT=111, offset 960 (14 bits), length 2 (10 bits); then F=0 PT=111; then the blocks.
        #expect(Array(red.payload) == [0x80 | 111, 15, 0, 2, 111, 0xAA, 0xBB, 0xCC])
        let parsed = try REDPayload(parsing: red.payload)
        #expect(parsed.redundant == [REDPayload.Block(payloadType: 111, timestampOffset: 960, data: [0xAA, 0xBB])])
        #expect(parsed.primary == REDPayload.Block(payloadType: 111, timestampOffset: 0, data: [0xCC]))
        #expect(encoder.withRedundancy == 1)
    }

    @Test func noRedundancyAfterAGapOrAnOversizedPrevious() throws {
        var encoder = REDEncoder(redPayloadType: 63, maxRedundantBytes: 3)
        _ = encoder.wrap(Self.opus(10, 960, [1]))
        let afterGap = encoder.wrap(Self.opus(12, 2880, [2]))
        #expect(try REDPayload(parsing: afterGap.payload).redundant.isEmpty)
        _ = encoder.wrap(Self.opus(13, 3840, [1, 2, 3, 4]))   // over 3 bytes: not repeated
        let next = encoder.wrap(Self.opus(14, 4800, [5]))
        #expect(try REDPayload(parsing: next.payload).redundant.isEmpty)
        let timestampJump = encoder.wrap(Self.opus(15, 4800 + 20_000, [6]))   // offset past 14 bits
        #expect(try REDPayload(parsing: timestampJump.payload).redundant.isEmpty)
    }

    @Test func parserCapsBlocksAtTheLimitAndOnePast() throws {
        let block = REDPayload.Block(payloadType: 111, timestampOffset: 960, data: [1])
        let three = REDPayload(redundant: [block, block], primary: REDPayload.Block(payloadType: 111, timestampOffset: 0, data: [9]))
        let parsed = try REDPayload(parsing: three.serialized(), maxBlocks: 3)
        #expect(parsed.redundant.count == 2)
        #expect(throws: REDPayload.ParseError.tooManyBlocks) { try REDPayload(parsing: three.serialized(), maxBlocks: 2) }
    }

    @Test func parserRejectsTruncatedInput() {
        #expect(throws: REDPayload.ParseError.truncatedHeader) { try REDPayload(parsing: [UInt8]()) }
        #expect(throws: REDPayload.ParseError.truncatedHeader) { try REDPayload(parsing: [0x80 | 111, 0, 0]) }
        #expect(throws: REDPayload.ParseError.blocksExceedPayload) { try REDPayload(parsing: [0x80 | 111, 15, 0, 5, 111, 1]) }
    }
}
