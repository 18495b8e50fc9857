import RTCBase
import SDP

extension RTSPServerSession {
    /// Handles one request; `replay` is true when it resumes after a runtime answer.
    mutating func process(_ request: RTSPRequest, now: Instant, replay: Bool = false) {
        guard let cseq = request.headers["CSeq"], RTSPHeaderNumber.parse(cseq) != nil else {
            respond(to: request, .badRequest)
            return
        }
        guard request.version == RTSP.version else {
            respond(to: request, .versionNotSupported)
            return
        }
        if let value = request.headers["Session"] {
            guard let id = try? RTSPSessionHeader(parsing: value).id, let session, id == session.id else {
                respond(to: request, .sessionNotFound)
                return
            }
            self.session?.lastActivity = now
        }
        switch request.method {
        case .options:
            var headers = RTSPHeaders()
            headers.add("Public", RTSPMethod.listValue(Self.supportedMethods))
            respond(to: request, .ok, headers: headers)
        case .describe: describe(request, now: now, replay: replay)
        case .announce: announce(request, now: now, replay: replay)
        case .setup: setup(request, now: now)
        case .play: play(request, now: now)
        case .pause, .record, .teardown: control(request, now: now)
        case .getParameter, .setParameter:
            respond(to: request, .ok, headers: sessionHeader(for: request))
        case .redirect:
            var headers = RTSPHeaders()
            headers.add("Allow", RTSPMethod.listValue(Self.supportedMethods))
            respond(to: request, .methodNotAllowed, headers: headers)
        default:
            respond(to: request, .notImplemented)
        }
    }

    private mutating func describe(_ request: RTSPRequest, now: Instant, replay: Bool) {
        guard let url = RTSPURL(string: request.uri), let path = Self.path(of: request.uri) else {
            respond(to: request, .badRequest)
            return
        }
        let key = PathKey(path: path, access: .read)
        if !replay { pathInfo[key] = nil }  // DESCRIBE always asks for the current description
        guard let info = info(for: key, request: request), authorize(request, key: key, info: info, now: now) else { return }
        if info.description == nil, info.startsOnDemand {
            park(request, .wake(key)) { .wake($0, path: key.path) }
            return
        }
        guard var served = info.description else {
            respond(to: request, .notFound)
            return
        }
        served.attributes.setValue("*", named: "control")
        for index in served.media.indices {
            served.media[index].attributes.setValue("trackID=\(index)", named: "control")
        }
        var base = url.withoutCredentials.absoluteString
        if !base.hasSuffix("/") { base += "/" }
        controls[path] = served.media.indices.map { index in
            RTSPURL(string: base + "trackID=\(index)").map(Self.normalizedControl) ?? ""
        }
        describedSDP[path] = served
        var headers = RTSPHeaders()
        headers.add("Content-Base", base)
        headers.add("Content-Type", "application/sdp")
        respond(to: request, .ok, headers: headers, body: Array(served.serialized().utf8))
    }

    private mutating func announce(_ request: RTSPRequest, now: Instant, replay: Bool) {
        guard let url = RTSPURL(string: request.uri), let path = Self.path(of: request.uri), !path.isEmpty else {
            respond(to: request, .badRequest)
            return
        }
        if let type = request.headers["Content-Type"], !type.lowercased().hasPrefix("application/sdp") {
            respond(to: request, RTSPStatus(code: 415))
            return
        }
        let key = PathKey(path: path, access: .publish)
        if !replay { pathInfo[key] = nil }
        guard let info = info(for: key, request: request) else { return }
        guard info.allowsPublishing else {
            respond(to: request, .forbidden)
            return
        }
        guard authorize(request, key: key, info: info, now: now) else { return }
        guard session == nil else {
            respond(to: request, .methodNotValidInThisState)
            return
        }
        guard let sdp = try? SessionDescription(parsing: request.body, limits: configuration.sdpLimits) else {
            respond(to: request, .badRequest)
            return
        }
        let base = url.withoutCredentials
        announced[path] = sdp
        controls[path] = sdp.media.map { media in
            base.resolving(media.attributes.firstValue(named: "control") ?? "*").map(Self.normalizedControl) ?? ""
        }
        respond(to: request, .ok)
    }

    private mutating func setup(_ request: RTSPRequest, now: Instant) {
        guard let url = RTSPURL(string: request.uri), let transportValue = request.headers["Transport"] else {
            respond(to: request, .badRequest)
            return
        }
        guard let specs = try? RTSPTransport.parseList(transportValue) else {
            respond(to: request, .unsupportedTransport)
            return
        }
        // Which path and media section the URL names.
        var located = locate(url)
        if located == nil, let guess = Self.guessTrack(url) {
            let readKey = PathKey(path: guess.path, access: .read)
            guard let info = info(for: readKey, request: request) else { return }
            if let sdp = info.description, guess.index < sdp.media.count {
                located = guess
                if controls[guess.path] == nil { controls[guess.path] = sdp.media.indices.map { _ in "" } }
                describedSDP[guess.path] = describedSDP[guess.path] ?? sdp
            }
        }
        guard let (path, mediaIndex) = located else {
            respond(to: request, .notFound)
            return
        }
        let access: RTSPAccess = announced[path] != nil ? .publish : .read
        if access == .read, specs.contains(where: { $0.mode == "RECORD" }) {
            respond(to: request, .methodNotValidInThisState)
            return
        }
        let key = PathKey(path: path, access: access)
        guard let info = info(for: key, request: request), authorize(request, key: key, info: info, now: now) else { return }
        if let session {
            guard session.path == path else { respond(to: request, .aggregateOperationNotAllowed); return }
            guard session.access == access, !session.active else {
                respond(to: request, .methodNotValidInThisState)
                return
            }
        }
        // Choose a transport: interleaved TCP or unicast UDP; multicast is not offered.
        var chosen: (RTSPServerTrackTransport, RTSPTransport)?
        for spec in specs where spec.profile.hasPrefix("RTP/AVP") && spec.delivery != .multicast {
            if spec.lowerTransport == .tcp {
                guard let channels = interleavedChannels(requested: spec.interleaved, mediaIndex: mediaIndex) else { continue }
                var echo = spec
                echo.interleaved = .init(UInt16(channels.rtp), UInt16(channels.rtcp))
                echo.delivery = .unicast
                chosen = (.interleaved(rtp: channels.rtp, rtcp: channels.rtcp), echo)
                break
            }
            guard let clientPort = spec.clientPort else { continue }
            let clientRTCP = clientPort.second ?? clientPort.first &+ 1
            switch answer {
            case .ports(let rtp, let rtcp):
                var echo = spec
                echo.serverPort = .init(rtp, rtcp)
                echo.delivery = .unicast
                echo.destination = nil
                chosen = (.udp(clientRTP: clientPort.first, clientRTCP: clientRTCP, serverRTP: rtp, serverRTCP: rtcp), echo)
            case .portsRejected:
                continue
            default:
                park(request, .ports) {
                    .needServerPorts($0, path: path, mediaIndex: mediaIndex, clientRTP: clientPort.first, clientRTCP: clientRTCP)
                }
                return
            }
            break
        }
        guard let (transport, echo) = chosen else {
            respond(to: request, .unsupportedTransport)
            return
        }
        if session == nil {
            session = SessionState(id: SecureRandom.bytes(12).hexString, path: path, access: access, lastActivity: now,
                                   description: access == .publish ? announced[path] : describedSDP[path])
        }
        session?.tracks.removeAll { $0.mediaIndex == mediaIndex }
        session?.tracks.append(RTSPServerTrack(mediaIndex: mediaIndex, transport: transport))
        session?.lastActivity = now
        var headers = RTSPHeaders()
        headers.add("Transport", echo.headerValue)
        headers.add("Session", RTSPSessionHeader(id: session?.id ?? "",
                                                 timeout: Int(configuration.sessionTimeout.components.seconds)).headerValue)
        respond(to: request, .ok, headers: headers)
    }

    private mutating func play(_ request: RTSPRequest, now: Instant) {
        guard let current = session, request.headers.contains("Session") else {
            respond(to: request, .sessionNotFound)
            return
        }
        guard current.access == .read, !current.tracks.isEmpty else {
            respond(to: request, .methodNotValidInThisState)
            return
        }
        if case .rtpInfo(let infos) = answer {
            session?.active = true
            var headers = sessionHeader(for: request)
            headers.add("Range", RTSPRange.fromStart.headerValue)
            let base = RTSPURL(string: request.uri)?.withoutCredentials.absoluteString ?? request.uri
            let prefix = base.hasSuffix("/") ? base : base + "/"
            let entries = infos.map { info in
                RTPInfoEntry(url: prefix + "trackID=\(info.mediaIndex)", sequenceNumber: info.sequenceNumber,
                             rtpTimestamp: info.rtpTimestamp)
            }
            if !entries.isEmpty { headers.add("RTP-Info", RTPInfoEntry.listValue(entries)) }
            respond(to: request, .ok, headers: headers)
            return
        }
        if current.active {
            respond(to: request, .ok, headers: sessionHeader(for: request))
            return
        }
        let stream = RTSPServerStream(sessionID: current.id, path: current.path,
                                      tracks: current.tracks.sorted { $0.mediaIndex < $1.mediaIndex },
                                      description: current.description)
        park(request, .play) { .play($0, stream) }
    }

    /// PAUSE, RECORD and TEARDOWN.
    private mutating func control(_ request: RTSPRequest, now: Instant) {
        guard let current = session, request.headers.contains("Session") else {
            respond(to: request, .sessionNotFound)
            return
        }
        switch request.method {
        case .pause:
            guard !current.tracks.isEmpty else { respond(to: request, .methodNotValidInThisState); return }
            if current.active {
                session?.active = false
                emit(.event(.pause(sessionID: current.id)))
            }
        case .record:
            guard current.access == .publish, !current.tracks.isEmpty else {
                respond(to: request, .methodNotValidInThisState)
                return
            }
            if !current.active {
                session?.active = true
                emit(.event(.record(RTSPServerStream(sessionID: current.id, path: current.path,
                                                     tracks: current.tracks.sorted { $0.mediaIndex < $1.mediaIndex },
                                                     description: current.description))))
            }
        default:
            session = nil
            emit(.event(.sessionClosed(sessionID: current.id, reason: .teardown)))
        }
        respond(to: request, .ok, headers: sessionHeader(for: request))
    }

    // MARK: - Helpers

    private func sessionHeader(for request: RTSPRequest) -> RTSPHeaders {
        var headers = RTSPHeaders()
        if let id = session?.id ?? request.headers["Session"].flatMap({ try? RTSPSessionHeader(parsing: $0).id }) {
            headers.add("Session", id)
        }
        return headers
    }

    /// Finds the path and media index a SETUP URL names, from DESCRIBE/ANNOUNCE control URLs.
    private func locate(_ url: RTSPURL) -> (path: String, index: Int)? {
        let normalized = Self.normalizedControl(url)
        for (path, list) in controls {
            if let index = list.firstIndex(of: normalized), !normalized.isEmpty { return (path, index) }
        }
        if let guess = Self.guessTrack(url), let list = controls[guess.path], guess.index < list.count {
            return guess
        }
        if let path = Self.path(of: url.absoluteString), let list = controls[path], list.count == 1 {
            return (path, 0)
        }
        return nil
    }

    /// `…/<path>/trackID=N` or `…/<path>/streamid=N`.
    static func guessTrack(_ url: RTSPURL) -> (path: String, index: Int)? {
        guard let full = path(of: url.absoluteString), let slash = full.lastIndex(of: "/") else { return nil }
        let last = full[full.index(after: slash)...].lowercased()
        for prefix in ["trackid=", "streamid="] where last.hasPrefix(prefix) {
            guard let index = RTSPHeaderNumber.parse(last.dropFirst(prefix.count)), index < 64 else { return nil }
            return (String(full[..<slash]), index)
        }
        return nil
    }

    /// The requested interleaved pair if free, else the next free even pair.
    private func interleavedChannels(requested: RTSPTransport.Pair?, mediaIndex: Int) -> (rtp: UInt8, rtcp: UInt8)? {
        var used = Set<UInt8>()
        for track in session?.tracks ?? [] where track.mediaIndex != mediaIndex {
            if case .interleaved(let rtp, let rtcp) = track.transport { used.insert(rtp); used.insert(rtcp) }
        }
        if let requested, let rtp = UInt8(exactly: requested.first) {
            let rtcp = requested.second.flatMap { UInt8(exactly: $0) } ?? rtp &+ 1
            if !used.contains(rtp), !used.contains(rtcp), rtp != rtcp { return (rtp, rtcp) }
        }
        for rtp in stride(from: 0, to: 254, by: 2) where !used.contains(UInt8(rtp)) && !used.contains(UInt8(rtp + 1)) {
            return (UInt8(rtp), UInt8(rtp + 1))
        }
        return nil
    }
}
