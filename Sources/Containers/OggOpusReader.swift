import Codecs

/// One Opus packet from an Ogg Opus file.
public struct OggOpusPacket: Sendable, Equatable {
    public var data: [UInt8]
    /// Duration in 48 kHz samples, from the TOC byte (RFC 6716 §3.1).
    public var sampleCount: Int
    /// Granule position of the page this packet ends, when it is the last packet there.
    public var granulePosition: Int64?
    /// Samples (48 kHz) of all earlier packets in the stream, pre-skip included: the packet's
    /// RTP timestamp offset when streaming the file.
    public var startSample: Int64
}

/// Reads an Ogg Opus file (RFC 7845): the OpusHead and OpusTags headers, then the audio packets
/// with their durations.
public struct OggOpusReader: Sendable {
    public let head: OpusHead
    public let tags: OpusTags
    /// Empty packets skipped (RFC 7845 §3 lets muxers send them for lost data).
    public private(set) var skippedEmptyPackets = 0

    private var ogg: OggReader
    private let firstAudioState: OggReader
    private var nextStartSample: Int64 = 0

    public init(_ bytes: [UInt8], limits: OggReader.Limits = OggReader.Limits()) throws(ContainerError) {
        var ogg = OggReader(bytes, limits: limits)
        guard let headPacket = try ogg.nextPacket() else { throw .truncated("Ogg Opus file without OpusHead") }
        guard headPacket.isBeginningOfStream else { throw .invalid("OpusHead not on a beginning-of-stream page") }
        head = try OpusHead(parsing: headPacket.data)
        guard let tagsPacket = try ogg.nextPacket() else { throw .truncated("Ogg Opus file without OpusTags") }
        tags = try OpusTags(parsing: tagsPacket.data)
        self.ogg = ogg
        firstAudioState = ogg
    }

    /// Packets lost to missing pages (see `OggReader.droppedPackets`).
    public var droppedPackets: Int { ogg.droppedPackets }

    /// Starts again at the first audio packet.
    public mutating func rewind() {
        ogg = firstAudioState
        nextStartSample = 0
    }

    /// The next audio packet, or nil at the end of the stream.
    public mutating func nextPacket() throws(ContainerError) -> OggOpusPacket? {
        while let packet = try ogg.nextPacket() {
            guard !packet.data.isEmpty else {
                skippedEmptyPackets += 1
                continue
            }
            let samples: Int
            do {
                samples = try Opus.sampleCount(packet.data[...])
            } catch {
                throw .invalid("Opus packet at sample \(nextStartSample): \(error)")
            }
            let start = nextStartSample
            nextStartSample += Int64(samples)
            return OggOpusPacket(data: packet.data, sampleCount: samples, granulePosition: packet.granulePosition,
                                 startSample: start)
        }
        return nil
    }

    /// Reads every remaining audio packet.
    public mutating func readAll() throws(ContainerError) -> [OggOpusPacket] {
        var packets: [OggOpusPacket] = []
        while let packet = try nextPacket() { packets.append(packet) }
        return packets
    }
}
