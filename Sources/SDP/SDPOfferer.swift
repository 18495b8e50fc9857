/// Builds a JSEP offer (RFC 8829 §5.2) for a gateway acting as the client (WHIP publisher, WHEP
/// viewer): one BUNDLE group over every section (RFC 8843 §7.2), `a=rtcp-mux`, `a=setup:actpass`,
/// the certificate fingerprint, ICE credentials and host candidates; and reads the answer to it
/// (RFC 8829 §5.10): transport parameters, our DTLS role, the codec chosen in each section.
public enum SDPOfferer {
    /// Payload types we number codecs with when they have no static one (RFC 3551 §3).
    static let dynamicPayloadTypes: ClosedRange<UInt8> = 96...127

    /// The offer. Sections without a codec of their kind are left out; throws `.unsupported`
    /// when none is left.
    public static func offer(_ options: OfferOptions) throws(SDPError) -> SessionDescription {
        var offer = SessionDescription(origin: SDPOrigin(sessionID: options.sessionID,
                                                         sessionVersion: options.sessionVersion))
        var nextDynamic = dynamicPayloadTypes.lowerBound
        var mids: [String] = []
        for section in options.sections where section.kind == .audio || section.kind == .video {
            var maps: [(RTPMap, CodecCapability)] = []
            for codec in section.codecs where codec.kind == section.kind {
                let payloadType: UInt8
                if let fixed = staticPayloadType(for: codec) {
                    payloadType = fixed
                } else {
                    guard dynamicPayloadTypes.contains(nextDynamic) else { break }
                    payloadType = nextDynamic
                    nextDynamic = nextDynamic < dynamicPayloadTypes.upperBound ? nextDynamic + 1 : 0
                }
                guard !maps.contains(where: { $0.0.payloadType == payloadType }) else { continue }
                maps.append((RTPMap(payloadType: payloadType, encodingName: codec.name, clockRate: codec.clockRate,
                                    channels: codec.channels), codec))
            }
            guard !maps.isEmpty else { continue }
            let mid = String(mids.count)
            mids.append(mid)
            offer.media.append(mediaSection(section, mid: mid, maps: maps, options: options))
        }
        guard !mids.isEmpty else { throw SDPError(.unsupported, "nothing to offer: no section has a codec") }
        offer.attributes = [SDPAttribute("group", (["BUNDLE"] + mids).joined(separator: " ")),
                            SDPAttribute("msid-semantic", " WMS *")]
        return offer
    }

    /// The static payload type of RFC 3551 §6 for `codec`, when it has one (PCMU, PCMA, G722).
    static func staticPayloadType(for codec: CodecCapability) -> UInt8? {
        (UInt8(0)..<35).first { payloadType in
            guard let map = RTPMap.staticPayloadType(payloadType) else { return false }
            return map.encodingName.lowercased() == codec.name.lowercased() && map.clockRate == codec.clockRate
                && (codec.channels ?? 1) == 1
        }
    }

    static func mediaSection(_ section: OfferOptions.Section, mid: String, maps: [(RTPMap, CodecCapability)],
                             options: OfferOptions) -> MediaDescription {
        var media = MediaDescription(kind: section.kind, port: 9, proto: "UDP/TLS/RTP/SAVPF",
                                     formats: maps.map { String($0.0.payloadType) }, connection: "IN IP4 0.0.0.0")
        var attributes = [
            SDPAttribute("ice-ufrag", options.iceUfrag),
            SDPAttribute("ice-pwd", options.icePwd),
            SDPAttribute("ice-options", "trickle"),
            SDPAttribute("fingerprint", options.fingerprint.attributeValue),
            SDPAttribute("setup", DTLSSetupRole.actpass.rawValue),
            SDPAttribute("mid", mid),
        ]
        for extMap in section.extensions { attributes.append(SDPAttribute("extmap", extMap.attributeValue)) }
        attributes.append(SDPAttribute(section.direction.rawValue))
        let track = section.direction.sends ? section.localTrack : nil
        if let track { attributes.append(SDPAttribute("msid", track.streamID + " " + track.trackID)) }
        attributes.append(SDPAttribute("rtcp-mux"))
        attributes.append(SDPAttribute("rtcp-rsize"))
        for (map, codec) in maps {
            attributes.append(SDPAttribute("rtpmap", map.attributeValue))
            for feedback in codec.rtcpFeedback {
                attributes.append(SDPAttribute("rtcp-fb", "\(map.payloadType) \(feedback)"))
            }
            if !codec.fmtp.isEmpty {
                let parameters = codec.fmtp.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                attributes.append(SDPAttribute("fmtp", "\(map.payloadType) " + parameters.joined(separator: ";")))
            }
        }
        if let track {
            attributes.append(SDPAttribute("ssrc", "\(track.ssrc) cname:\(track.cname)"))
            attributes.append(SDPAttribute("ssrc", "\(track.ssrc) msid:\(track.streamID) \(track.trackID)"))
        }
        attributes += options.candidates.map(\.attribute)
        if options.endOfCandidates { attributes.append(SDPAttribute("end-of-candidates")) }
        media.attributes = attributes
        return media
    }
}
