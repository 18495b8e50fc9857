// libFuzzer target for the H.264 (RFC 6184), VP8 (RFC 7741), VP9 (RFC 9628), AV1 (AV1 RTP payload
// format v1.0), H.265 (RFC 7798) and AAC (RFC 3640) depacketizers, the H.264 and H.265 SPS parsers
// and the parameter-set scan of RTP payloads.
//
// Single source file on purpose: a plain `swift build` compiles it as the executable's main file
// (an empty program), while `--sanitize=fuzzer` builds it as a library whose entry point is
// libFuzzer's driver calling `LLVMFuzzerTestOneInput`. See Fuzz/README.md.
import Codecs

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    CodecsFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// One RTP packet as the harness feeds it to a depacketizer.
struct FuzzPacket {
    var payload: ArraySlice<UInt8>
    var sequenceNumber: UInt16
    var rtpTimestamp: UInt32
    var marker: Bool
}

/// Splits the input into a packet stream. Byte 0 picks the first sequence number (near the wrap
/// when its high bit is set) and the packetizer MTU; then each packet is a control byte (bits 0–1:
/// sequence step +1, +1, +2 (a gap) or 0 (a duplicate); bit 2: next timestamp; bit 3: marker;
/// bits 4–7: high bits of the length), a length byte and that many payload bytes (fewer at the end).
struct FuzzPacketStream {
    let packets: [FuzzPacket]
    let maxPayloadSize: Int

    init(_ bytes: [UInt8]) {
        guard let config = bytes.first else {
            packets = []
            maxPayloadSize = 1200
            return
        }
        maxPayloadSize = H264Packetizer.minimumPayloadSize + 2 + Int(config & 0x3f) * 20
        var sequenceNumber: UInt16 = config & 0x80 != 0 ? 0xfffd : 1
        var rtpTimestamp: UInt32 = config & 0x40 != 0 ? 0xffff_f000 : 0
        var packets: [FuzzPacket] = []
        var index = 1
        while index + 1 < bytes.count {
            let control = bytes[index]
            let length = Int(control >> 4) << 8 | Int(bytes[index + 1])
            let start = index + 2
            let end = start + min(length, bytes.count - start)
            switch control & 0x03 {
            case 2: sequenceNumber &+= 2
            case 3: break
            default: sequenceNumber &+= 1
            }
            if control & 0x04 != 0 { rtpTimestamp &+= 3000 }
            packets.append(FuzzPacket(payload: bytes[start..<end], sequenceNumber: sequenceNumber,
                                      rtpTimestamp: rtpTimestamp, marker: control & 0x08 != 0))
            index = end
        }
        self.packets = packets
    }
}

/// Feeds the packet stream to every depacketizer (small limits, so the caps are reached) and
/// each payload to the SPS parsers and the parameter-set scan. Every access unit delivered must be
/// well formed, within the caps, and must survive packetizing and depacketizing again unchanged.
enum CodecsFuzzHarness {
    static let limits = DepacketizerLimits(maxAccessUnitBytes: 16 * 1024, maxNALUnitsPerAccessUnit: 16,
                                           maxParameterSetBytes: 64)

    static func run(_ bytes: [UInt8]) {
        let stream = FuzzPacketStream(bytes)
        runH264AndVP8(stream)
        runVP9(stream)
        runAV1(stream)
        runH265(stream)
        runAAC(stream, format: aacFormats[Int(bytes.first ?? 0) % aacFormats.count])
    }

    static func runH264AndVP8(_ stream: FuzzPacketStream) {
        var h264 = H264Depacketizer(limits: limits)
        var vp8 = VP8Depacketizer(limits: limits)
        for packet in stream.packets {
            checkParameterSets(in: packet.payload)
            for unit in h264.push(payload: packet.payload, sequenceNumber: packet.sequenceNumber,
                                  rtpTimestamp: packet.rtpTimestamp, marker: packet.marker) {
                checkH264(unit, maxPayloadSize: stream.maxPayloadSize)
            }
            for unit in vp8.push(payload: packet.payload, sequenceNumber: packet.sequenceNumber,
                                 rtpTimestamp: packet.rtpTimestamp, marker: packet.marker) {
                checkVP8(unit, maxPayloadSize: stream.maxPayloadSize)
            }
        }
        for unit in h264.flush() { checkH264(unit, maxPayloadSize: stream.maxPayloadSize) }
        for unit in vp8.flush() { checkVP8(unit, maxPayloadSize: stream.maxPayloadSize) }
        guard h264.droppedPackets <= stream.packets.count, vp8.droppedPackets <= stream.packets.count else {
            fatalError("more packets dropped than pushed")
        }
        if let sps = h264.sps, sps.count > limits.maxParameterSetBytes { fatalError("cached SPS over the limit") }
        if let pps = h264.pps, pps.count > limits.maxParameterSetBytes { fatalError("cached PPS over the limit") }
    }

    /// Parameter sets found in a payload are whole SPS/PPS NAL units inside it; an SPS that parses
    /// describes a picture of sane size.
    static func checkParameterSets(in payload: ArraySlice<UInt8>) {
        for nal in H264.parameterSets(inPayload: payload) {
            guard let header = nal.first, nal.startIndex >= payload.startIndex, nal.endIndex <= payload.endIndex,
                  H264.nalType(header) == H264.NALType.sps || H264.nalType(header) == H264.NALType.pps else {
                fatalError("parameterSets(inPayload:) returned a non-parameter-set: \(Array(nal))")
            }
            if H264.nalType(header) == H264.NALType.sps, let sps = try? H264.SequenceParameterSet(nalUnit: nal) {
                checkSPS(sps)
            }
        }
        if let sps = try? H264.SequenceParameterSet(nalUnit: payload) { checkSPS(sps) }
    }

    static func checkSPS(_ sps: H264.SequenceParameterSet) {
        let maxSamples = H264.SequenceParameterSet.maxDimensionInMBs * 16
        guard (1...maxSamples).contains(sps.width), (1...2 * maxSamples).contains(sps.height),
              sps.width <= sps.picWidthInMBs * 16, sps.height <= sps.frameHeightInMBs * 16 else {
            fatalError("SPS with impossible size \(sps.width)x\(sps.height): \(sps)")
        }
    }

    static func checkH264(_ unit: AccessUnit, maxPayloadSize: Int) {
        guard !unit.payloads.isEmpty, unit.payloads.count <= limits.maxNALUnitsPerAccessUnit + 2,
              unit.byteCount <= limits.maxAccessUnitBytes + 2 * limits.maxParameterSetBytes else {
            fatalError("H.264 access unit over the limits: \(unit.payloads.count) NAL units, \(unit.byteCount) bytes")
        }
        for nal in unit.payloads {
            guard let header = nal.first, header & 0x80 == 0 else { fatalError("empty or forbidden NAL unit delivered") }
        }
        let hasIDR = unit.payloads.contains { H264.nalType($0[0]) == H264.NALType.idrSlice }
        guard unit.isKeyframe == hasIDR else { fatalError("isKeyframe \(unit.isKeyframe) but IDR present: \(hasIDR)") }

        // Round trip, for units of ordinary NAL types (1–23; others are RTP aggregation types).
        guard unit.payloads.allSatisfy({ (1...23).contains(H264.nalType($0[0])) }) else { return }
        var packetizer = H264Packetizer()
        var depacketizer = H264Depacketizer()
        let output = roundTrip(unit, packetizer: &packetizer, depacketizer: &depacketizer, maxPayloadSize: maxPayloadSize,
                               flush: { $0.flush() }) ?? []
        guard output.count == 1, output[0].payloads == unit.payloads, output[0].isKeyframe == unit.isKeyframe else {
            fatalError("H.264 access unit changes when packetized at \(maxPayloadSize) and depacketized: "
                       + "\(unit.payloads.map(\.count)) became \(output.map { $0.payloads.map(\.count) })")
        }
    }

    static func checkVP8(_ unit: AccessUnit, maxPayloadSize: Int) {
        guard unit.payloads.count == 1, let frame = unit.payloads.first, !frame.isEmpty,
              frame.count <= limits.maxAccessUnitBytes else {
            fatalError("VP8 frame empty or over the limit: \(unit.payloads.map(\.count))")
        }
        var packetizer = VP8Packetizer()
        var depacketizer = VP8Depacketizer()
        let output = roundTrip(unit, packetizer: &packetizer, depacketizer: &depacketizer, maxPayloadSize: maxPayloadSize,
                               flush: { $0.flush() }) ?? []
        guard output == [unit] else {
            fatalError("VP8 frame of \(frame.count) bytes changes when packetized at \(maxPayloadSize) and depacketized")
        }
    }

    /// Feeds `unit` packetized by `packetizer` at `maxPayloadSize` to `depacketizer` with
    /// consecutive sequence numbers; returns what it delivers, or nil when the packetizer gave
    /// no payloads (MTU too small for this unit).
    static func roundTrip<P: RTPPacketizer, D: RTPDepacketizer>(
        _ unit: AccessUnit, packetizer: inout P, depacketizer: inout D, maxPayloadSize: Int,
        flush: (inout D) -> [AccessUnit]
    ) -> [AccessUnit]? {
        let packets = packetizer.packetize(unit, maxPayloadSize: maxPayloadSize)
        guard !packets.isEmpty else { return nil }
        var output: [AccessUnit] = []
        for (offset, packet) in packets.enumerated() {
            guard packet.payload.count <= maxPayloadSize else { fatalError("\(P.self) payload over the MTU") }
            output += depacketizer.push(payload: packet.payload[...], sequenceNumber: UInt16(truncatingIfNeeded: offset),
                                        rtpTimestamp: unit.rtpTimestamp, marker: packet.marker)
        }
        output += flush(&depacketizer)
        return output
    }

    /// Pushes the whole stream and flushes; checks that the counters agree with what was pushed:
    /// every unit, delivered or dropped, took at least one packet, and the packets of delivered
    /// units are not counted as dropped.
    static func depacketize<D: RTPDepacketizer>(_ stream: FuzzPacketStream, with depacketizer: inout D,
                                                flush: (inout D) -> [AccessUnit], droppedUnits: (D) -> Int,
                                                codec: String) -> [AccessUnit] {
        var units: [AccessUnit] = []
        for packet in stream.packets {
            units += depacketizer.push(payload: packet.payload, sequenceNumber: packet.sequenceNumber,
                                       rtpTimestamp: packet.rtpTimestamp, marker: packet.marker)
        }
        units += flush(&depacketizer)
        let pushed = stream.packets.count, dropped = depacketizer.droppedPackets, droppedUnits = droppedUnits(depacketizer)
        guard droppedUnits >= 0, droppedUnits <= dropped, dropped <= pushed, units.count <= pushed - dropped else {
            fatalError("\(codec): \(dropped) packets and \(droppedUnits) units dropped, \(units.count) units delivered, "
                       + "of \(pushed) packets pushed")
        }
        return units
    }

    // MARK: - VP9

    static func runVP9(_ stream: FuzzPacketStream) {
        var vp9 = VP9Depacketizer(limits: limits)
        for unit in depacketize(stream, with: &vp9, flush: { $0.flush() }, droppedUnits: \.droppedAccessUnits, codec: "VP9") {
            checkVP9(unit, maxPayloadSize: stream.maxPayloadSize)
        }
    }

    /// One frame per spatial layer, none empty, within the byte cap; a picture re-packetized at
    /// the stream's MTU and depacketized again has the same frames.
    static func checkVP9(_ unit: AccessUnit, maxPayloadSize: Int) {
        guard (1...VP9.maxSpatialLayers).contains(unit.payloads.count), unit.byteCount <= limits.maxAccessUnitBytes else {
            fatalError("VP9 picture with \(unit.payloads.count) frames of \(unit.byteCount) bytes")
        }
        guard unit.payloads.allSatisfy({ !$0.isEmpty }) else {
            fatalError("VP9 picture with an empty frame: \(unit.payloads.map(\.count))")
        }
        var packetizer = VP9Packetizer()
        var depacketizer = VP9Depacketizer()
        guard let output = roundTrip(unit, packetizer: &packetizer, depacketizer: &depacketizer,
                                     maxPayloadSize: maxPayloadSize, flush: { $0.flush() }) else { return }
        guard output.count == 1, output[0].payloads == unit.payloads, output[0].rtpTimestamp == unit.rtpTimestamp else {
            fatalError("VP9 picture \(unit.payloads.map(\.count)) changes when packetized at \(maxPayloadSize) "
                       + "and depacketized: \(output.map { $0.payloads.map(\.count) })")
        }
    }

    // MARK: - AV1

    static func runAV1(_ stream: FuzzPacketStream) {
        var av1 = AV1Depacketizer(limits: limits)
        for unit in depacketize(stream, with: &av1, flush: { $0.flush() }, droppedUnits: \.droppedAccessUnits, codec: "AV1") {
            checkAV1(unit, maxPayloadSize: stream.maxPayloadSize)
        }
    }

    /// A temporal delimiter, then whole sized OBUs (one per element, no temporal delimiter or
    /// tile list among them), within the caps; the unit survives `AV1Packetizer` and
    /// depacketizing again.
    static func checkAV1(_ unit: AccessUnit, maxPayloadSize: Int) {
        guard unit.payloads.first == AV1.temporalDelimiter, unit.payloads.count >= 2,
              unit.payloads.count <= limits.maxNALUnitsPerAccessUnit + 1,
              unit.byteCount <= limits.maxAccessUnitBytes else {
            fatalError("AV1 temporal unit malformed or over the caps: \(unit.payloads.map(\.count))")
        }
        for element in unit.payloads.dropFirst() {
            guard let obu = try? AV1.OBU(parsing: element[...]), obu.header & 0x02 != 0, obu.endIndex == element.endIndex,
                  obu.type != AV1.OBUType.temporalDelimiter, obu.type != AV1.OBUType.tileList else {
                fatalError("AV1 element is not one sized OBU: \(element.prefix(16))")
            }
        }
        var packetizer = AV1Packetizer()
        var depacketizer = AV1Depacketizer()
        guard let output = roundTrip(unit, packetizer: &packetizer, depacketizer: &depacketizer,
                                     maxPayloadSize: maxPayloadSize, flush: { $0.flush() }) else {
            fatalError("AV1Packetizer refused a delivered temporal unit at MTU \(maxPayloadSize)")
        }
        guard output.count == 1, output[0].payloads == unit.payloads else {
            fatalError("AV1 temporal unit \(unit.payloads.map(\.count)) changes when packetized at \(maxPayloadSize) "
                       + "and depacketized: \(output.map { $0.payloads.map(\.count) })")
        }
    }

    // MARK: - H.265

    static func runH265(_ stream: FuzzPacketStream) {
        var h265 = H265Depacketizer(limits: limits)
        let units = depacketize(stream, with: &h265, flush: { $0.flush() }, droppedUnits: \.droppedAccessUnits,
                                codec: "H.265")
        for set in h265.parameterSets where set.count > limits.maxParameterSetBytes || set.count < 3 {
            fatalError("cached H.265 parameter set of \(set.count) bytes")
        }
        for unit in units { checkH265(unit, maxPayloadSize: stream.maxPayloadSize) }
        for packet in stream.packets {
            guard let sps = try? H265.SequenceParameterSet(nalUnit: packet.payload) else { continue }
            guard (1...H265.SequenceParameterSet.maxDimension).contains(sps.width),
                  (1...H265.SequenceParameterSet.maxDimension).contains(sps.height),
                  sps.width <= sps.codedWidth, sps.height <= sps.codedHeight else {
                fatalError("H.265 SPS with impossible size \(sps.width)x\(sps.height): \(sps)")
            }
        }
    }

    /// NAL units of at least two bytes with a clear forbidden bit, within the caps (plus up to
    /// three cached parameter sets); a key frame exactly when an IRAP picture is present; the unit
    /// survives `H265Packetizer` and depacketizing again.
    static func checkH265(_ unit: AccessUnit, maxPayloadSize: Int) {
        guard !unit.payloads.isEmpty, unit.payloads.count <= limits.maxNALUnitsPerAccessUnit + 3,
              unit.byteCount <= limits.maxAccessUnitBytes + 3 * limits.maxParameterSetBytes else {
            fatalError("H.265 access unit over the caps: \(unit.payloads.count) NAL units, \(unit.byteCount) bytes")
        }
        for nal in unit.payloads where nal.count < 2 || nal[0] & 0x80 != 0 {
            fatalError("short or forbidden H.265 NAL unit delivered: \(nal.prefix(8))")
        }
        let hasIRAP = unit.payloads.contains { H265.isIRAP(H265.nalType($0[0])) }
        guard unit.isKeyframe == hasIRAP else { fatalError("H.265 isKeyframe \(unit.isKeyframe) but IRAP present: \(hasIRAP)") }

        // Round trip for units of ordinary NAL types (0–47; the others are RTP packet types).
        guard unit.payloads.allSatisfy({ H265.nalType($0[0]) < H265.aggregationPacket }) else { return }
        var packetizer = H265Packetizer()
        var depacketizer = H265Depacketizer()
        guard let output = roundTrip(unit, packetizer: &packetizer, depacketizer: &depacketizer,
                                     maxPayloadSize: max(maxPayloadSize, H265Packetizer.minimumPayloadSize),
                                     flush: { $0.flush() }) else {
            fatalError("H265Packetizer refused a delivered access unit")
        }
        guard output.count == 1, output[0].payloads == unit.payloads, output[0].isKeyframe == unit.isKeyframe else {
            fatalError("H.265 access unit \(unit.payloads.map(\.count)) changes when packetized at \(maxPayloadSize) "
                       + "and depacketized: \(output.map { $0.payloads.map(\.count) })")
        }
    }

    // MARK: - AAC

    /// Payload layouts chosen by byte 0: AAC-hbr (what ffmpeg and GStreamer send), AAC-lbr, a
    /// layout with every optional AU-header field and an auxiliary section, constant-size AUs
    /// without AU-size, and no AU-headers at all.
    static let aacFormats: [AACPayloadFormat] = {
        var formats = [AACPayloadFormat()]
        let layouts: [[String: String]] = [
            ["mode": "AAC-lbr"],
            ["mode": "AAC-hbr", "ctsdeltalength": "4", "dtsdeltalength": "3", "randomaccessindication": "1",
             "streamstateindication": "2", "auxiliarydatasizelength": "5"],
            ["mode": "generic", "constantsize": "7", "indexlength": "2", "indexdeltalength": "1"],
            ["mode": "generic"],
        ]
        for fmtp in layouts {
            guard let format = try? AACPayloadFormat(fmtp: fmtp) else { fatalError("AAC layout \(fmtp) refused") }
            formats.append(format)
        }
        return formats
    }()

    /// Every AU is one non-empty payload within the cap, all AUs together are no larger than
    /// the payloads pushed, and an AU-hbr round trip (`AACPacketizer`) gives the AU back.
    static func runAAC(_ stream: FuzzPacketStream, format: AACPayloadFormat) {
        var aac = AACDepacketizer(format: format, limits: limits, maxAccessUnitsPerPacket: 8)
        var units: [AccessUnit] = []
        var pushedBytes = 0
        for packet in stream.packets {
            pushedBytes += packet.payload.count
            let delivered = aac.push(payload: packet.payload, sequenceNumber: packet.sequenceNumber,
                                     rtpTimestamp: packet.rtpTimestamp, marker: packet.marker)
            guard delivered.count <= 8 else { fatalError("\(delivered.count) AAC AUs from one packet, cap 8") }
            units += delivered
        }
        guard aac.droppedPackets <= stream.packets.count else {
            fatalError("AAC: \(aac.droppedPackets) packets dropped of \(stream.packets.count)")
        }
        guard units.reduce(0, { $0 + $1.byteCount }) <= pushedBytes else {
            fatalError("AAC AUs hold more bytes than the \(pushedBytes) pushed")
        }
        for unit in units {
            guard unit.payloads.count == 1, !unit.payloads[0].isEmpty, unit.byteCount <= limits.maxAccessUnitBytes,
                  unit.isKeyframe else {
                fatalError("AAC AU malformed or over the cap: \(unit.payloads.map(\.count))")
            }
            guard unit.byteCount <= AACPacketizer.maxAccessUnitBytes else { continue }
            var packetizer = AACPacketizer()
            var depacketizer = AACDepacketizer()
            guard let output = roundTrip(unit, packetizer: &packetizer, depacketizer: &depacketizer,
                                         maxPayloadSize: max(stream.maxPayloadSize, 5), flush: { _ in [] }) else {
                fatalError("AACPacketizer refused an AU of \(unit.byteCount) bytes")
            }
            guard output == [unit] else {
                fatalError("AAC AU of \(unit.byteCount) bytes changes when packetized at \(stream.maxPayloadSize) "
                           + "and depacketized: \(output.map(\.byteCount))")
            }
        }
    }
}
