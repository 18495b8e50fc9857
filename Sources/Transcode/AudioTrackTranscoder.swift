import Codecs
import RTP
import Routing

/// The track-level stage around `OpusTranscoder`: takes a path's AAC (or G.722) `MediaUnit`s,
/// reassembles their access units (RFC 3640 depacketizer) and returns Opus units of a derived
/// `opus/48000/2` track with the same track ID, one 20 ms frame per unit and packet. Sans-IO.
public struct AudioTrackTranscoder {
    /// The payload type on the derived track's packets (readers rewrite it to what they negotiated).
    public static let opusPayloadType: UInt8 = 111

    public let input: TrackInfo
    public let output: TrackInfo
    public private(set) var transcoder: OpusTranscoder
    private var depacketizer: any RTPDepacketizer
    private var sequenceNumber: UInt16 = 0
    /// Units of other tracks handed to `transcode`: ignored.
    public private(set) var foreignUnits = 0

    /// What `track` needs to be transcoded for WebRTC viewers, or nil when it plays as it is (or
    /// cannot be decoded: an AAC track without a usable `config`).
    public static func source(for track: TrackInfo) -> TranscodeSource? {
        guard track.kind == .audio else { return nil }
        if track.encodingName.lowercased() == "g722" { return .g722 }
        guard track.codec?.format == .aac, let format = try? AACPayloadFormat(fmtp: track.fmtp),
              let config = format.config else { return nil }
        return .aac(config)
    }

    /// The derived Opus track that replaces `track` for WebRTC readers.
    public static func outputTrack(for track: TrackInfo) -> TrackInfo {
        let opus = CodecRegistry.descriptor(for: .opus)
        return TrackInfo(id: track.id, kind: .audio, encodingName: opus?.name ?? "opus", clockRate: OpusTranscoder.outputClockRate,
                         channels: 2, fmtp: opus?.defaultFmtp ?? [:], payloadType: opusPayloadType)
    }

    public init(track: TrackInfo, configuration: TranscodeConfiguration = TranscodeConfiguration()) throws(TranscodeError) {
        guard let source = Self.source(for: track) else {
            throw .unsupportedTrack("\(track.encodingName)/\(track.clockRate) \(track.fmtp)")
        }
        let limits = DepacketizerLimits(maxAccessUnitBytes: configuration.maxInputFrameBytes)
        let depacketizer: (any RTPDepacketizer)?
        switch source {
        case .aac: depacketizer = track.codec?.makeDepacketizer(fmtp: track.fmtp, limits: limits)
        case .g722: depacketizer = FrameDepacketizer(limits: limits)
        }
        guard let depacketizer else { throw .unsupportedTrack("no depacketizer for \(track.encodingName)") }
        self.input = track
        self.output = Self.outputTrack(for: track)
        self.depacketizer = depacketizer
        self.transcoder = try OpusTranscoder(source: source, inputClockRate: track.clockRate, configuration: configuration)
    }

    /// Packets that did not make it into an access unit (malformed RTP payloads, over the size cap).
    public var droppedPackets: Int { depacketizer.droppedPackets }

    /// Transcodes one unit of the input track; returns the Opus units it completes.
    public mutating func transcode(_ unit: MediaUnit) -> [MediaUnit] {
        guard unit.trackID == input.id else {
            foreignUnits += 1
            return []
        }
        var units: [MediaUnit] = []
        for packet in unit.packets {
            let accessUnits = depacketizer.push(payload: packet.payload, sequenceNumber: packet.sequenceNumber,
                                                rtpTimestamp: packet.timestamp, marker: packet.marker)
            for accessUnit in accessUnits {
                for payload in accessUnit.payloads {
                    for frame in transcoder.push(payload[...], rtpTimestamp: accessUnit.rtpTimestamp) {
                        let packet = RTPPacket(payloadType: Self.opusPayloadType, sequenceNumber: sequenceNumber,
                                               timestamp: frame.rtpTimestamp, ssrc: 0, marker: false, payload: frame.payload)
                        sequenceNumber &+= 1
                        units.append(MediaUnit(trackID: output.id, packets: [packet], rtpTimestamp: frame.rtpTimestamp,
                                               isKeyframe: true, arrival: unit.arrival, sourceEpoch: unit.sourceEpoch))
                    }
                }
            }
        }
        return units
    }
}
