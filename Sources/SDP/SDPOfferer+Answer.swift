extension SDPOfferer {
    /// Reads the answer to `offer` (RFC 8829 §5.10, RFC 3264 §6): one section per offered section
    /// in order, each accepted one with a payload type we offered. Throws `.malformed` when the
    /// section count or kinds differ, `.missingField` without ICE credentials or fingerprint,
    /// `.unsupported` for `a=setup:actpass`/`holdconn` in an answer (RFC 8842 §5) or when every
    /// section was rejected, `.noCommonCodec` when the only accepted sections name no codec of ours.
    /// `codecs` are the capabilities the offer was made from (to map payload types back).
    public static func accept(answer: SessionDescription, to offer: SessionDescription,
                              codecs: [CodecCapability]) throws(SDPError) -> AcceptedAnswer {
        guard answer.media.count == offer.media.count else {
            throw SDPError(.malformed, "answer has \(answer.media.count) media sections, the offer had \(offer.media.count)")
        }
        let bundleTag = answer.bundleGroup?.first.flatMap { answer.media(mid: $0) }
        var media: [NegotiatedMedia] = []
        var transport: (ufrag: String, pwd: String, fingerprint: SDPFingerprint, setup: DTLSSetupRole)?
        var candidates: [SDPCandidate] = []
        var codecFailures = 0
        for (index, (offered, answered)) in zip(offer.media, answer.media).enumerated() {
            var result = NegotiatedMedia(index: index, mid: offered.mid, kind: offered.kind, accepted: false,
                                         remoteSSRCs: answered.ssrcs, rtcpReducedSize: answered.rtcpReducedSize)
            guard answered.kind == offered.kind else {
                throw SDPError(.malformed, "answer section \(index) is \(SDPError.excerpt(answered.kind.token)), "
                    + "the offer's is \(offered.kind.token)")
            }
            if answered.isRejected {
                result.rejectionReason = "rejected in the answer (port 0)"
                media.append(result)
                continue
            }
            let fallback = answered.isBundleOnly || answered.iceUfrag == nil ? bundleTag : nil
            let name = "answer section \(index)"
            guard let ufrag = answer.iceUfrag(for: answered) ?? fallback?.iceUfrag,
                  let pwd = answer.icePwd(for: answered) ?? fallback?.icePwd else {
                throw SDPError(.missingField, "\(name) has no a=ice-ufrag/a=ice-pwd")
            }
            guard let fingerprint = answer.fingerprint(for: answered) ?? fallback?.fingerprint else {
                throw SDPError(.missingField, "\(name) has no a=fingerprint")
            }
            let setup = answer.setup(for: answered) ?? fallback?.setup ?? .active
            guard setup == .active || setup == .passive else {
                throw SDPError(.unsupported, "\(name) has a=setup:\(setup.rawValue); an answer must be active or passive")
            }
            if transport == nil { transport = (ufrag, pwd, fingerprint, setup) }
            for candidate in answered.candidates where !candidates.contains(candidate) { candidates.append(candidate) }
            guard let (payloadType, codec) = chosenCodec(answered, offered: offered, codecs: codecs) else {
                codecFailures += 1
                result.rejectionReason = "the answer names no payload type we offered"
                media.append(result)
                continue
            }
            result.accepted = true
            result.payloadType = payloadType
            result.codec = codec
            result.rtcpFeedback = codec.rtcpFeedback.filter { answered.rtcpFeedback(payloadType).contains($0) }
            result.extensions = answered.extMaps
            result.direction = answered.direction.reversed
            media.append(result)
        }
        guard let transport, media.contains(where: \.accepted) else {
            let reasons = media.compactMap(\.rejectionReason).joined(separator: "; ")
            throw SDPError(codecFailures > 0 ? .noCommonCodec : .unsupported,
                           "the answer accepted no media section: \(reasons)")
        }
        return AcceptedAnswer(remoteUfrag: transport.ufrag, remotePwd: transport.pwd,
                              remoteFingerprint: transport.fingerprint,
                              localSetup: transport.setup == .active ? .passive : .active,
                              remoteIsICELite: answer.iceLite, remoteCandidates: candidates, media: media)
    }

    /// The first payload type of the answered section that we offered, with our capability for it.
    static func chosenCodec(_ answered: MediaDescription, offered: MediaDescription,
                            codecs: [CodecCapability]) -> (UInt8, CodecCapability)? {
        let ours = Set(offered.payloadTypes)
        for payloadType in answered.payloadTypes where ours.contains(payloadType) {
            guard let map = offered.rtpMap(for: payloadType),
                  !CodecMatcher.auxiliaryFormats.contains(map.encodingName.lowercased()),
                  var codec = codecs.first(where: { CodecMatcher.matchesBasics($0, map, kind: offered.kind) })
            else { continue }
            codec.fmtp = offered.fmtp(payloadType)
            return (payloadType, codec)
        }
        return nil
    }
}
