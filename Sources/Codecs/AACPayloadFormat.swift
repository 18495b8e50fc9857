/// The `mpeg4-generic` payload parameters of an `a=fmtp` line (RFC 3640 §4.1): how the AU-header
/// section of each RTP payload is laid out, plus the AudioSpecificConfig (`config=`).
/// `mode=AAC-hbr` (§3.3.6) defaults sizeLength 13, indexLength 3, indexDeltaLength 3 and
/// `mode=AAC-lbr` (§3.3.5) 6/2/2 when the fmtp leaves them out.
public struct AACPayloadFormat: Sendable, Equatable {
    public var mode: String
    /// Bits of the AU-size field (0 = no AU-size; then `constantSize` or one AU per payload).
    public var sizeLength: Int
    public var indexLength: Int
    public var indexDeltaLength: Int
    public var ctsDeltaLength: Int
    public var dtsDeltaLength: Int
    /// True when each AU-header has a RAP-flag.
    public var randomAccessIndication: Bool
    public var streamStateIndication: Int
    /// Bits of the auxiliary-data-size field (0 = no auxiliary section).
    public var auxiliaryDataSizeLength: Int
    /// Size of every AU when `sizeLength` is 0.
    public var constantSize: Int?
    /// RTP clock ticks per AU (§4.1 `constantDuration`); 1024 for AAC when absent.
    public var constantDuration: Int
    public var config: AAC.AudioSpecificConfig?

    /// AAC-hbr with the given configuration: the layout ffmpeg, GStreamer and cameras send.
    public init(config: AAC.AudioSpecificConfig? = nil) {
        mode = "AAC-hbr"
        sizeLength = 13
        indexLength = 3
        indexDeltaLength = 3
        ctsDeltaLength = 0
        dtsDeltaLength = 0
        randomAccessIndication = false
        streamStateIndication = 0
        auxiliaryDataSizeLength = 0
        constantSize = nil
        constantDuration = AAC.samplesPerFrame
        self.config = config
    }

    /// Reads the parameters (names compared case-insensitively, §4.1). Throws on values out of
    /// range: field lengths above 16 bits (32 for CTS/DTS deltas), a bad `config=`.
    public init(fmtp: [String: String]) throws(CodecParseError) {
        var parameters: [String: String] = [:]
        for (key, value) in fmtp { parameters[key.lowercased()] = value }
        self.init()
        mode = parameters["mode"] ?? "generic"
        let lowBitrate = mode.lowercased() == "aac-lbr"
        let isAAC = lowBitrate || mode.lowercased() == "aac-hbr"
        func length(_ name: String, aacDefault: Int, max: Int) throws(CodecParseError) -> Int {
            guard let text = parameters[name] else { return isAAC ? aacDefault : 0 }
            guard let value = Int(text), value >= 0 else { throw .invalidValue(field: "fmtp \(name)", value: -1) }
            guard value <= max else { throw .limitExceeded(field: "fmtp \(name)", value: value, limit: max) }
            return value
        }
        sizeLength = try length("sizelength", aacDefault: lowBitrate ? 6 : 13, max: 16)
        indexLength = try length("indexlength", aacDefault: lowBitrate ? 2 : 3, max: 16)
        indexDeltaLength = try length("indexdeltalength", aacDefault: lowBitrate ? 2 : 3, max: 16)
        ctsDeltaLength = try length("ctsdeltalength", aacDefault: 0, max: 32)
        dtsDeltaLength = try length("dtsdeltalength", aacDefault: 0, max: 32)
        randomAccessIndication = try length("randomaccessindication", aacDefault: 0, max: 1) == 1
        streamStateIndication = try length("streamstateindication", aacDefault: 0, max: 32)
        auxiliaryDataSizeLength = try length("auxiliarydatasizelength", aacDefault: 0, max: 16)
        if parameters["constantsize"] != nil {
            let size = try length("constantsize", aacDefault: 0, max: 65_535)
            guard size > 0 else { throw .invalidValue(field: "fmtp constantsize", value: 0) }
            constantSize = size
        }
        if parameters["constantduration"] != nil {
            let duration = try length("constantduration", aacDefault: 0, max: 65_535)
            guard duration > 0 else { throw .invalidValue(field: "fmtp constantduration", value: 0) }
            constantDuration = duration
        }
        if let hex = parameters["config"], !hex.isEmpty {
            config = try AAC.AudioSpecificConfig(hex: hex)
        }
    }

    /// True when payloads start with an AU-header section (§3.2.1: any AU-header field is sized).
    public var hasAUHeaders: Bool {
        sizeLength > 0 || indexLength > 0 || indexDeltaLength > 0 || ctsDeltaLength > 0 || dtsDeltaLength > 0
            || randomAccessIndication || streamStateIndication > 0
    }

    /// The `a=fmtp` value for this layout: `streamtype=5;profile-level-id=1;mode=AAC-hbr;
    /// sizelength=13;indexlength=3;indexdeltalength=3;config=…` (RFC 3640 §3.3.6 example).
    public var fmtpValue: String {
        var pairs = ["streamtype=5", "profile-level-id=1", "mode=\(mode)", "sizelength=\(sizeLength)",
                     "indexlength=\(indexLength)", "indexdeltalength=\(indexDeltaLength)"]
        if let config { pairs.append("config=" + config.bytes.map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
        }.joined()) }
        return pairs.joined(separator: ";")
    }
}
