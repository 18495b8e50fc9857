import RTCBase
import STUN

extension ICEAgent {
    /// Retransmissions, the paced next check, nomination and consent due at `now`.
    public mutating func handleTimeout(now: Instant) {
        retransmit(now: now)
        sendPacedCheck(now: now)
        nominateIfReady(now: now)
        checkConsent(now: now)
        checkFailure()
    }

    // MARK: transactions

    mutating func startTransaction(_ transaction: Transaction, now: Instant) {
        guard transactions.count < max(1, configuration.maxTransactions) else {
            _ = drop(.overCapacity)
            return
        }
        var transaction = transaction
        transaction.nextSend = now
        transactions.append(transaction)
        retransmit(now: now)
    }

    /// Sends every transaction whose timer is due; one out of attempts ends (a check fails its
    /// pair, a gathering request reports `.gatheringFailed`, a consent check just stops).
    mutating func retransmit(now: Instant) {
        var index = 0
        while index < transactions.count {
            guard transactions[index].nextSend <= now else {
                index += 1
                continue
            }
            let transaction = transactions[index]
            guard transaction.attempts < transaction.maxAttempts else {
                transactions.remove(at: index)
                expire(transaction)
                continue
            }
            emit(.transmit(transaction.bytes, from: transaction.from, to: transaction.to))
            switch transaction.kind {
            case .check: checksSent += 1
            case .consent: consentChecksSent += 1
            case .gather: break
            }
            transactions[index].attempts += 1
            // The last attempt waits one RTO for its answer before the transaction expires.
            transactions[index].nextSend = now + transaction.rto
            transactions[index].rto = min(transaction.rto * 2, configuration.maxRTO)
            index += 1
        }
    }

    mutating func expire(_ transaction: Transaction) {
        switch transaction.kind {
        case .check:
            if let index = pairIndex(base: transaction.from, remote: transaction.to),
               pairs[index].state == .inProgress {
                pairs[index].state = .failed
            }
        case .gather:
            emit(.event(.gatheringFailed(server: transaction.to)))
        case .consent:
            break
        }
    }

    // MARK: checks (RFC 8445 §6.1.4)

    /// One check per `pacingInterval`: the oldest triggered check, else the highest-priority
    /// waiting pair, else the highest-priority frozen one.
    mutating func sendPacedCheck(now: Instant) {
        guard remote != nil, state != .failed || !triggered.isEmpty else { return }
        if let last = lastPacedSend, now < last + configuration.pacingInterval { return }
        var chosen: Int?
        while chosen == nil, !triggered.isEmpty {
            let key = triggered.removeFirst()
            chosen = pairIndex(base: key.base, remote: key.remote)
        }
        if chosen == nil { chosen = pairs.firstIndex { $0.state == .waiting } }
        if chosen == nil { chosen = pairs.firstIndex { $0.state == .frozen } }
        guard let index = chosen else { return }
        guard sendCheck(index, useCandidate: false, now: now) else { return }
        lastPacedSend = now
    }

    /// Starts a check transaction on a pair (replacing one in flight on it). False when it could
    /// not be encoded or the transaction cap is reached.
    @discardableResult
    mutating func sendCheck(_ index: Int, useCandidate: Bool, now: Instant) -> Bool {
        guard let remote, transactions.count < max(1, configuration.maxTransactions) else { return false }
        let pair = pairs[index]
        transactions.removeAll { transaction in
            if case .check = transaction.kind { return pair.matches(base: transaction.from, remote: transaction.to) }
            return false
        }
        guard let check = ICECheckRequest.make(local: local, remote: remote, tieBreaker: tieBreaker,
                                               priority: checkPriority(for: pair.local),
                                               controlling: role == .controlling, useCandidate: useCandidate,
                                               transaction: .random()) else { return false }
        if pairs[index].state != .succeeded { pairs[index].state = .inProgress }
        startTransaction(Transaction(id: check.transaction, kind: .check(useCandidate: useCandidate), bytes: check.bytes,
                                     from: pair.local.base, to: pair.remote.address, attempts: 0,
                                     maxAttempts: max(1, configuration.maxCheckAttempts), rto: configuration.initialRTO,
                                     nextSend: now, controlling: role == .controlling), now: now)
        return true
    }

    // MARK: nomination (RFC 8445 §8.1.1, regular)

    /// Controlling: once no better pair is still pending (or `nominationWait` has passed since the
    /// first valid pair), repeat the check of the best valid pair with USE-CANDIDATE.
    mutating func nominateIfReady(now: Instant) {
        guard role == .controlling, let firstValidAt,
              !pairs.contains(where: { $0.nominated }),
              !transactions.contains(where: { $0.kind == .check(useCandidate: true) }),
              let best = pairs.firstIndex(where: { $0.state == .succeeded }) else { return }
        let betterPending = pairs[..<best].contains { $0.state != .failed }
        guard !betterPending || now >= firstValidAt + configuration.nominationWait else { return }
        sendCheck(best, useCandidate: true, now: now)
    }

    // MARK: consent (RFC 7675 §5.1)

    mutating func checkConsent(now: Instant) {
        guard let pair = selectedPair, state == .connected || state == .disconnected else { return }
        if now >= lastConsent + configuration.consentTimeout {
            selectedPair = nil
            nextConsent = .distantFuture
            transactions.removeAll { $0.kind == .consent }
            setState(.failed)
            return
        }
        if state == .connected, now >= lastConsent + configuration.disconnectedTimeout { setState(.disconnected) }
        guard now >= nextConsent, let remote else { return }
        nextConsent = now + consentDelay()
        guard let check = ICECheckRequest.make(local: local, remote: remote, tieBreaker: tieBreaker,
                                               priority: checkPriority(for: pair.local),
                                               controlling: role == .controlling, useCandidate: false,
                                               transaction: .random()) else { return }
        transactions.removeAll { $0.kind == .consent }
        startTransaction(Transaction(id: check.transaction, kind: .consent, bytes: check.bytes, from: pair.local.base,
                                     to: pair.remote.address, attempts: 0, maxAttempts: 1,
                                     rto: configuration.consentInterval, nextSend: now,
                                     controlling: role == .controlling), now: now)
    }

    /// `consentInterval` × a factor in 0.8…1.2 (RFC 7675 §5.1 randomization), from an xorshift
    /// seeded by the tie-breaker.
    mutating func consentDelay() -> Duration {
        jitterState ^= jitterState << 13
        jitterState ^= jitterState >> 7
        jitterState ^= jitterState << 17
        let permille = 800 + Int(jitterState % 401)
        return configuration.consentInterval * permille / 1000
    }

    // MARK: failure

    /// Checking with pairs, all failed, nothing in flight or queued: failed (RFC 8445 §7.2.5.3.5).
    mutating func checkFailure() {
        guard state == .checking, selectedPair == nil, !pairs.isEmpty, triggered.isEmpty,
              pairs.allSatisfy({ $0.state == .failed }),
              !transactions.contains(where: { if case .check = $0.kind { true } else { false } }) else { return }
        setState(.failed)
    }

    // MARK: deadlines

    var nextDeadline: Instant {
        var deadline = Instant.distantFuture
        for transaction in transactions { deadline = min(deadline, transaction.nextSend) }
        let hasWork = !triggered.isEmpty || pairs.contains { $0.state == .waiting || $0.state == .frozen }
        if hasWork, remote != nil, transactions.count < max(1, configuration.maxTransactions) {
            deadline = min(deadline, lastPacedSend.map { $0 + configuration.pacingInterval } ?? .zero)
        }
        if role == .controlling, let firstValidAt, !pairs.contains(where: { $0.nominated }),
           !transactions.contains(where: { $0.kind == .check(useCandidate: true) }) {
            deadline = min(deadline, firstValidAt + configuration.nominationWait)
        }
        if selectedPair != nil, state == .connected || state == .disconnected {
            deadline = min(deadline, nextConsent)
            deadline = min(deadline, lastConsent + (state == .connected ? configuration.disconnectedTimeout
                                                                       : configuration.consentTimeout))
        }
        return deadline
    }
}
