import RTCBase
import STUN

extension ICELiteAgent {
    /// Feed a datagram already known to be STUN (`STUNMessage.isSTUN`). Returns false when dropped
    /// (malformed, not a Binding request, wrong ufrag, bad or missing integrity, bad fingerprint,
    /// consent expired); drops are counted in `droppedRequests` and never answered.
    /// RFC 8445 §7.3 (lite agent responding), RFC 8489 §9.1.3 (short-term credential checks).
    @discardableResult
    public mutating func handleSTUN(_ datagram: ArraySlice<UInt8>, from source: TransportAddress, now: Instant) -> Bool {
        handleTimeout(now: now)
        guard !isConsentExpired else { return drop(.consentExpired) }
        let limits = configuration.stunLimits
        let request: STUNMessage
        do {
            request = try STUNMessage(parsing: datagram, limits: limits)
        } catch {
            return drop(.malformed(error))
        }
        if request.type == .bindingSuccess { return handleProbeResponse(request, datagram, from: source, now: now) }
        guard request.type == .bindingRequest else { return drop(.notBindingRequest) }
        guard let username = request.username, usernameMatches(username) else { return drop(.wrongUsername) }
        guard request.messageIntegrity != nil else { return drop(.missingIntegrity) }
        if request.fingerprint != nil, !STUNMessage.verifyFingerprint(datagram, limits: limits) {
            return drop(.badFingerprint)
        }
        guard STUNMessage.verifyMessageIntegrity(datagram, key: localKey, limits: limits) else {
            return drop(.badIntegrity)
        }
        // Authenticated. ICE-CONTROLLED in the request would be a role conflict, but a lite agent
        // is always controlled and leaves resolving it to the full agent (RFC 8445 §7.3.1.1).
        let unknown = request.unknownComprehensionRequiredTypes
        if !unknown.isEmpty {
            // RFC 8489 §6.3.1.1: 420 listing them; the check does not validate anything.
            respond(to: request, from: source, attributes: [.errorCode(.unknownAttribute), .unknownAttributes(unknown)],
                    type: .bindingError)
            return true
        }
        respond(to: request, from: source, attributes: [.xorMappedAddress(source)], type: .bindingSuccess)
        lastAuthenticatedCheck = now
        if request.hasUseCandidate {
            nominate(source, now: now)
        } else if source == selected {
            selectedLastCheck = now
        }
        markValidated(source, now: now)
        return true
    }

    /// USERNAME must be "localUfrag:remoteUfrag" (RFC 8445 §7.2.2); the remote part is checked
    /// once the remote credentials are known.
    func usernameMatches(_ username: String) -> Bool {
        guard let (localPart, remotePart) = username.splitOnce(":"), localPart == local.ufrag else { return false }
        guard let remote else { return true }
        return remotePart == remote.ufrag
    }

    /// Success or error response: same transaction id, MESSAGE-INTEGRITY with the local password,
    /// FINGERPRINT (RFC 8445 §7.3.1.1 via RFC 8489 §9.1.3).
    mutating func respond(to request: STUNMessage, from source: TransportAddress, attributes: [STUNAttribute],
                          type: STUNMessageType) {
        let response = STUNMessage(type: type, transactionID: request.transactionID, attributes: attributes)
        // Cannot fail: a handful of short attributes.
        guard let bytes = try? response.encoded(integrityKey: localKey, addFingerprint: true) else { return }
        emit(.transmit(bytes, to: source))
    }

    /// USE-CANDIDATE from the controlling peer (RFC 8445 §7.3.1.5, §8.2): the first nomination
    /// connects; a later one of another address is followed once that address answers a probe.
    mutating func nominate(_ address: TransportAddress, now: Instant) {
        if !hasConnected {
            hasConnected = true
            selected = address
            selectedLastCheck = now
            emit(.event(.connected(address)))
        } else if address == selected {
            selectedLastCheck = now
        } else if probe?.address != address {
            startProbe(address, now: now)
        }
    }

    /// Sends a check of our own to `address` (ICE-CONTROLLED, the peer's credentials), repeated
    /// from `handleTimeout` until answered or `addressProbeAttempts` are spent. One round per
    /// address per `addressProbeCooldown`, each probe paid from the session's budget: a nomination
    /// is authenticated but its source address is not, so a replayed one must not turn us into a
    /// reflector towards whatever address it claims.
    mutating func startProbe(_ address: TransportAddress, now: Instant) {
        if let index = probeRounds.firstIndex(where: { $0.address == address }) {
            guard now >= probeRounds[index].started + configuration.addressProbeCooldown else {
                probesSuppressed += 1
                return
            }
            probeRounds.remove(at: index)
        }
        guard let remote, let check = ICECheckRequest.make(local: local, remote: remote, tieBreaker: tieBreaker,
                                                           controlling: false) else { return }
        guard probeBudget.take(1, at: now) else {
            probesSuppressed += 1
            return
        }
        if probeRounds.count >= max(1, configuration.maxValidatedAddresses) { probeRounds.removeFirst() }
        probeRounds.append((address, now))
        probe = AddressProbe(address: address, request: check.bytes, transaction: check.transaction, attempts: 1,
                             nextSend: now + configuration.addressProbeInterval)
        probesSent += 1
        emit(.transmit(check.bytes, to: address))
    }

    /// A success response to our probe — same transaction, from the probed address, authenticated
    /// with the peer's password (RFC 8445 §7.2.5.2) — moves the selection there.
    mutating func handleProbeResponse(_ response: STUNMessage, _ datagram: ArraySlice<UInt8>,
                                      from source: TransportAddress, now: Instant) -> Bool {
        guard let current = probe, let remote, response.transactionID == current.transaction,
              source == current.address,
              STUNMessage.verifyMessageIntegrity(datagram, key: STUNMessage.shortTermKey(password: remote.password),
                                                 limits: configuration.stunLimits)
        else { return drop(.unexpectedResponse) }
        probe = nil
        selected = source
        addressChanges += 1
        selectedLastCheck = now
        lastAuthenticatedCheck = now
        markValidated(source, now: now)
        emit(.event(.selectedAddressChanged(source)))
        return true
    }

    /// Adds or refreshes `address`; when full, evicts the least recently checked unselected entry.
    mutating func markValidated(_ address: TransportAddress, now: Instant) {
        if let index = validated.firstIndex(where: { $0.address == address }) {
            validated[index].lastCheck = now
            return
        }
        if validated.count >= max(1, configuration.maxValidatedAddresses) {
            var victim: Int?
            for index in validated.indices where validated[index].address != selected {
                if let current = victim, validated[current].lastCheck <= validated[index].lastCheck { continue }
                victim = index
            }
            // Only the selected address occupies the set (a cap of 1): keep it.
            guard let victim else { return }
            validated.remove(at: victim)
        }
        validated.append(ValidatedAddress(address: address, lastCheck: now))
    }
}
