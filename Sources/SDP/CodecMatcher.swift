import Codecs

/// Chooses the offered payload type for our preferred codec (RFC 8829 §5.3.1, RFC 3264 §6.1).
///
/// Names compare case-insensitively, clock rates and audio channel counts (absent = 1) must be
/// equal. RTX, RED and FEC formats are never chosen. Then the capability's `formatMatch` (the
/// codec registry's rule) decides: any PT; PTs whose listed fmtp values equal ours (absent = 0);
/// or RFC 6184 §8.1/§8.2.2 for H.264: only offered PTs with our `packetization-mode` (absent = 0)
/// qualify, the PT with our profile wins, else a Constrained Baseline/Baseline mismatch is accepted.
enum CodecMatcher {
    struct Match {
        var capability: CodecCapability
        var payloadType: UInt8
    }

    static let auxiliaryFormats: Set<String> = ["rtx", "red", "ulpfec", "flexfec", "flexfec-03"]

    static func match(_ section: MediaDescription, codecs: [CodecCapability]) -> Match? {
        var offered: [RTPMap] = []
        for payloadType in section.payloadTypes {
            guard let map = section.rtpMap(for: payloadType),
                  !auxiliaryFormats.contains(map.encodingName.lowercased()) else { continue }
            offered.append(map)
        }
        for codec in codecs where codec.kind == section.kind {
            let candidates = offered.filter { matchesBasics(codec, $0, kind: section.kind) }
            if let payloadType = choose(codec, among: candidates, in: section) {
                return Match(capability: codec, payloadType: payloadType)
            }
        }
        return nil
    }

    static func matchesBasics(_ codec: CodecCapability, _ map: RTPMap, kind: MediaKind) -> Bool {
        guard codec.name.lowercased() == map.encodingName.lowercased(), codec.clockRate == map.clockRate else {
            return false
        }
        return kind != .audio || (codec.channels ?? 1) == (map.channels ?? 1)
    }

    private static func choose(_ codec: CodecCapability, among candidates: [RTPMap],
                               in section: MediaDescription) -> UInt8? {
        switch codec.formatMatch {
        case .h264ProfileLevelID:
            return chooseH264(codec, among: candidates, in: section)
        case .sameValues(let keys):
            return candidates.first { map in
                keys.allSatisfy { sameParameter($0, codec, section.fmtp(map.payloadType)) }
            }?.payloadType
        case .any:
            return candidates.first?.payloadType
        }
    }

    private static func sameParameter(_ key: String, _ codec: CodecCapability, _ offered: [String: String]) -> Bool {
        (codec.fmtp[key] ?? "0") == (offered[key] ?? "0")
    }

    private static func chooseH264(_ codec: CodecCapability, among candidates: [RTPMap],
                                   in section: MediaDescription) -> UInt8? {
        guard let ours = H264ProfileLevelID.of(codec.fmtp)?.profile else { return nil }
        let sameMode = candidates.compactMap { map -> (UInt8, H264Profile)? in
            let fmtp = section.fmtp(map.payloadType)
            guard sameParameter("packetization-mode", codec, fmtp),
                  let profile = H264ProfileLevelID.of(fmtp)?.profile else { return nil }
            return (map.payloadType, profile)
        }
        if let exact = sameMode.first(where: { $0.1 == ours }) { return exact.0 }
        let baselines: Set<H264Profile> = [.constrainedBaseline, .baseline]
        guard baselines.contains(ours) else { return nil }
        return sameMode.first { baselines.contains($0.1) }?.0
    }
}
