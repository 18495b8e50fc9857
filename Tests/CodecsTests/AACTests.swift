import Testing
import TestSupport
@testable import Codecs

/// `mpeg4-generic` AAC (RFC 3640) depacketizing, payload parameters, AudioSpecificConfig and ADTS.
@Suite struct AACTests {
    /// A depacketizer for AAC-hbr as ffmpeg announces it.
    func hbr(limits: DepacketizerLimits = DepacketizerLimits(), maxUnits: Int = 256) throws -> AACDepacketizer {
        let format = try AACPayloadFormat(fmtp: ["profile-level-id": "1", "mode": "AAC-hbr", "sizelength": "13",
                                                 "indexlength": "3", "indexdeltalength": "3", "config": "1210"])
        return AACDepacketizer(format: format, limits: limits, maxAccessUnitsPerPacket: maxUnits)
    }

    /// One AAC-hbr AU-header (RFC 3640 §3.3.6): 13-bit AU-size, 3-bit AU-Index(-delta).
    func header(size: Int, index: Int = 0) -> [UInt8] {
        [UInt8(size >> 5), UInt8(truncatingIfNeeded: size << 3) | UInt8(index)]
    }

    /// A payload of whole AUs: AU-headers-length in bits, the headers, the AUs (RFC 3640 §3.2.1).
    func payload(_ units: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = [0x00, UInt8(16 * units.count)]
        for unit in units { out += header(size: unit.count) }
        for unit in units { out += unit }
        return out
    }

    @Test func singleAccessUnitRFCLayout() throws {
        var depacketizer = try hbr()
        // AU-headers-length 16 bits, AU-size 5 (0x0028 = 5 << 3 | index 0), then the 5-byte AU.
        let bytes: [UInt8] = [0x00, 0x10, 0x00, 0x28, 0x21, 0x10, 0x05, 0x00, 0xA0]
        let out = depacketizer.push(payload: bytes[...], sequenceNumber: 1, rtpTimestamp: 90_000, marker: true)
        #expect(out == [AccessUnit(payloads: [[0x21, 0x10, 0x05, 0x00, 0xA0]], rtpTimestamp: 90_000, isKeyframe: true)])
        #expect(depacketizer.droppedPackets == 0)
    }

    @Test func severalAccessUnitsPerPacketGetConsecutiveTimestamps() throws {
        var depacketizer = try hbr()
        let bytes: [UInt8] = [0x00, 0x30, 0x00, 0x18, 0x00, 0x10, 0x00, 0x20,   // 48 bits: sizes 3, 2, 4
                              1, 2, 3, 4, 5, 6, 7, 8, 9]
        let out = depacketizer.push(payload: bytes[...], sequenceNumber: 7, rtpTimestamp: 0xFFFF_FC00, marker: true)
        #expect(out.map(\.payloads) == [[[1, 2, 3]], [[4, 5]], [[6, 7, 8, 9]]])
        #expect(out.map(\.rtpTimestamp) == [0xFFFF_FC00, 0, 1024])   // 1024 per AU, wrapping
        #expect(out.allSatisfy { $0.isKeyframe })
    }

    @Test func fragmentedAccessUnitJoinsUntilTheMarker() throws {
        var depacketizer = try hbr()
        let frame = (0..<10).map { UInt8($0) }
        let head: [UInt8] = [0x00, 0x10] + header(size: 10)   // every fragment carries the whole AU-size
        #expect(depacketizer.push(payload: (head + frame[0..<4])[...], sequenceNumber: 10, rtpTimestamp: 500, marker: false).isEmpty)
        #expect(depacketizer.push(payload: (head + frame[4..<8])[...], sequenceNumber: 11, rtpTimestamp: 500, marker: false).isEmpty)
        let out = depacketizer.push(payload: (head + frame[8...])[...], sequenceNumber: 12, rtpTimestamp: 500, marker: true)
        #expect(out == [AccessUnit(payloads: [frame], rtpTimestamp: 500, isKeyframe: true)])
        #expect(depacketizer.droppedPackets == 0)
    }

    @Test func lostFragmentDropsTheAccessUnit() throws {
        var depacketizer = try hbr()
        let head: [UInt8] = [0x00, 0x10] + header(size: 10)
        _ = depacketizer.push(payload: (head + [1, 2, 3, 4])[...], sequenceNumber: 10, rtpTimestamp: 500, marker: false)
        // Sequence 11 lost: the last fragment cannot complete the AU.
        let out = depacketizer.push(payload: (head + [9, 10])[...], sequenceNumber: 12, rtpTimestamp: 500, marker: true)
        #expect(out.isEmpty)
        #expect(depacketizer.droppedPackets == 2)
        // The next whole AU goes through.
        let next = depacketizer.push(payload: payload([[7, 7]])[...], sequenceNumber: 13, rtpTimestamp: 1524, marker: true)
        #expect(next.map(\.payloads) == [[[7, 7]]])
    }

    @Test func accessUnitSizeCapAndOnePast() throws {
        var depacketizer = try hbr(limits: DepacketizerLimits(maxAccessUnitBytes: 100))
        let atCap = [UInt8](repeating: 0xAB, count: 100)
        #expect(depacketizer.push(payload: payload([atCap])[...], sequenceNumber: 1, rtpTimestamp: 0, marker: true).count == 1)
        let pastCap = [UInt8](repeating: 0xAB, count: 101)
        #expect(depacketizer.push(payload: payload([pastCap])[...], sequenceNumber: 2, rtpTimestamp: 1024, marker: true).isEmpty)
        #expect(depacketizer.droppedPackets == 1)
        // A fragmented AU announcing cap + 1 bytes is refused at its first fragment.
        let head: [UInt8] = [0x00, 0x10] + header(size: 101)
        #expect(depacketizer.push(payload: (head + [1])[...], sequenceNumber: 3, rtpTimestamp: 2048, marker: false).isEmpty)
        #expect(depacketizer.droppedPackets == 2)
    }

    @Test func accessUnitsPerPacketCapAndOnePast() throws {
        var depacketizer = try hbr(maxUnits: 4)
        let four = (0..<4).map { [UInt8($0)] }
        #expect(depacketizer.push(payload: payload(four)[...], sequenceNumber: 1, rtpTimestamp: 0, marker: true).count == 4)
        let five = (0..<5).map { [UInt8($0)] }
        #expect(depacketizer.push(payload: payload(five)[...], sequenceNumber: 2, rtpTimestamp: 4096, marker: true).isEmpty)
        #expect(depacketizer.droppedPackets == 1)
    }

    @Test func malformedPayloadsAreCounted() throws {
        var depacketizer = try hbr()
        let cases: [[UInt8]] = [
            [],                                   // no AU-headers-length
            [0x00],                               // truncated AU-headers-length
            [0x00, 0x10, 0x00],                   // truncated AU-header section
            [0x00, 0x0F, 0x00, 0x28, 1, 2, 3],    // 15 bits is not a whole number of 16-bit headers
            [0x00, 0x20, 0x00, 0x28, 0x00, 0x28, 1, 2, 3],   // two AUs, data for less than one
            [0x00, 0x10, 0x00, 0x00, 1],          // AU-size 0
        ]
        for (index, bytes) in cases.enumerated() {
            let out = depacketizer.push(payload: bytes[...], sequenceNumber: UInt16(index), rtpTimestamp: 0, marker: true)
            #expect(out.isEmpty, "case \(index)")
        }
        #expect(depacketizer.droppedPackets == cases.count)
    }

    @Test func payloadFormatFromFmtp() throws {
        let ffmpeg = try AACPayloadFormat(fmtp: ["profile-level-id": "1", "mode": "AAC-hbr", "sizelength": "13",
                                                 "indexlength": "3", "indexdeltalength": "3", "config": "119056E500"])
        #expect(ffmpeg.sizeLength == 13 && ffmpeg.indexLength == 3 && ffmpeg.indexDeltaLength == 3)
        #expect(ffmpeg.config?.bytes == [0x11, 0x90, 0x56, 0xE5, 0x00])
        #expect(ffmpeg.hasAUHeaders)
        // Keys are case-insensitive; AAC-hbr defaults apply when lengths are missing (§3.3.6).
        let bare = try AACPayloadFormat(fmtp: ["Mode": "AAC-hbr", "SizeLength": "13"])
        #expect(bare.sizeLength == 13 && bare.indexLength == 3 && bare.constantDuration == 1024)
        let lbr = try AACPayloadFormat(fmtp: ["mode": "AAC-lbr"])
        #expect(lbr.sizeLength == 6 && lbr.indexLength == 2 && lbr.indexDeltaLength == 2)
        #expect(try AACPayloadFormat(fmtp: [:]).hasAUHeaders == false)
        #expect(throws: CodecParseError.limitExceeded(field: "fmtp sizelength", value: 17, limit: 16)) {
            try AACPayloadFormat(fmtp: ["mode": "AAC-hbr", "sizelength": "17"])
        }
        #expect(throws: CodecParseError.self) { try AACPayloadFormat(fmtp: ["mode": "AAC-hbr", "sizelength": "x"]) }
        #expect(throws: CodecParseError.self) { try AACPayloadFormat(fmtp: ["mode": "AAC-hbr", "config": "12G0"]) }
        #expect(ffmpeg.fmtpValue
            == "streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;indexdeltalength=3;config=119056e500")
    }

    @Test func audioSpecificConfigFields() throws {
        // ISO/IEC 14496-3 §1.6.2.1: 5 bits object type, 4 bits frequency index, 4 bits channels.
        let lc44 = try AAC.AudioSpecificConfig(hex: "1210")      // AAC LC, 44.1 kHz (index 4), stereo
        #expect(lc44.objectType == 2 && lc44.sampleRate == 44_100 && lc44.channelConfiguration == 2)
        let lc48mono = try AAC.AudioSpecificConfig(hex: "1188")  // AAC LC, 48 kHz (index 3), mono
        #expect(lc48mono.objectType == 2 && lc48mono.sampleRate == 48_000 && lc48mono.channelCount == 1)
        // Escaped object type 31 + 6 bits (32 + 10 = 42), index 15 + explicit 24-bit frequency 8000, mono.
        let escaped = try AAC.AudioSpecificConfig(bytes: [0xF9, 0x5E, 0x00, 0x3E, 0x80, 0x20])
        #expect(escaped.objectType == 42 && escaped.sampleRate == 8_000 && escaped.channelConfiguration == 1)
        #expect(throws: CodecParseError.invalidValue(field: "samplingFrequencyIndex", value: 13)) {
            try AAC.AudioSpecificConfig(bytes: [0x16, 0x90])
        }
        #expect(throws: CodecParseError.truncated(field: "samplingFrequencyIndex")) { try AAC.AudioSpecificConfig(bytes: [0x12]) }
        let cap = [UInt8](repeating: 0x12, count: AAC.maxConfigBytes)
        #expect(try AAC.AudioSpecificConfig(bytes: cap).objectType == 2)
        #expect(throws: CodecParseError.limitExceeded(field: "AudioSpecificConfig bytes", value: AAC.maxConfigBytes + 1,
                                                      limit: AAC.maxConfigBytes)) {
            try AAC.AudioSpecificConfig(bytes: cap + [0])
        }
    }

    @Test func adtsFramesAndConfig() throws {
        // ADTS header (§1.A.2.2): sync FFF, MPEG-4, no CRC, LC, 44.1 kHz, stereo, frame_length 7 + 3.
        let frame: [UInt8] = [0xFF, 0xF1, 0x50, 0x80, 0x01, 0x5F, 0xFC, 0xAA, 0xBB, 0xCC]
        let header = try AAC.ADTSHeader(parsing: frame[...])
        #expect(header.objectType == 2 && header.samplingFrequencyIndex == 4 && header.channelConfiguration == 2)
        #expect(header.headerLength == 7 && header.frameLength == 10)
        #expect(header.audioSpecificConfig == [0x12, 0x10])
        let split = AAC.rawFrames(fromADTS: frame + frame + [0xFF, 0xF1])
        #expect(split.frames == [[0xAA, 0xBB, 0xCC], [0xAA, 0xBB, 0xCC]])
        #expect(throws: CodecParseError.self) { try AAC.ADTSHeader(parsing: [0xFF, 0xE1, 0x50][...]) }
    }

    @Test func packetizerRoundTripWithFragments() throws {
        var packetizer = AACPacketizer()
        var depacketizer = try hbr()
        let frame = (0..<3000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let packets = packetizer.packetize(AccessUnit(payloads: [frame], rtpTimestamp: 42, isKeyframe: true), maxPayloadSize: 1200)
        #expect(packets.count == 3 && packets.map(\.marker) == [false, false, true])
        #expect(Array(packets[0].payload.prefix(4)) == [0x00, 0x10, 0x5D, 0xC0])   // 3000 << 3 = 0x5DC0
        var out: [AccessUnit] = []
        for (index, packet) in packets.enumerated() {
            out += depacketizer.push(payload: packet.payload[...], sequenceNumber: UInt16(index), rtpTimestamp: 42, marker: packet.marker)
        }
        #expect(out == [AccessUnit(payloads: [frame], rtpTimestamp: 42, isKeyframe: true)])
        let tooBig = AccessUnit(payloads: [[UInt8](repeating: 0, count: AACPacketizer.maxAccessUnitBytes + 1)], rtpTimestamp: 0,
                                isKeyframe: true)
        #expect(packetizer.packetize(tooBig, maxPayloadSize: 1200).isEmpty)
    }

    @Test func registryDescribesAAC() throws {
        let aac = try #require(CodecRegistry.descriptor(forEncodingName: "MPEG4-GENERIC"))
        #expect(aac.format == .aac && aac.kind == .audio && aac.webRTCCompatible == false)
        #expect(aac.makeDepacketizer(fmtp: ["mode": "AAC-hbr", "config": "1210"]) is AACDepacketizer)
        #expect(aac.makeDepacketizer(fmtp: ["mode": "AAC-hbr", "sizelength": "99"]) == nil)
        let latm = try #require(CodecRegistry.descriptor(forEncodingName: "mp4a-latm"))
        #expect(latm.format == .aacLATM && latm.webRTCCompatible == false)
        #expect(latm.makeDepacketizer() == nil && latm.makePacketizer() == nil)
    }

    @Test func seededGarbageNeverTraps() throws {
        var depacketizer = try hbr(limits: DepacketizerLimits(maxAccessUnitBytes: 2048))
        var generator = SeededGenerator(seed: 3640)
        var delivered = 0
        var sequence: UInt16 = 0
        for round in 0..<5_000 {
            var bytes = generator.bytes(Int.random(in: 0...(round % 4 == 0 ? 8 : 1400), using: &generator))
            if bytes.count >= 2, round % 2 == 0 { bytes[0] = 0; bytes[1] = UInt8(16 * Int.random(in: 1...4, using: &generator)) }
            sequence &+= UInt16.random(in: 0...7, using: &generator) == 0 ? 2 : 1
            let out = depacketizer.push(payload: bytes[...], sequenceNumber: sequence, rtpTimestamp: UInt32(round / 3) * 1024,
                                        marker: Bool.random(using: &generator))
            #expect(out.allSatisfy { $0.byteCount > 0 && $0.byteCount <= 2048 })
            delivered += out.count
        }
        #expect(depacketizer.droppedPackets > 0)
        #expect(delivered > 0)
    }
}
