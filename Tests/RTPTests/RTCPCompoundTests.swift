import Testing
@testable import RTP

@Suite struct RTCPCompoundTests {
    static let pli = hex("81 ce 00 02 00 00 00 01 00 00 00 02")

    @Test func packetCountAtCapAndOnePast() throws {
        let limits = RTCPLimits()
        #expect(limits.maxPacketsPerCompound == 32)
        let atCap = Array(repeatElement(Self.pli, count: 32).joined())
        #expect(try RTCPCompound.parse(atCap).count == 32)
        let pastCap = atCap + Self.pli
        #expect(throws: RTCPParseError.limitExceeded(.packetsPerCompound, cap: 32)) { try RTCPCompound.parse(pastCap) }
    }

    @Test func reportBlockCapAtLimitAndOnePast() throws {
        var limits = RTCPLimits()
        limits.maxReportBlocks = 2
        let blocks = (0..<3).map { RTCPReceptionReport(ssrc: UInt32($0)) }
        let two = RTCPCompound.serialize([.receiverReport(RTCPReceiverReport(ssrc: 1, reports: Array(blocks.prefix(2))))])
        let three = RTCPCompound.serialize([.receiverReport(RTCPReceiverReport(ssrc: 1, reports: blocks))])
        #expect(try RTCPCompound.parse(two, limits: limits).count == 1)
        #expect(throws: RTCPParseError.limitExceeded(.reportBlocks, cap: 2)) { try RTCPCompound.parse(three, limits: limits) }
        // The default admits the 5-bit maximum of 31.
        let full = RTCPCompound.serialize([.receiverReport(RTCPReceiverReport(
            ssrc: 1, reports: (0..<31).map { RTCPReceptionReport(ssrc: UInt32($0)) }))])
        #expect(try RTCPCompound.parse(full).count == 1)
    }

    @Test func sourceDescriptionAndByeCaps() throws {
        var limits = RTCPLimits()
        limits.maxSourceDescriptionItems = 1
        let oneItem = RTCPCompound.serialize([.sourceDescription(RTCPSourceDescription(cname: "x", ssrc: 1))])
        let twoItems = RTCPCompound.serialize([.sourceDescription(RTCPSourceDescription(chunks: [
            .init(ssrc: 1, items: [.init(type: .cname, text: "x"), .init(type: .name, text: "y")]),
        ]))])
        #expect(try RTCPCompound.parse(oneItem, limits: limits).count == 1)
        #expect(throws: RTCPParseError.limitExceeded(.sourceDescriptionItems, cap: 1)) { try RTCPCompound.parse(twoItems, limits: limits) }
        limits.maxSourceDescriptionChunks = 0
        #expect(throws: RTCPParseError.limitExceeded(.sourceDescriptionChunks, cap: 0)) { try RTCPCompound.parse(oneItem, limits: limits) }
        limits.maxBYESSRCs = 1
        #expect(try RTCPCompound.parse(RTCPCompound.serialize([.bye(RTCPBye(ssrcs: [1]))]), limits: limits).count == 1)
        #expect(throws: RTCPParseError.limitExceeded(.byeSSRCs, cap: 1)) {
            try RTCPCompound.parse(RTCPCompound.serialize([.bye(RTCPBye(ssrcs: [1, 2]))]), limits: limits)
        }
    }

    @Test func honoursPaddingOnAnyPacket() throws {
        // RR with 4 bytes of padding, followed by a PLI.
        let bytes = hex("a0 c9 00 02 00 00 00 07 00 00 00 04") + Self.pli
        #expect(try RTCPCompound.parse(bytes) == [
            .receiverReport(RTCPReceiverReport(ssrc: 7)),
            .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 1, mediaSSRC: 2)),
        ])
    }

    @Test(arguments: [
        ([UInt8](), RTCPParseError.truncated),                                      // zero-length datagram
        (hex("81 c9 00"), .truncated),                                              // shorter than a header
        (hex("81 c9 00 64"), .lengthPastEnd(declared: 404, available: 4)),          // length points past end
        (hex("81 c9 00 07 90 2f 9e 2e"), .lengthPastEnd(declared: 32, available: 8)),
        (hex("ff ff ff ff ff ff ff ff"), .badVersion(3)),                           // 0xFF garbage
        (hex("00 00 00 00"), .badVersion(0)),
        (hex("80 c8 00 00"), .truncated),                                           // SR with no body
        (hex("81 c9 00 01 00 00 00 01"), .truncated),                               // RR announces a block it lacks
        (hex("a0 c9 00 01 00 00 00 00"), .badPadding),                              // padding count 0
        (hex("a0 c9 00 01 00 00 00 05"), .badPadding),                              // padding beyond body
        (hex("81 ca 00 02 00 00 00 01 01 09 61 62"), .truncated),                   // SDES item past end
        (hex("81 ca 00 02 00 00 00 01 01 01 61 62"), .truncated),                   // SDES chunk without null item
        (hex("81 cb 00 01 00 00 00 01 80 c9 00 01 00 00 00 01 ff"), .truncated),    // trailing partial header
    ])
    func rejectsHostileInput(bytes: [UInt8], error: RTCPParseError) {
        #expect(throws: error) { try RTCPCompound.parse(bytes) }
    }

    @Test func errorsDescribeThemselves() {
        #expect(RTCPParseError.lengthPastEnd(declared: 404, available: 4).description
            == "RTCP length field claims 404 bytes but only 4 remain")
        #expect(RTCPParseError.limitExceeded(.nackItems, cap: 256).description == "RTCP nackItems exceeds cap of 256")
    }

    @Test func parsesSlicesWithNonZeroStartIndex() throws {
        let framed = [0xEE, 0xEE] + Self.pli + [0xEE]
        #expect(try RTCPCompound.parse(framed[2..<14]).count == 1)
    }

    @Test func roundTripsEveryType() throws {
        let packets: [RTCPPacket] = [
            .senderReport(RTCPSenderReport(ssrc: 1, ntpTimestamp: 0x0123_4567_89AB_CDEF, rtpTimestamp: 3, packetCount: 4,
                                           octetCount: 5, reports: [RTCPReceptionReport(ssrc: 6, fractionLost: 7, cumulativeLost: 8,
                                                                                         extendedHighestSequence: 9, jitter: 10,
                                                                                         lastSenderReport: 11, delaySinceLastSenderReport: 12)])),
            .receiverReport(RTCPReceiverReport(ssrc: 13, reports: [RTCPReceptionReport(ssrc: 14, cumulativeLost: -1)])),
            .sourceDescription(RTCPSourceDescription(cname: "héllo wörld", ssrc: 15)),
            .bye(RTCPBye(ssrcs: [16, 17], reason: "bye")),
            .genericNACK(RTCPGenericNACK(senderSSRC: 18, mediaSSRC: 19, lostSequenceNumbers: [1, 2, 3, 100])),
            .pictureLossIndication(RTCPPictureLossIndication(senderSSRC: 20, mediaSSRC: 21)),
            .fullIntraRequest(RTCPFullIntraRequest(senderSSRC: 22, entries: [.init(ssrc: 23, sequenceNumber: 24)])),
            .remb(RTCPREMB(senderSSRC: 25, bitrate: 1_000_000, ssrcs: [26, 27])),
            .transportWideFeedback(RTCPTransportWideFeedback(senderSSRC: 28, mediaSSRC: 29, baseSequenceNumber: 30,
                                                             referenceTime: 31, feedbackCount: 32,
                                                             deltasMicroseconds: [250, nil, -250, 64_000])),
            .unknown(packetType: 204, format: 3, bytes: hex("00 00 00 21 41 42 43 44")),
        ]
        let bytes = RTCPCompound.serialize(packets)
        #expect(bytes.count % 4 == 0)
        #expect(try RTCPCompound.parse(bytes) == packets)
    }

    /// Deterministic pseudo-random garbage: parsing must throw a parse error or succeed, never
    /// trap; what parses is a compound of at most one packet per 4 bytes that the serializer
    /// writes back into something that parses the same; both outcomes occur.
    @Test func survivesRandomInput() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var parsedInputs = 0, refused = 0
        for _ in 0..<5_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 58)
            var bytes: [UInt8] = []
            for _ in 0..<length {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                bytes.append(UInt8(truncatingIfNeeded: state >> 33))
            }
            if !bytes.isEmpty { bytes[0] = 0x80 | (bytes[0] & 0x3F) }  // mostly version 2
            // Every other input gets a plausible first header (a known packet type, a length
            // that matches the input), so the parsers behind the header check are reached too.
            if bytes.count >= 8, state & 1 == 0 {
                bytes.removeLast(bytes.count % 4)
                bytes[0] = 0x80 | (bytes[0] & 0x1F)  // no padding, any count
                bytes[1] = 200 + UInt8(state >> 40 & 0x7)
                bytes[2] = 0
                bytes[3] = UInt8(bytes.count / 4 - 1)
            }
            do {
                let packets = try RTCPCompound.parse(bytes)
                parsedInputs += 1
                #expect(packets.count <= bytes.count / 4, "\(bytes)")
                // What we serialize parses again, and after that one normalisation (padding
                // dropped, bodies padded to 32 bits) a round trip changes nothing.
                let normalised = try RTCPCompound.parse(RTCPCompound.serialize(packets))
                #expect(normalised.count == packets.count, "\(bytes)")
                #expect(try RTCPCompound.parse(RTCPCompound.serialize(normalised)) == normalised, "\(bytes)")
            } catch {
                refused += 1
            }
        }
        #expect(parsedInputs > 0 && refused > 0, "parsed \(parsedInputs), refused \(refused)")
    }
}
