// libFuzzer target for the H.264 (RFC 6184) and VP8 (RFC 7741) depacketizers, the H.264 SPS parser
// (ITU-T H.264 §7.3.2.1.1) and the parameter-set scan of RTP payloads.
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

/// Feeds the packet stream to both depacketizers (small limits, so the caps are reached) and
/// each payload to the SPS parser and the parameter-set scan. Every access unit delivered must be
/// well formed and must survive packetizing and depacketizing again unchanged.
enum CodecsFuzzHarness {
    static let limits = DepacketizerLimits(maxAccessUnitBytes: 16 * 1024, maxNALUnitsPerAccessUnit: 16,
                                           maxParameterSetBytes: 64)

    static func run(_ bytes: [UInt8]) {
        let stream = FuzzPacketStream(bytes)
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
        var output: [AccessUnit] = []
        for (offset, packet) in packetizer.packetize(unit, maxPayloadSize: maxPayloadSize).enumerated() {
            guard packet.payload.count <= maxPayloadSize else { fatalError("H.264 payload over the MTU") }
            output += depacketizer.push(payload: packet.payload[...], sequenceNumber: UInt16(truncatingIfNeeded: offset),
                                        rtpTimestamp: unit.rtpTimestamp, marker: packet.marker)
        }
        output += depacketizer.flush()
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
        var output: [AccessUnit] = []
        for (offset, packet) in packetizer.packetize(unit, maxPayloadSize: maxPayloadSize).enumerated() {
            guard packet.payload.count <= maxPayloadSize else { fatalError("VP8 payload over the MTU") }
            output += depacketizer.push(payload: packet.payload[...], sequenceNumber: UInt16(truncatingIfNeeded: offset),
                                        rtpTimestamp: unit.rtpTimestamp, marker: packet.marker)
        }
        output += depacketizer.flush()
        guard output == [unit] else {
            fatalError("VP8 frame of \(frame.count) bytes changes when packetized at \(maxPayloadSize) and depacketized")
        }
    }
}
