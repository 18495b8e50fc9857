import RTCBase
import STUN

extension ICEAgent {
    /// Feed a datagram known to be STUN (`STUNMessage.isSTUN`) that arrived from `source` on the
    /// local base `localBase` (a host socket's address, or the relayed address when it came through
    /// the TURN client). Returns false when dropped (counted in `droppedDatagrams`).
    @discardableResult
    public mutating func handleSTUN(_ datagram: ArraySlice<UInt8>, from source: TransportAddress,
                                    to localBase: TransportAddress, now: Instant) -> Bool {
        let message: STUNMessage
        do {
            message = try STUNMessage(parsing: datagram, limits: configuration.stunLimits)
        } catch {
            return drop(.malformed(error))
        }
        guard message.type.method == .binding else { return drop(.notBindingRequest) }
        let handled: Bool
        switch message.type.messageClass {
        case .request: handled = handleRequest(message, datagram, from: source, to: localBase, now: now)
        case .successResponse, .errorResponse:
            handled = handleResponse(message, datagram, from: source, to: localBase, now: now)
        case .indication: handled = true  // Binding indications are keepalives (RFC 8445 §11).
        }
        handleTimeout(now: now)
        return handled
    }

    // MARK: requests (RFC 8445 §7.3)

    mutating func handleRequest(_ request: STUNMessage, _ datagram: ArraySlice<UInt8>, from source: TransportAddress,
                                to localBase: TransportAddress, now: Instant) -> Bool {
        let limits = configuration.stunLimits
        guard let username = request.username, let (localPart, remotePart) = username.splitOnce(":"),
              localPart == local.ufrag, remote.map({ $0.ufrag == remotePart }) ?? true else {
            return drop(.wrongUsername)
        }
        guard request.messageIntegrity != nil else { return drop(.missingIntegrity) }
        if request.fingerprint != nil, !STUNMessage.verifyFingerprint(datagram, limits: limits) {
            return drop(.badFingerprint)
        }
        guard STUNMessage.verifyMessageIntegrity(datagram, key: localKey, limits: limits) else {
            return drop(.badIntegrity)
        }
        guard let localCandidate = localCandidates.first(where: { $0.base == localBase && $0.type != .serverReflexive })
        else { return drop(.unknownLocalBase) }
        let known = remoteCandidates.contains { $0.address == source }
        guard known || remoteCandidates.count < max(1, configuration.maxRemoteCandidates) else {
            return drop(.overCapacity)
        }
        guard resolveRoleConflict(request, from: source, to: localBase) else { return true }
        respond(to: request, from: localBase, to: source, type: .bindingSuccess, attributes: [.xorMappedAddress(source)])

        // The remote candidate: known, or peer-reflexive (RFC 8445 §7.3.1.3).
        if !known {
            let priority = request.priority ?? ICECandidatePriority.priority(
                typePreference: ICECandidatePriority.peerReflexiveTypePreference, localPreference: 65535)
            remoteCandidates.append(ICECandidate(type: .peerReflexive, address: source, priority: priority,
                                                 foundation: "prflx-\(source)"))
        }
        guard let remoteCandidate = remoteCandidates.first(where: { $0.address == source }) else { return true }
        // Triggered check (RFC 8445 §7.3.1.4) and nomination (§7.3.1.5).
        guard let index = pairIndex(base: localBase, remote: source)
            ?? addPair(local: localCandidate, remote: remoteCandidate) else { return true }
        let nominating = request.hasUseCandidate && role == .controlled
        switch pairs[index].state {
        case .succeeded:
            if nominating { nominate(index, now: now) }
        case .inProgress:
            if nominating { pairs[index].nominateOnSuccess = true }
        case .frozen, .waiting, .failed:
            if nominating { pairs[index].nominateOnSuccess = true }
            pairs[index].state = .waiting
            enqueueTriggered(index)
        }
        startChecking()
        return true
    }

    /// RFC 8445 §7.3.1.1. False when we answered 487 (the request goes no further).
    mutating func resolveRoleConflict(_ request: STUNMessage, from source: TransportAddress,
                                      to localBase: TransportAddress) -> Bool {
        if role == .controlling, let theirs = request.iceControlling {
            roleConflicts += 1
            if tieBreaker >= theirs {
                respond(to: request, from: localBase, to: source, type: .bindingError,
                        attributes: [.errorCode(.roleConflict)])
                return false
            }
            switchRole(to: .controlled)
        } else if role == .controlled, let theirs = request.iceControlled {
            roleConflicts += 1
            if tieBreaker >= theirs {
                switchRole(to: .controlling)
            } else {
                respond(to: request, from: localBase, to: source, type: .bindingError,
                        attributes: [.errorCode(.roleConflict)])
                return false
            }
        }
        return true
    }

    mutating func switchRole(to newRole: ICERole) {
        guard newRole != role else { return }
        role = newRole
        reprioritize()
        emit(.event(.roleChanged(newRole)))
    }

    mutating func respond(to request: STUNMessage, from localBase: TransportAddress, to destination: TransportAddress,
                          type: STUNMessageType, attributes: [STUNAttribute]) {
        let response = STUNMessage(type: type, transactionID: request.transactionID, attributes: attributes)
        guard let bytes = try? response.encoded(integrityKey: localKey, addFingerprint: true) else { return }
        emit(.transmit(bytes, from: localBase, to: destination))
    }

    mutating func enqueueTriggered(_ index: Int) {
        let key = (base: pairs[index].local.base, remote: pairs[index].remote.address)
        guard !triggered.contains(where: { $0.base == key.base && $0.remote == key.remote }) else { return }
        triggered.append(key)
    }

    // MARK: responses (RFC 8445 §7.2.5)

    mutating func handleResponse(_ response: STUNMessage, _ datagram: ArraySlice<UInt8>, from source: TransportAddress,
                                 to localBase: TransportAddress, now: Instant) -> Bool {
        guard let tIndex = transactions.firstIndex(where: { $0.id == response.transactionID }) else {
            return drop(.unexpectedResponse)
        }
        let transaction = transactions[tIndex]
        if transaction.kind == .gather {
            guard source == transaction.to, response.type.messageClass == .successResponse,
                  let mapped = response.xorMappedAddress ?? response.mappedAddress else { return drop(.unexpectedResponse) }
            transactions.remove(at: tIndex)
            learnServerReflexive(mapped, base: transaction.from)
            return true
        }
        guard let remoteKey, STUNMessage.verifyMessageIntegrity(datagram, key: remoteKey,
                                                                limits: configuration.stunLimits) else {
            return drop(.badIntegrity)
        }
        transactions.remove(at: tIndex)
        guard let index = pairIndex(base: transaction.from, remote: transaction.to) else { return true }
        if transaction.kind == .consent {
            if response.type.messageClass == .successResponse, source == transaction.to, localBase == transaction.from {
                lastConsent = now
                if state == .disconnected { setState(.connected) }
            }
            return true
        }
        // Non-symmetric addresses fail the pair (RFC 8445 §7.2.5.2.1).
        guard source == transaction.to, localBase == transaction.from else {
            pairs[index].state = .failed
            return true
        }
        if response.type.messageClass == .errorResponse {
            if response.errorCode?.code == STUNErrorCode.roleConflict.code {
                // RFC 8445 §7.2.5.1: switch role and check again.
                roleConflicts += 1
                switchRole(to: transaction.controlling ? .controlled : .controlling)
                if let again = pairIndex(base: transaction.from, remote: transaction.to) {
                    pairs[again].state = .waiting
                    enqueueTriggered(again)
                }
            } else {
                pairs[index].state = .failed
            }
            return true
        }
        checkSucceeded(index, mapped: response.xorMappedAddress, nominating: transaction.kind == .check(useCandidate: true),
                       now: now)
        return true
    }

    mutating func learnServerReflexive(_ mapped: TransportAddress, base: TransportAddress) {
        guard mapped != base, !localCandidates.contains(where: { $0.address == mapped }),
              localCandidates.count < max(1, configuration.maxLocalCandidates) else { return }
        let localPreference = localCandidates.first { $0.address == base }
            .map { UInt16(truncatingIfNeeded: $0.priority >> 8) } ?? 65535
        let candidate = ICECandidate(type: .serverReflexive, address: mapped, base: base, localPreference: localPreference)
        localCandidates.append(candidate)
        emit(.event(.localCandidate(candidate)))
    }

    mutating func checkSucceeded(_ index: Int, mapped: TransportAddress?, nominating: Bool, now: Instant) {
        var validLocal = pairs[index].local
        if let mapped, mapped != validLocal.address {
            // A peer-reflexive local candidate (RFC 8445 §7.2.5.3.1).
            validLocal = ICECandidate(type: .peerReflexive, address: mapped, base: validLocal.base,
                                      priority: checkPriority(for: validLocal))
        }
        pairs[index].validLocal = validLocal
        pairs[index].state = .succeeded
        if firstValidAt == nil { firstValidAt = now }
        // Unfreeze pairs of the same foundation (RFC 8445 §7.2.5.3.3).
        let foundation = pairs[index].foundation
        for other in pairs.indices where pairs[other].state == .frozen && pairs[other].foundation == foundation {
            pairs[other].state = .waiting
        }
        if (nominating && role == .controlling) || (role == .controlled && pairs[index].nominateOnSuccess) {
            nominate(index, now: now)
        }
    }

    /// A pair is nominated (RFC 8445 §8.1.1, §7.3.1.5): select the highest-priority nominated pair.
    mutating func nominate(_ index: Int, now: Instant) {
        pairs[index].nominated = true
        guard let best = pairs.first(where: { $0.nominated && $0.state == .succeeded }) else { return }
        let pair = ICECandidatePair(local: best.validLocal ?? best.local, remote: best.remote)
        if pair != selectedPair {
            selectedPair = pair
            emit(.event(.selectedPairChanged(pair)))
        }
        // A nomination is an answered check: consent is fresh (also after a restart that kept the pair).
        lastConsent = now
        if nextConsent == .distantFuture || state != .connected { nextConsent = now + consentDelay() }
        if connectedAt == nil { connectedAt = now }
        setState(.connected)
    }

    /// The PRIORITY a check from `candidate` carries: peer-reflexive type, its local preference
    /// (RFC 8445 §7.1.1).
    func checkPriority(for candidate: ICECandidate) -> UInt32 {
        UInt32(ICECandidatePriority.peerReflexiveTypePreference) << 24 | (candidate.priority & 0x00ff_ffff)
    }
}
