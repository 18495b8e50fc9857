import Codecs
import Routing

extension TrackInfo {
    /// STAP-A payloads carrying an H.264 track's `sprop-parameter-sets` (RFC 6184 §8.1), for
    /// `PassThroughStream.parameterSetPayloads`; none for other codecs.
    public var spropParameterSetPayloads: [[UInt8]] {
        guard encodingName.uppercased() == "H264", let sprop = fmtp["sprop-parameter-sets"] else { return [] }
        let nalUnits = H264.parseSpropParameterSets(sprop)
        guard !nalUnits.isEmpty else { return [] }
        var packetizer = H264Packetizer()
        return packetizer.packetize(AccessUnit(payloads: nalUnits, rtpTimestamp: 0, isKeyframe: true), maxPayloadSize: 1188)
            .map(\.payload)
    }
}
