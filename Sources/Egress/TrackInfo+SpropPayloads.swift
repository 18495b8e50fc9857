import Codecs
import Routing

extension TrackInfo {
    /// STAP-A payloads carrying an H.264 track's `sprop-parameter-sets` (RFC 6184 §8.1), for
    /// `PassThroughStream.parameterSetPayloads`; none for other codecs.
    public var spropParameterSetPayloads: [[UInt8]] {
        codec?.parameterSetPayloads(fmtp: fmtp) ?? []
    }
}
