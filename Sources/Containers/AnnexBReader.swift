import Codecs

/// Reads an H.264 or H.265 Annex-B byte stream (ITU-T H.264 Annex B, H.265 Annex B): NAL units
/// separated by 3- or 4-byte start codes, grouped into access units. H.264 (§7.4.1.2.3): a new
/// access unit begins at an access unit delimiter, at an SPS/PPS/SEI (or types 14...18)
/// following a coded slice, or at a coded slice with first_mb_in_slice == 0 following a coded
/// slice. H.265 (§7.4.2.4.4): at an access unit delimiter, at a VPS/SPS/PPS/prefix SEI (or types
/// 41...44, 48...55) following a coded slice segment, or at a slice segment with
/// first_slice_segment_in_pic_flag set following one. Parameter sets stay in the access unit
/// they precede. The whole stream is in memory; NAL units are copied out one access unit at a time.
public struct AnnexBReader: Sendable {
    /// Which NAL unit syntax the stream uses.
    public enum Syntax: Sendable, Equatable {
        case h264
        case h265
    }

    /// Caps on what one file may make the reader allocate.
    public struct Limits: Sendable, Equatable {
        public var maxNALUnitBytes: Int
        public var maxNALUnitsPerAccessUnit: Int
        public var maxAccessUnitBytes: Int

        public init(maxNALUnitBytes: Int = 4 << 20, maxNALUnitsPerAccessUnit: Int = 1024,
                    maxAccessUnitBytes: Int = 4 << 20) {
            self.maxNALUnitBytes = maxNALUnitBytes
            self.maxNALUnitsPerAccessUnit = maxNALUnitsPerAccessUnit
            self.maxAccessUnitBytes = maxAccessUnitBytes
        }
    }

    public let limits: Limits
    public let syntax: Syntax
    /// RTP timestamp step between access units (90 kHz clock: 3000 = 30 fps).
    public let timestampIncrement: UInt32
    private let bytes: [UInt8]
    private var index = 0
    private var started = false
    private var pending: Range<Int>?
    private var unitIndex: UInt32 = 0

    public init(_ bytes: [UInt8], syntax: Syntax = .h264, timestampIncrement: UInt32 = 3000, limits: Limits = Limits()) {
        self.bytes = bytes
        self.syntax = syntax
        self.timestampIncrement = timestampIncrement
        self.limits = limits
    }

    /// Access units read so far.
    public var accessUnitCount: Int { Int(unitIndex) }

    /// Starts again from the beginning of the stream (timestamps restart at zero).
    public mutating func rewind() {
        index = 0
        started = false
        pending = nil
        unitIndex = 0
    }

    /// The next access unit, or nil at the end of the stream. `rtpTimestamp` is the access unit's
    /// index times `timestampIncrement`; `isKeyframe` is true when it holds an IDR slice (H.265: an
    /// IRAP slice segment).
    public mutating func nextAccessUnit() throws(ContainerError) -> AccessUnit? {
        var nalUnits: [[UInt8]] = []
        var unitBytes = 0
        var hasVCL = false
        var hasIDR = false
        while true {
            let range: Range<Int>
            if let held = pending {
                range = held
                pending = nil
            } else if let next = try nextNALUnitRange() {
                range = next
            } else {
                break
            }
            let nal = bytes[range]
            let type = syntax == .h264 ? H264.nalType(nal[nal.startIndex]) : H265.nalType(nal[nal.startIndex])
            let startsUnit = syntax == .h264 ? Self.startsAccessUnit(nal, type: type, afterVCL: hasVCL)
                : Self.startsH265AccessUnit(nal, type: type, afterVCL: hasVCL)
            if !nalUnits.isEmpty && startsUnit {
                pending = range
                break
            }
            guard nalUnits.count < limits.maxNALUnitsPerAccessUnit else {
                throw .limitExceeded(field: "NAL units in access unit \(unitIndex)", value: nalUnits.count + 1,
                                     limit: limits.maxNALUnitsPerAccessUnit)
            }
            guard nal.count <= limits.maxAccessUnitBytes - unitBytes else {
                throw .limitExceeded(field: "bytes in access unit \(unitIndex)", value: unitBytes + nal.count,
                                     limit: limits.maxAccessUnitBytes)
            }
            switch syntax {
            case .h264:
                hasVCL = hasVCL || H264.isVCL(type)
                hasIDR = hasIDR || type == H264.NALType.idrSlice
            case .h265:
                hasVCL = hasVCL || H265.isVCL(type)
                hasIDR = hasIDR || H265.isIRAP(type)
            }
            unitBytes += nal.count
            nalUnits.append(Array(nal))
        }
        guard !nalUnits.isEmpty else { return nil }
        let timestamp = unitIndex &* timestampIncrement
        unitIndex &+= 1
        return AccessUnit(payloads: nalUnits, rtpTimestamp: timestamp, isKeyframe: hasIDR)
    }

    /// Reads every remaining access unit.
    public mutating func readAll() throws(ContainerError) -> [AccessUnit] {
        var units: [AccessUnit] = []
        while let unit = try nextAccessUnit() { units.append(unit) }
        return units
    }

    static func startsAccessUnit(_ nal: ArraySlice<UInt8>, type: UInt8, afterVCL: Bool) -> Bool {
        switch type {
        case H264.NALType.accessUnitDelimiter:
            return true
        case H264.NALType.sei, H264.NALType.sps, H264.NALType.pps, 14...18:
            return afterVCL
        case 1...5:
            return afterVCL && H264.firstMBInSlice(nal) == 0
        default:
            return false
        }
    }

    static func startsH265AccessUnit(_ nal: ArraySlice<UInt8>, type: UInt8, afterVCL: Bool) -> Bool {
        switch type {
        case H265.accessUnitDelimiter:
            return true
        case H265.vps, H265.sps, H265.pps, H265.prefixSEI, 41...44, 48...55:
            return afterVCL
        case 0...31:
            return afterVCL && H265.isFirstSliceSegment(nal) == true
        default:
            return false
        }
    }

    // MARK: - Start codes

    /// Range of the next non-empty NAL unit (trailing zero bytes removed), or nil at the end.
    mutating func nextNALUnitRange() throws(ContainerError) -> Range<Int>? {
        if !started {
            started = true
            // leading_zero_8bits, then the first start code.
            var zeros = 0
            while index < bytes.count && bytes[index] == 0 { index += 1; zeros += 1 }
            if index == bytes.count { return nil }
            guard zeros >= 2, bytes[index] == 1 else {
                throw .badSignature("Annex-B start code at offset \(index - min(zeros, 2))")
            }
            index += 1
        }
        while index < bytes.count {
            let start = index
            let next = Self.findStartCode(in: bytes, from: start)
            var end = next ?? bytes.count
            index = next.map { $0 + 3 } ?? bytes.count
            while end > start && bytes[end - 1] == 0 { end -= 1 }   // trailing_zero_8bits
            guard end > start else { continue }                       // empty NAL unit
            guard end - start <= limits.maxNALUnitBytes else {
                throw .limitExceeded(field: "NAL unit size at offset \(start)", value: end - start,
                                     limit: limits.maxNALUnitBytes)
            }
            guard bytes[start] & 0x80 == 0 else {
                throw .invalid("NAL unit at offset \(start): forbidden_zero_bit is set")
            }
            return start..<end
        }
        return nil
    }

    /// Offset of the next 00 00 01 at or after `from`.
    static func findStartCode(in bytes: [UInt8], from: Int) -> Int? {
        var i = from
        while i + 2 < bytes.count {
            let third = bytes[i + 2]
            if third > 1 {
                i += 3
            } else if third == 1 && bytes[i + 1] == 0 && bytes[i] == 0 {
                return i
            } else {
                i += 1
            }
        }
        return nil
    }
}
