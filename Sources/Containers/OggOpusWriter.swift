import Codecs

/// Writes an Ogg Opus stream (RFC 7845 on RFC 3533 pages): the OpusHead page (beginning of
/// stream), the OpusTags page, then audio pages whose granule position is the 48 kHz sample count
/// at the end of the last packet completed on the page (§4). Pages hold at most 255 lacing values
/// and about `Limits.maxPageSamples` of audio; larger packets continue on the next page.
/// Sans-IO: every call returns the bytes of the pages it completed.
public struct OggOpusWriter: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Largest Opus packet accepted (matches `OggReader.Limits`). Default 1 MiB.
        public var maxPacketBytes: Int
        /// A page is closed once it holds this much audio (48 kHz samples). Default 1 s.
        public var maxPageSamples: Int
        public init(maxPacketBytes: Int = 1 << 20, maxPageSamples: Int = 48_000) {
            self.maxPacketBytes = maxPacketBytes
            self.maxPageSamples = maxPageSamples
        }
    }

    /// Lacing values per page (RFC 3533 §6: page_segments is one byte).
    static let maxSegmentsPerPage = 255

    public let configuration: OpusCodecConfiguration
    public let serialNumber: UInt32
    public let limits: Limits
    /// Samples of all packets written so far (pre-skip included): the next granule position.
    public private(set) var granulePosition: Int64 = 0
    private let headerBytes: [UInt8]
    private var sequenceNumber: UInt32 = 2
    private var lacing: [UInt8] = []
    private var body: [UInt8] = []
    private var pageSamples = 0
    private var pageCompletesPacket = false
    private var pageIsContinuation = false
    private var ended = false

    public init(configuration: OpusCodecConfiguration, serialNumber: UInt32, vendor: String = "RTCBridge",
                limits: Limits = Limits()) throws(ContainerError) {
        try configuration.validate()
        guard vendor.utf8.count <= 1024 else { throw .invalid("OpusTags vendor string of \(vendor.utf8.count) bytes") }
        self.configuration = configuration
        self.serialNumber = serialNumber
        self.limits = limits

        var head: [UInt8] = Array("OpusHead".utf8)
        head.append(1)                                     // version
        head.append(UInt8(truncatingIfNeeded: configuration.channelCount))
        head.appendLE(configuration.preSkip, bytes: 2)
        head.appendLE(configuration.inputSampleRate, bytes: 4)
        head.appendLE(UInt16(bitPattern: configuration.outputGain), bytes: 2)
        head.append(configuration.mappingFamily)
        if configuration.mappingFamily != 0 {
            head.append(UInt8(truncatingIfNeeded: configuration.streamCount))
            head.append(UInt8(truncatingIfNeeded: configuration.coupledStreamCount))
            head += configuration.channelMapping
        }
        var tags: [UInt8] = Array("OpusTags".utf8)
        tags.appendLE(UInt32(vendor.utf8.count), bytes: 4)
        tags += Array(vendor.utf8)
        tags.appendLE(UInt32(0), bytes: 4)                 // no user comments
        headerBytes = OggPage.serialize(headerType: 0x02, granulePosition: 0, serialNumber: serialNumber, sequenceNumber: 0,
                                        lacingValues: OggPage.lacing(forPacketSize: head.count), body: head)
            + OggPage.serialize(headerType: 0, granulePosition: 0, serialNumber: serialNumber, sequenceNumber: 1,
                                lacingValues: OggPage.lacing(forPacketSize: tags.count), body: tags)
    }

    /// The OpusHead and OpusTags pages (RFC 7845 §3: each on its own page), written first.
    public func header() -> [UInt8] { headerBytes }

    /// Adds one Opus packet lasting `sampleCount` 48 kHz samples; returns the pages it completed.
    public mutating func packet(_ data: [UInt8], sampleCount: Int) throws(ContainerError) -> [UInt8] {
        guard !ended else { throw .invalid("Ogg Opus packet after end of stream") }
        guard data.count <= limits.maxPacketBytes else {
            throw .limitExceeded(field: "Ogg Opus packet size", value: data.count, limit: limits.maxPacketBytes)
        }
        guard (0...Opus.maxPacketSamples).contains(sampleCount) else {
            throw .invalid("Opus packet duration of \(sampleCount) samples")
        }
        var out: [UInt8] = []
        let packetLacing = OggPage.lacing(forPacketSize: data.count)
        if lacing.count + packetLacing.count > Self.maxSegmentsPerPage && !lacing.isEmpty {
            out += closePage(endOfStream: false)
        }
        var offset = 0
        for (index, value) in packetLacing.enumerated() {
            if lacing.count == Self.maxSegmentsPerPage {
                out += closePage(endOfStream: false)
                pageIsContinuation = true                  // the packet goes on on the next page
            }
            lacing.append(value)
            body += data[offset..<(offset + Int(value))]
            offset += Int(value)
            if index == packetLacing.count - 1 { pageCompletesPacket = true }
        }
        granulePosition += Int64(sampleCount)
        pageSamples += sampleCount
        if pageSamples >= limits.maxPageSamples { out += closePage(endOfStream: false) }
        return out
    }

    /// Closes the current page, if it holds anything, so everything written so far is on disk-ready
    /// pages. With `endOfStream` a last page is always written (empty if need be) with the EOS flag.
    public mutating func flush(endOfStream: Bool = false) -> [UInt8] {
        guard !ended else { return [] }
        guard !lacing.isEmpty || endOfStream else { return [] }
        if endOfStream { ended = true }
        return closePage(endOfStream: endOfStream)
    }

    private mutating func closePage(endOfStream: Bool) -> [UInt8] {
        var headerType: UInt8 = pageIsContinuation ? 0x01 : 0
        if endOfStream { headerType |= 0x04 }
        let page = OggPage.serialize(headerType: headerType, granulePosition: pageCompletesPacket ? granulePosition : -1,
                                     serialNumber: serialNumber, sequenceNumber: sequenceNumber,
                                     lacingValues: lacing, body: body)
        sequenceNumber &+= 1
        lacing.removeAll(keepingCapacity: true)
        body.removeAll(keepingCapacity: true)
        pageSamples = 0
        pageCompletesPacket = false
        pageIsContinuation = false
        return page
    }
}
