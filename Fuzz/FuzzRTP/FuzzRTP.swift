// libFuzzer target for RTP (RFC 3550 §5.1), compound RTCP (RFC 3550 §6, RFC 4585, RFC 5104,
// REMB, transport-wide CC) and RFC 8285 header extension elements.
//
// Single source file on purpose: a plain `swift build` compiles it as the executable's main file
// (an empty program), while `--sanitize=fuzzer` builds it as a library whose entry point is
// libFuzzer's driver calling `LLVMFuzzerTestOneInput`. See Fuzz/README.md.
import RTCBase
import RTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    RTPFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Parses the input as an RTP packet, as a compound RTCP datagram and (after a 2-byte profile) as
/// a header extension block. Traps when a serialized value does not parse back the same.
enum RTPFuzzHarness {
    static func run(_ bytes: [UInt8]) {
        if let packet = try? RTPPacket(parsing: bytes) {
            checkRTP(packet)
            if let headerExtension = packet.headerExtension { checkExtension(headerExtension) }
        }
        checkRTCP(bytes)
        if bytes.count >= 2 {
            let profile = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
            checkExtension(RTPHeaderExtension(profile: profile, data: Array(bytes.dropFirst(2))))
        }
    }

    /// `serialized()` drops padding only: every header field and the payload survive.
    static func checkRTP(_ packet: RTPPacket) {
        let bytes = packet.serialized()
        guard let again = try? RTPPacket(parsing: bytes) else {
            fatalError("serialized RTP packet does not parse: \(bytes.hexString)")
        }
        guard again.marker == packet.marker, again.payloadType == packet.payloadType,
              again.sequenceNumber == packet.sequenceNumber, again.timestamp == packet.timestamp,
              again.ssrc == packet.ssrc, again.csrcs == packet.csrcs,
              again.headerExtension == packet.headerExtension, again.payload.elementsEqual(packet.payload),
              again.serialized() == bytes else {
            fatalError("RTP packet changes in a round trip: \(bytes.hexString)")
        }
    }

    /// A parsed compound serializes to a datagram that parses, and serializing is then stable
    /// (the first pass may zero-pad odd-sized unknown bodies; nothing else may change).
    static func checkRTCP(_ bytes: [UInt8]) {
        guard let packets = try? RTCPCompound.parse(bytes) else { return }
        let first = RTCPCompound.serialize(packets)
        let reparsed: [RTCPPacket]
        do {
            reparsed = try RTCPCompound.parse(first)
        } catch {
            fatalError("serialized RTCP does not parse (\(error)): \(first.hexString)")
        }
        guard reparsed.count == packets.count, RTCPCompound.serialize(reparsed) == first else {
            fatalError("RTCP serialization is not stable: \(first.hexString)")
        }
        for (before, after) in zip(packets, reparsed) where !survivesRoundTrip(before, after) {
            fatalError("RTCP packet changes in a round trip: \(before) became \(after)")
        }
    }

    /// Equal, except that an unknown body may gain zero padding, a NACK list is a set (an entry
    /// repeated in the input is written once), a REMB rate may round to what the wire can carry
    /// and text that was not UTF-8 may be cut (see `textSurvives`).
    static func survivesRoundTrip(_ before: RTCPPacket, _ after: RTCPPacket) -> Bool {
        switch (before, after) {
        case (.unknown, .unknown):
            return true
        case (.genericNACK(let nack), .genericNACK(let again)):
            return nack.senderSSRC == again.senderSSRC && nack.mediaSSRC == again.mediaSSRC
                && Set(nack.lostSequenceNumbers) == Set(again.lostSequenceNumbers)
        case (.remb(let remb), .remb(let again)):
            // Huge wire values saturate to UInt64.max, which is written as the largest encodable
            // rate (exponent 46, mantissa 0x3FFFF) and read back as that.
            return remb.senderSSRC == again.senderSSRC && remb.ssrcs == again.ssrcs
                && again.bitrate == representable(remb.bitrate)
        case (.bye(let bye), .bye(let again)):
            return bye.ssrcs == again.ssrcs && textSurvives(bye.reason, again.reason)
        case (.sourceDescription(let sdes), .sourceDescription(let again)):
            return sdes.chunks.count == again.chunks.count && zip(sdes.chunks, again.chunks).allSatisfy { chunk, other in
                chunk.ssrc == other.ssrc && chunk.items.count == other.items.count
                    && zip(chunk.items, other.items).allSatisfy { $0.type == $1.type && textSurvives($0.text, $1.text) }
            }
        default:
            return before == after
        }
    }

    /// Text comes back equal, unless it held invalid UTF-8: each bad byte became U+FFFD (three
    /// bytes), so it may now be cut, at a scalar boundary, to the 255 bytes the wire allows.
    static func textSurvives(_ before: String?, _ after: String?) -> Bool {
        guard let before, let after, before != after else { return before == after }
        return before.unicodeScalars.contains("\u{FFFD}") && after.utf8.count <= 255
            && before.unicodeScalars.starts(with: after.unicodeScalars)
    }

    /// `rate` with its low bits cut to an 18-bit mantissa, as REMB carries it.
    static func representable(_ rate: UInt64) -> UInt64 {
        var mantissa = rate
        var exponent: UInt64 = 0
        while mantissa > 0x3_FFFF {
            mantissa >>= 1
            exponent += 1
        }
        return mantissa << exponent
    }

    /// The element parser and the allocation-free lookup agree, and serializing the elements in
    /// the same form parses back to the same elements (ID 0 is padding and is not written).
    static func checkExtension(_ headerExtension: RTPHeaderExtension) {
        guard let parsed = try? RTPHeaderExtensionElements.parse(headerExtension) else { return }
        var seen: Set<UInt8> = []
        for element in parsed.elements where seen.insert(element.id).inserted {
            let found = RTPHeaderExtensionElements.element(id: element.id, in: headerExtension)
            guard let found, found.elementsEqual(element.data) else {
                fatalError("element(id: \(element.id)) disagrees with parse(): \(headerExtension.data.hexString)")
            }
        }
        let isOneByte = headerExtension.profile == RTPHeaderExtensionElements.oneByteProfile
        let written = parsed.serialized(twoByte: !isOneByte, appBits: UInt8(headerExtension.profile & 0x0f))
        guard let again = try? RTPHeaderExtensionElements.parse(written) else {
            fatalError("serialized extension does not parse: \(written.data.hexString)")
        }
        guard again.elements == parsed.elements.filter({ $0.id != 0 }) else {
            fatalError("extension elements change in a round trip: \(headerExtension.data.hexString)")
        }
    }
}
