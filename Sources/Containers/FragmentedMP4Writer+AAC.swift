import Codecs

/// AAC sample entries: AudioSampleEntry `mp4a` (ISO/IEC 14496-12 §12.2.3) holding an `esds` box
/// (ISO/IEC 14496-14 §5.6) with the MPEG-4 Systems descriptors of ISO/IEC 14496-1 §7.2.6:
/// ES_Descriptor → DecoderConfigDescriptor (objectTypeIndication 0x40 = MPEG-4 Audio,
/// streamType 5 = audio) → DecoderSpecificInfo (the AudioSpecificConfig), then an
/// SLConfigDescriptor (predefined 2, MP4 files).
extension FragmentedMP4Writer {
    /// Descriptor tags (ISO/IEC 14496-1 §7.2.2.1, Table 1).
    enum DescriptorTag {
        static let elementaryStream: UInt8 = 0x03
        static let decoderConfig: UInt8 = 0x04
        static let decoderSpecificInfo: UInt8 = 0x05
        static let syncLayerConfig: UInt8 = 0x06
    }

    /// objectTypeIndication of MPEG-4 Audio (ISO/IEC 14496-1 Table 5, MP4 registration authority).
    static let mpeg4AudioObjectType: UInt8 = 0x40
    /// streamType of audio streams (ISO/IEC 14496-1 Table 6).
    static let audioStreamType: UInt8 = 0x05

    static func validateAAC(config: [UInt8], channels: Int, sampleRate: Int, track: UInt32) throws(ContainerError) {
        guard (2...AAC.maxConfigBytes).contains(config.count) else {
            throw .invalid("MP4 track \(track): AudioSpecificConfig of \(config.count) bytes")
        }
        guard (1...255).contains(channels) else { throw .invalid("MP4 track \(track): AAC channel count \(channels)") }
        guard (1...1_000_000).contains(sampleRate) else { throw .invalid("MP4 track \(track): AAC sample rate \(sampleRate)") }
    }

    /// `mp4a` with `esds`; the 16.16 sample rate field holds rates above 65535 as 0 (the
    /// AudioSpecificConfig is authoritative).
    static func appendAACSampleEntry(config: [UInt8], channels: Int, sampleRate: Int, to out: inout [UInt8]) {
        out.appendBox("mp4a") { entry in
            entry.appendZeros(6)
            entry.appendUInt16(1)                        // data_reference_index
            entry.appendZeros(8)                         // reserved
            entry.appendUInt16(UInt16(truncatingIfNeeded: channels))
            entry.appendUInt16(16)                       // samplesize
            entry.appendUInt32(0)                        // pre_defined, reserved
            entry.appendUInt32(sampleRate <= 0xFFFF ? UInt32(truncatingIfNeeded: sampleRate) << 16 : 0)
            entry.appendFullBox("esds", version: 0, flags: 0) { esds in
                appendDescriptor(DescriptorTag.elementaryStream, to: &esds) { es in
                    es.appendUInt16(0)                   // ES_ID (0 in MP4 files, 14496-14 §3.1.2)
                    es.append(0)                         // no dependence, URL or OCR stream; priority 0
                    appendDescriptor(DescriptorTag.decoderConfig, to: &es) { decoder in
                        decoder.append(mpeg4AudioObjectType)
                        decoder.append(audioStreamType << 2 | 0x01)   // upStream 0, reserved 1
                        decoder.appendUInt24(0)          // bufferSizeDB
                        decoder.appendUInt32(0)          // maxBitrate
                        decoder.appendUInt32(0)          // avgBitrate (0 = variable)
                        appendDescriptor(DescriptorTag.decoderSpecificInfo, to: &decoder) { $0 += config }
                    }
                    appendDescriptor(DescriptorTag.syncLayerConfig, to: &es) { $0.append(0x02) }
                }
            }
        }
    }

    /// A descriptor: tag, the expandable size of §8.3.3 (7 bits per byte, high bit = more), body.
    static func appendDescriptor(_ tag: UInt8, to out: inout [UInt8], _ body: (inout [UInt8]) -> Void) {
        var content: [UInt8] = []
        body(&content)
        out.append(tag)
        var size = content.count
        var sizeBytes: [UInt8] = [UInt8(size & 0x7F)]
        size >>= 7
        while size > 0 {
            sizeBytes.insert(UInt8(0x80 | (size & 0x7F)), at: 0)
            size >>= 7
        }
        out += sizeBytes
        out += content
    }
}
