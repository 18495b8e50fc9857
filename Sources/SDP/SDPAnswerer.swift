/// Builds a JSEP answer (RFC 8829 §5.3) for a gateway that is ICE-lite (RFC 8839 §5.3), DTLS passive
/// (RFC 8842 §5) and runs every accepted section over one BUNDLE transport (RFC 8843 §7.3).
///
/// Each offered section is answered in order with the same mid. A data channel section
/// (`m=application … webrtc-datachannel`, RFC 8841) is accepted when `options.dataChannels` is set.
/// Sections are rejected (port 0, mid kept, left out of the BUNDLE group) when rejected in the offer,
/// of a kind other than audio/video (or data channels when enabled),
/// not DTLS-SRTP, outside the offered BUNDLE group, a second section of an accepted kind, without
/// `a=rtcp-mux`, with incompatible directions, or without a common codec.
public enum SDPAnswerer {
    /// Throws `.missingField` when a usable section has no ICE credentials or fingerprint,
    /// `.unsupported` for an incompatible DTLS role, `.noCommonCodec` when no section could be
    /// accepted and at least one failed on codecs, `.unsupported` when none could be accepted otherwise.
    public static func answer(to offer: SessionDescription,
                              options: AnswerOptions) throws(SDPError) -> (answer: SessionDescription, media: [NegotiatedMedia]) {
        let offeredBundle = offer.bundleGroup
        let bundleTag = offeredBundle?.first.flatMap { offer.media(mid: $0) }
        var acceptedKinds: Set<MediaKind> = []
        var negotiated: [NegotiatedMedia] = []
        var sections: [MediaDescription] = []
        var codecFailures = 0

        for (index, section) in offer.media.enumerated() {
            var result = NegotiatedMedia(index: index, mid: section.mid, kind: section.kind, accepted: false,
                                         remoteSSRCs: section.ssrcs, rtcpReducedSize: section.rtcpReducedSize)
            do throws(Rejection) {
                let role = try checkTransport(section, index: index, offer: offer, bundleTag: bundleTag, options: options)
                try negotiate(section, offeredBundle: offeredBundle, bundleTag: bundleTag, acceptedKinds: acceptedKinds,
                              options: options, into: &result)
                acceptedKinds.insert(section.kind)
                sections.append(acceptedSection(for: section, result: result, role: role, options: options))
            } catch {
                switch error {
                case .fatal(let sdpError): throw sdpError
                case .noCodec(let reason): codecFailures += 1; result.rejectionReason = reason
                case .reject(let reason): result.rejectionReason = reason
                }
                result = NegotiatedMedia(index: index, mid: section.mid, kind: section.kind, accepted: false,
                                         rejectionReason: result.rejectionReason, remoteSSRCs: section.ssrcs)
                sections.append(rejectedSection(for: section))
            }
            negotiated.append(result)
        }

        let acceptedMids = negotiated.filter(\.accepted).compactMap(\.mid)
        guard negotiated.contains(where: \.accepted) else {
            let reasons = negotiated.compactMap(\.rejectionReason).joined(separator: "; ")
            throw SDPError(codecFailures > 0 ? .noCommonCodec : .unsupported,
                           "no media section could be accepted: \(reasons.isEmpty ? "offer has no media" : reasons)")
        }

        var answer = SessionDescription(origin: SDPOrigin(sessionID: options.sessionID,
                                                          sessionVersion: options.sessionVersion))
        if options.iceLite { answer.attributes.append(SDPAttribute("ice-lite")) }
        if offeredBundle != nil, !acceptedMids.isEmpty {
            answer.attributes.append(SDPAttribute("group", (["BUNDLE"] + acceptedMids).joined(separator: " ")))
        }
        answer.attributes.append(SDPAttribute("msid-semantic", " WMS *"))
        answer.media = sections
        return (answer, negotiated)
    }

    /// Why one section is not accepted; `.fatal` ends the whole negotiation.
    enum Rejection: Error {
        case reject(String)
        case noCodec(String)
        case fatal(SDPError)
    }

    /// Checks what the section needs from the transport and returns our DTLS role for it.
    private static func checkTransport(_ section: MediaDescription, index: Int, offer: SessionDescription,
                                       bundleTag: MediaDescription?,
                                       options: AnswerOptions) throws(Rejection) -> DTLSSetupRole {
        if section.isRejected { throw .reject("rejected in the offer (port 0)") }
        if section.kind == .application {
            guard options.dataChannels != nil else { throw .reject("data channels are not enabled here") }
            guard section.proto == "UDP/DTLS/SCTP" || section.proto == "TCP/DTLS/SCTP",
                  section.formats == ["webrtc-datachannel"] else {
                throw .reject("unsupported application section '\(SDPError.excerpt(section.proto))' "
                    + "(UDP/DTLS/SCTP webrtc-datachannel required, RFC 8841)")
            }
        } else {
            guard section.kind == .audio || section.kind == .video else {
                throw .reject("unsupported media kind '\(SDPError.excerpt(section.kind.token))'")
            }
            guard section.proto.hasSuffix("/SAVPF") || section.proto == "RTP/SAVPF" else {
                throw .reject("unsupported transport '\(SDPError.excerpt(section.proto))' (DTLS-SRTP required)")
            }
        }
        let inBundle = section.mid != nil && offer.bundleGroup?.contains(section.mid ?? "") == true
        if offer.bundleGroup != nil, !inBundle { throw .reject("not in the offered BUNDLE group") }
        let fallback = inBundle ? bundleTag : nil
        let name = "media section \(index)" + (section.mid.map { " (mid \(SDPError.excerpt($0)))" } ?? "")
        guard offer.iceUfrag(for: section) ?? fallback?.iceUfrag != nil,
              offer.icePwd(for: section) ?? fallback?.icePwd != nil else {
            throw .fatal(SDPError(.missingField, "offer has no a=ice-ufrag/a=ice-pwd for \(name)"))
        }
        guard offer.fingerprint(for: section) ?? fallback?.fingerprint != nil else {
            throw .fatal(SDPError(.missingField, "offer has no a=fingerprint for \(name)"))
        }
        let offered = offer.setup(for: section) ?? fallback?.setup ?? .active  // RFC 4145 §4 default
        switch (offered, options.setup) {
        case (.actpass, .actpass), (.active, .actpass): return .passive
        case (.passive, .actpass): return .active
        case (.actpass, let ours) where ours == .active || ours == .passive: return ours
        case (.active, .passive): return .passive
        case (.passive, .active): return .active
        default:
            throw .fatal(SDPError(.unsupported,
                                  "offer a=setup:\(offered.rawValue) conflicts with our DTLS role \(options.setup.rawValue)"))
        }
    }

    /// Fills `result` for an acceptable section or throws why it is not.
    private static func negotiate(_ section: MediaDescription, offeredBundle: [String]?, bundleTag: MediaDescription?,
                                  acceptedKinds: Set<MediaKind>, options: AnswerOptions,
                                  into result: inout NegotiatedMedia) throws(Rejection) {
        if acceptedKinds.contains(section.kind) {
            throw .reject("a \(section.kind.token) section is already accepted")
        }
        if section.kind == .application {
            // RFC 8841 §5.2/§6.1: a=sctp-port defaults to 5000, a=max-message-size to 64 KiB.
            let hasPort = section.attributes.contains(named: "sctp-port")
            let hasSize = section.attributes.contains(named: "max-message-size")
            guard let remotePort = hasPort ? section.sctpPort : 5000, remotePort > 0 else {
                throw .reject("invalid a=sctp-port")
            }
            guard let remoteSize = hasSize ? section.maxMessageSize : 65_536, remoteSize >= 0 else {
                throw .reject("invalid a=max-message-size")
            }
            result.accepted = true
            result.direction = .sendrecv
            result.remoteSCTPPort = remotePort
            result.remoteMaxMessageSize = remoteSize
            return
        }
        // rtcp-mux is an IDENTICAL-category attribute (RFC 8859): in a BUNDLE group the tagged
        // section may carry it for all (bundle-only sections omit it, RFC 8843 §7.1.3).
        guard section.rtcpMux || (offeredBundle != nil && bundleTag?.rtcpMux == true) else {
            throw .reject("offer lacks a=rtcp-mux, which WebRTC requires")
        }
        let direction = options.localDirection.intersection(section.direction.reversed)
        if direction == .inactive, options.localDirection != .inactive {
            throw .reject("direction mismatch: offer \(section.direction.rawValue), we \(options.localDirection.rawValue)")
        }
        guard let match = CodecMatcher.match(section, codecs: options.codecs) else {
            let offered = section.payloadTypes.compactMap { section.rtpMap(for: $0)?.encodingName }
            var names: [String] = []
            for name in offered where !names.contains(name) { names.append(name) }
            throw .noCodec("no common codec (offered: \(SDPError.excerpt(names.joined(separator: ", "), maxLength: 80)))")
        }
        let offeredFeedback = section.rtcpFeedback(match.payloadType)
        let feedback = match.capability.rtcpFeedback.filter { offeredFeedback.contains($0) }
        var codec = match.capability
        codec.fmtp = section.fmtp(match.payloadType)
        codec.rtcpFeedback = feedback
        var extensions: [ExtMap] = []
        for extMap in section.extMaps where options.supportedExtensions.contains(extMap.uri)
            && !extensions.contains(where: { $0.uri == extMap.uri || $0.id == extMap.id }) {
            extensions.append(ExtMap(id: extMap.id, direction: extMap.direction?.reversed, uri: extMap.uri))
        }
        result.accepted = true
        result.codec = codec
        result.payloadType = match.payloadType
        result.rtcpFeedback = feedback
        result.extensions = extensions
        result.direction = direction
        if options.retransmission, section.kind == .video, feedback.contains("nack") {
            result.retransmissionPayloadType = section.retransmissionPayloadType(for: match.payloadType)
            if result.retransmissionPayloadType != nil, direction.receives {
                for group in section.ssrcGroups.prefix(options.maxRetransmissionPairs)
                where group.semantics == "FID" && group.ssrcs.count == 2 {
                    result.remoteRetransmissionSSRCs[group.ssrcs[1]] = group.ssrcs[0]
                }
                // RTX we cannot pair with its media SSRC (simulcast offers signal none) is declined:
                // the sender then resends on the media SSRC itself.
                if result.remoteRetransmissionSSRCs.isEmpty { result.retransmissionPayloadType = nil }
            }
        }
        if options.redundancy, section.kind == .audio, direction.sends,
           codec.name.lowercased() == "opus" {
            result.redundancyPayloadType = section.redundancyPayloadType(for: match.payloadType)
        }
        if section.kind == .video, direction.receives {
            result.simulcastRIDs = SimulcastNegotiation.offeredSendLayers(section, maxLayers: options.maxSimulcastLayers)
        }
    }
}
