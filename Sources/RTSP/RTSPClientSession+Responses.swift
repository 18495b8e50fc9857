import RTCBase
import SDP

extension RTSPClientSession {
    /// Matches a response to its request by CSeq (RFC 2326 §12.17) and advances the flow.
    mutating func handleResponse(_ response: RTSPResponse, now: Instant) {
        guard let cseq = response.cseq, let entry = pending.removeValue(forKey: cseq) else {
            ignoredResponses += 1
            return
        }
        if response.status.code == 401 {
            handleUnauthorized(entry, response, now: now)
            return
        }
        if [301, 302, 303, 305].contains(response.status.code), entry.kind != .teardown, entry.kind != .keepalive,
           let location = response.headers["Location"] {
            redirect(location, now: now)
            return
        }
        switch entry.kind {
        case .options: handleOptions(response, now: now)
        case .describe: handleDescribe(response, now: now)
        case .setup(let index): handleSetup(index, response, now: now)
        case .play: handlePlay(response, now: now)
        case .keepalive: handleKeepalive(entry, response)
        case .teardown:
            if phase == .tearingDown {
                phase = .closed
                emit(.event(.closed))
            }
        }
    }

    /// 401: answer the challenge once; a Digest `stale=true` gets one more try (RFC 7616 §3.3).
    mutating func handleUnauthorized(_ entry: Pending, _ response: RTSPResponse, now: Instant) {
        if entry.kind == .teardown {
            if phase == .tearingDown { phase = .closed; emit(.event(.closed)) }
            return
        }
        guard let credentials else { fail(.authenticationRequired); return }
        let challenges = RTSPAuthChallenge.parse(response.headers.values(named: "WWW-Authenticate"))
        guard let challenge = RTSPAuthChallenge.preferred(challenges) else { fail(.unsupportedAuthentication); return }
        var retry = entry
        if case .digest(let digest) = challenge, digest.stale, !entry.staleRetried {
            retry.staleRetried = true
        } else if !entry.authRetried {
            retry.authRetried = true
        } else {
            fail(.authenticationFailed)
            return
        }
        authenticator = RTSPClientAuthenticator(credentials: credentials, challenge: challenge)
        retry.deadline = now + configuration.responseTimeout
        transmit(&retry, now: now)
    }

    /// 3xx with Location (RFC 2326 §11.3): start over at the new URL, at most `maxRedirects` times.
    mutating func redirect(_ location: String, now: Instant) {
        redirects += 1
        guard redirects <= configuration.maxRedirects else { fail(.tooManyRedirects); return }
        guard let target = url.resolving(location) else { fail(.invalidResponse("unusable redirect Location")); return }
        if let absolute = RTSPURL(string: location.trimmingSpaces.description), let user = absolute.user {
            credentials = RTSPCredentials(username: user, password: absolute.password ?? "")
        } else if target.host.lowercased() != url.host.lowercased() {
            // Never hand the camera's password to another host.
            credentials = nil
        }
        reconnect(to: target)
    }

    mutating func handleOptions(_ response: RTSPResponse, now: Instant) {
        if response.status.isSuccess, let methods = response.headers["Public"] {
            publicMethods = RTSPMethod.list(methods)
        }
        // Some cameras reject OPTIONS; DESCRIBE decides.
        phase = .describe
        var headers = RTSPHeaders()
        headers.add("Accept", "application/sdp")
        send(.describe, method: .describe, uri: url.absoluteString, headers: headers, now: now)
    }

    mutating func handleDescribe(_ response: RTSPResponse, now: Instant) {
        guard response.status.isSuccess else { failStatus(.describe, response); return }
        let sdp: SessionDescription
        do {
            sdp = try SessionDescription(parsing: response.body, limits: configuration.sdpLimits)
        } catch {
            fail(.invalidDescription(error.reason))
            return
        }
        let base = RTSPURL.controlBase(contentBase: response.headers["Content-Base"],
                                       contentLocation: response.headers["Content-Location"], requestURL: url)
        var found: [RTSPTrack] = []
        for (mediaIndex, media) in sdp.media.enumerated()
        where configuration.mediaKinds.contains(media.kind) && media.proto.uppercased().hasPrefix("RTP/") {
            guard found.count < min(configuration.maxTracks, Self.maxTracks) else { break }
            let control = media.attributes.firstValue(named: "control") ?? "*"
            guard let controlURL = base.resolving(control) else {
                fail(.invalidDescription("unusable control URL in media section \(mediaIndex)"))
                return
            }
            found.append(RTSPTrack(index: found.count, mediaIndex: mediaIndex, media: media, controlURL: controlURL))
        }
        guard !found.isEmpty else { fail(.noTracks); return }
        description = sdp
        tracks = found
        transports = Array(repeating: nil, count: found.count)
        ssrcs = Array(repeating: nil, count: found.count)
        aggregateURL = sdp.attributes.firstValue(named: "control").flatMap { base.resolving($0) } ?? base
        emit(.event(.described(sdp, tracks: found)))
        setupTrack(0, now: now)
    }

    mutating func handleSetup(_ index: Int, _ response: RTSPResponse, now: Instant) {
        guard response.status.isSuccess else {
            if response.status.code == 461, configuration.transport == .automatic, !usesTCP {
                if sessionID == nil {
                    usesTCP = true
                    setupTrack(index, now: now)
                } else {
                    restartWithTCP(now: now)
                }
                return
            }
            failStatus(.setup, response)
            return
        }
        guard let sessionValue = response.headers["Session"],
              let session = try? RTSPSessionHeader(parsing: sessionValue) else {
            fail(.invalidResponse("SETUP answer without a valid Session header"))
            return
        }
        if sessionID == nil {
            sessionID = session.id
            if let seconds = session.timeout, seconds > 0 { sessionTimeout = .seconds(min(seconds, 86_400)) }
        }
        let answered = response.headers["Transport"].flatMap { try? RTSPTransport.parseList($0).first }
        let transport: RTSPTrackTransport
        if answered?.lowerTransport == .tcp || (answered == nil && usesTCP) {
            let rtp = answered?.interleaved.flatMap { UInt8(exactly: $0.first) } ?? UInt8(truncatingIfNeeded: index * 2)
            let rtcp = answered?.interleaved?.second.flatMap { UInt8(exactly: $0) } ?? rtp &+ 1
            channelRoutes[Int(rtp)] = Int16(index * 2)
            channelRoutes[Int(rtcp)] = Int16(index * 2 + 1)
            transport = .interleaved(rtp: rtp, rtcp: rtcp)
        } else {
            guard let ports = clientPorts[index] else {
                fail(.invalidResponse("server chose UDP although TCP was requested"))
                return
            }
            let server = answered?.serverPort
            transport = .udp(clientRTP: ports.rtp, clientRTCP: ports.rtcp, serverRTP: server?.first,
                             serverRTCP: server.map { $0.second ?? $0.first &+ 1 }, source: answered?.source)
        }
        transports[index] = transport
        ssrcs[index] = answered?.ssrc
        keepaliveDeadline = now + .nanoseconds(sessionTimeout.nanosecondsClamped / 2)
        if index + 1 < tracks.count {
            setupTrack(index + 1, now: now)
        } else {
            phase = .play
            var headers = RTSPHeaders()
            headers.add("Range", RTSPRange.fromStart.headerValue)
            send(.play, method: .play, uri: aggregateURL.absoluteString, headers: headers, now: now)
        }
    }

    mutating func handlePlay(_ response: RTSPResponse, now: Instant) {
        guard response.status.isSuccess else { failStatus(.play, response); return }
        let entries = response.headers["RTP-Info"].map { RTPInfoEntry.parseList($0) } ?? []
        var playing: [RTSPPlayingTrack] = []
        for track in tracks {
            let info = entries.first { entry in
                guard let entryURL = aggregateURL.resolving(entry.url) else { return false }
                return entryURL.absoluteString == track.controlURL.absoluteString
                    || entryURL.path == track.controlURL.path && entryURL.query == track.controlURL.query
            } ?? (entries.count == tracks.count ? entries[track.index] : nil)
            guard let transport = transports[track.index] else { continue }
            playing.append(RTSPPlayingTrack(track: track, transport: transport, ssrc: ssrcs[track.index], rtpInfo: info))
        }
        phase = .playing
        keepaliveDeadline = now + .nanoseconds(sessionTimeout.nanosecondsClamped / 2)
        let range = response.headers["Range"].flatMap { try? RTSPRange(parsing: $0) }
        emit(.event(.playing(RTSPPlayback(sessionID: sessionID ?? "", tracks: playing, range: range, url: url))))
    }

    mutating func handleKeepalive(_ entry: Pending, _ response: RTSPResponse) {
        switch response.status.code {
        case 454: fail(.sessionNotFound)
        case 405 where entry.method == .getParameter, 501 where entry.method == .getParameter:
            keepaliveWithOptions = true
        default: break
        }
    }

    mutating func failStatus(_ method: RTSPMethod, _ response: RTSPResponse) {
        switch response.status.code {
        case 404: fail(.notFound(url: url.redacted))
        case 454: fail(.sessionNotFound)
        case 461: fail(.unsupportedTransport)
        default: fail(.status(method: method.rawValue, code: response.status.code, reason: response.status.reason))
        }
    }
}
