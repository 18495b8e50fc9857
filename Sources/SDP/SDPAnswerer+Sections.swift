/// Media sections of the answer (RFC 8829 §5.3.1).
extension SDPAnswerer {
    /// An accepted section: port 9, `c=IN IP4 0.0.0.0`, one payload type, our ICE/DTLS parameters,
    /// candidates and, when we send, msid/ssrc signalling.
    static func acceptedSection(for offered: MediaDescription, result: NegotiatedMedia, role: DTLSSetupRole,
                                options: AnswerOptions) -> MediaDescription {
        if offered.kind == .application, let data = options.dataChannels {
            return dataChannelSection(for: offered, role: role, parameters: data, options: options)
        }
        let payloadType = result.payloadType ?? 0
        var section = MediaDescription(kind: offered.kind, port: 9, proto: offered.proto,
                                       formats: [String(payloadType)], connection: "IN IP4 0.0.0.0")
        if let red = result.redundancyPayloadType { section.formats.insert(String(red), at: 0) }
        if let rtx = result.retransmissionPayloadType { section.formats.append(String(rtx)) }
        var attributes = transportAttributes(for: offered, role: role, options: options)
        for extMap in result.extensions { attributes.append(SDPAttribute("extmap", extMap.attributeValue)) }
        attributes.append(SDPAttribute(result.direction.rawValue))
        attributes += SimulcastNegotiation.answerAttributes(layers: result.simulcastRIDs)
        let track = result.direction.sends ? options.localTracks[offered.kind] : nil
        if let track { attributes.append(SDPAttribute("msid", track.streamID + " " + track.trackID)) }
        attributes.append(SDPAttribute("rtcp-mux"))
        if offered.rtcpReducedSize { attributes.append(SDPAttribute("rtcp-rsize")) }
        let rtpMap = offered.rtpMap(for: payloadType)
            ?? RTPMap(payloadType: payloadType, encodingName: result.codec?.name ?? "",
                      clockRate: result.codec?.clockRate ?? 90000, channels: result.codec?.channels)
        attributes.append(SDPAttribute("rtpmap", rtpMap.attributeValue))
        for feedback in result.rtcpFeedback {
            attributes.append(SDPAttribute("rtcp-fb", "\(payloadType) \(feedback)"))
        }
        if let fmtp = offered.fmtpLine(payloadType) {
            attributes.append(SDPAttribute("fmtp", "\(payloadType) \(fmtp)"))
        }
        if let red = result.redundancyPayloadType, let map = offered.rtpMap(for: red) {
            attributes.append(SDPAttribute("rtpmap", map.attributeValue))
            attributes.append(SDPAttribute("fmtp", "\(red) \(payloadType)/\(payloadType)"))
        }
        if let rtx = result.retransmissionPayloadType, let map = offered.rtpMap(for: rtx) {
            attributes.append(SDPAttribute("rtpmap", map.attributeValue))
            attributes.append(SDPAttribute("fmtp", "\(rtx) apt=\(payloadType)"))
        }
        let rtxSSRC = result.retransmissionPayloadType == nil ? nil : track?.rtxSSRC
        if let track, let rtxSSRC {
            attributes.append(SDPAttribute("ssrc-group", "FID \(track.ssrc) \(rtxSSRC)"))
        }
        if let track {
            attributes.append(SDPAttribute("ssrc", "\(track.ssrc) cname:\(track.cname)"))
            attributes.append(SDPAttribute("ssrc", "\(track.ssrc) msid:\(track.streamID) \(track.trackID)"))
        }
        if let track, let rtxSSRC {
            attributes.append(SDPAttribute("ssrc", "\(rtxSSRC) cname:\(track.cname)"))
            attributes.append(SDPAttribute("ssrc", "\(rtxSSRC) msid:\(track.streamID) \(track.trackID)"))
        }
        attributes += candidateAttributes(options)
        section.attributes = attributes
        return section
    }

    /// An accepted data channel section (RFC 8841 §5): SCTP over DTLS on the bundled transport.
    static func dataChannelSection(for offered: MediaDescription, role: DTLSSetupRole, parameters: DataChannelParameters,
                                   options: AnswerOptions) -> MediaDescription {
        var section = MediaDescription(kind: .application, port: 9, proto: offered.proto,
                                       formats: ["webrtc-datachannel"], connection: "IN IP4 0.0.0.0")
        section.attributes = transportAttributes(for: offered, role: role, options: options)
            + [SDPAttribute("sctp-port", String(parameters.sctpPort)),
               SDPAttribute("max-message-size", String(parameters.maxMessageSize))]
            + candidateAttributes(options)
        return section
    }

    /// ICE credentials, fingerprint, DTLS role and mid: the same in every accepted section.
    private static func transportAttributes(for offered: MediaDescription, role: DTLSSetupRole,
                                            options: AnswerOptions) -> [SDPAttribute] {
        var attributes = [
            SDPAttribute("ice-ufrag", options.iceUfrag),
            SDPAttribute("ice-pwd", options.icePwd),
            SDPAttribute("fingerprint", options.fingerprint.attributeValue),
            SDPAttribute("setup", role.rawValue),
        ]
        if let mid = offered.mid { attributes.append(SDPAttribute("mid", mid)) }
        return attributes
    }

    private static func candidateAttributes(_ options: AnswerOptions) -> [SDPAttribute] {
        options.candidates.map(\.attribute) + (options.endOfCandidates ? [SDPAttribute("end-of-candidates")] : [])
    }

    /// A rejected section: port 0, the offered proto and formats, the mid kept (RFC 8829 §5.3.1).
    static func rejectedSection(for offered: MediaDescription) -> MediaDescription {
        var section = MediaDescription(kind: offered.kind, port: 0, proto: offered.proto,
                                       formats: offered.formats.isEmpty ? ["0"] : offered.formats,
                                       connection: "IN IP4 0.0.0.0")
        if let mid = offered.mid { section.attributes.append(SDPAttribute("mid", mid)) }
        return section
    }
}
