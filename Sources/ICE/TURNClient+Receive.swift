import RTCBase
import STUN

extension TURNClient {
    /// Feed a datagram from the TURN server (anything from another source is dropped): a
    /// response, a Data indication or ChannelData. False when dropped (counted).
    @discardableResult
    public mutating func handleDatagram(_ datagram: ArraySlice<UInt8>, from source: TransportAddress,
                                        now: Instant) -> Bool {
        guard source == server else { return drop() }
        defer { handleTimeout(now: now) }
        if TURNChannelData.isChannelData(datagram) {
            guard let message = TURNChannelData(parsing: datagram, maxDataLength: configuration.maxChannelDataLength),
                  let peer = channels.first(where: { $0.value.number == message.channel && $0.value.confirmed })?.key
            else { return drop() }
            emit(.event(.data(Array(message.data), from: peer)))
            return true
        }
        guard let message = try? STUNMessage(parsing: datagram, limits: configuration.stunLimits) else { return drop() }
        switch message.type.messageClass {
        case .indication:
            guard message.type.method == .data, let peer = message.xorPeerAddress, let data = message.data,
                  permissions[Self.ipKey(peer)] != nil else { return drop() }
            emit(.event(.data(data, from: peer)))
            return true
        case .successResponse, .errorResponse:
            guard let transaction = transactions[message.transactionID] else { return drop() }
            // An answer carrying MESSAGE-INTEGRITY must verify with our key (RFC 8489 §9.2.5).
            if message.messageIntegrity != nil, let key,
               !STUNMessage.verifyMessageIntegrity(datagram, key: key, limits: configuration.stunLimits) {
                return drop()
            }
            transactions[message.transactionID] = nil
            if message.type.messageClass == .errorResponse {
                handleError(message, transaction, now: now)
            } else {
                handleSuccess(message, transaction, now: now)
            }
            return true
        case .request:
            return drop()
        }
    }

    mutating func handleError(_ message: STUNMessage, _ transaction: Transaction, now: Instant) {
        let code = message.errorCode?.code ?? 0
        if code == 401 || code == 438 {
            // A 401 to a request that carried credentials means they are wrong, unless the server
            // changed realm or nonce (RFC 8489 §9.2.5); a 438 always brings a fresh nonce.
            let challengeChanged = message.nonce != nonce || message.realm.map { $0 != realm } ?? false
            if code == 401, transaction.authenticated, !challengeChanged {
                fail(transaction, .unauthorized)
                return
            }
            guard transaction.authRetries < max(1, configuration.maxAuthRetries), let newNonce = message.nonce,
                  let newRealm = message.realm ?? realm else {
                fail(transaction, .tooManyChallenges)
                return
            }
            nonce = newNonce
            if newRealm != realm || key == nil {
                realm = newRealm
                key = credentials.key(realm: newRealm)
            }
            guard let retry = makeTransaction(kind: transaction.kind, message: transaction.message,
                                              authRetries: transaction.authRetries + 1, now: now) else { return }
            transactions[retry.message.transactionID] = retry
            return
        }
        // RFC 8656 §7.3: a 437 to our deallocation means it is already gone.
        if code == 437, case .refresh(lifetime: 0) = transaction.kind {
            finishDeallocation()
            return
        }
        fail(transaction, message.errorCode.map { TURNError.server($0) } ?? .malformedResponse)
    }

    mutating func handleSuccess(_ message: STUNMessage, _ transaction: Transaction, now: Instant) {
        switch transaction.kind {
        case .allocate:
            guard let relayed = message.xorRelayedAddress else {
                fail(transaction, .malformedResponse)
                return
            }
            let lifetime = Duration.seconds(Int64(message.lifetime ?? lifetimeSeconds))
            state = .allocated
            relayedAddress = relayed
            mappedAddress = message.xorMappedAddress
            allocatedAt = now
            scheduleRefresh(lifetime: lifetime, now: now)
            emit(.event(.allocated(relayed: relayed, mapped: message.xorMappedAddress, lifetime: lifetime)))
        case .refresh(let requested):
            if requested == 0 {
                finishDeallocation()
                return
            }
            let lifetime = Duration.seconds(Int64(message.lifetime ?? requested))
            scheduleRefresh(lifetime: lifetime, now: now)
            emit(.event(.refreshed(lifetime: lifetime)))
        case .createPermission(let ip):
            guard let wasConfirmed = permissions[ip]?.confirmed else { return }
            permissions[ip] = Permission(confirmed: true, refreshAt: now + configuration.permissionRefreshInterval)
            if !wasConfirmed { emit(.event(.permissionCreated(peer: ip))) }
        case .channelBind(let peer, let number):
            guard let wasConfirmed = channels[peer]?.confirmed else { return }
            channels[peer] = Channel(number: number, confirmed: true, refreshAt: now + configuration.channelRefreshInterval)
            // A channel binding installs or refreshes the permission too (RFC 8656 §11.2).
            let ip = Self.ipKey(peer)
            if permissions[ip] != nil || permissions.count < max(1, configuration.maxPermissions) {
                permissions[ip] = Permission(confirmed: true, refreshAt: now + configuration.permissionRefreshInterval)
            }
            if !wasConfirmed { emit(.event(.channelBound(peer: peer, channel: number))) }
        }
    }

    /// Refresh `refreshMargin` before expiry, or at half the lifetime when that is shorter.
    mutating func scheduleRefresh(lifetime: Duration, now: Instant) {
        let margin = min(configuration.refreshMargin, lifetime / 2)
        refreshAt = now + lifetime - margin
    }

    mutating func fail(_ transaction: Transaction, _ error: TURNError) {
        switch transaction.kind {
        case .allocate, .refresh:
            if case .refresh(lifetime: 0) = transaction.kind {
                finishDeallocation()
                return
            }
            state = .failed
            refreshAt = .distantFuture
            transactions.removeAll()
            permissions.removeAll()
            channels.removeAll()
            emit(.event(.failed(error)))
        case .createPermission(let ip):
            if permissions[ip]?.confirmed == false { permissions[ip] = nil }
            emit(.event(.requestFailed(method: .createPermission, error)))
        case .channelBind(let peer, _):
            if channels[peer]?.confirmed == false { channels[peer] = nil }
            emit(.event(.requestFailed(method: .channelBind, error)))
        }
    }

    mutating func finishDeallocation() {
        state = .closed
        refreshAt = .distantFuture
        relayedAddress = nil
        transactions.removeAll()
        permissions.removeAll()
        channels.removeAll()
        emit(.event(.deallocated))
    }

    // MARK: timers

    /// Retransmissions and refreshes due at `now`.
    public mutating func handleTimeout(now: Instant) {
        for id in transactions.keys.sorted(by: { $0.description < $1.description }) {
            guard var transaction = transactions[id], transaction.nextSend <= now else { continue }
            guard transaction.attempts < max(1, configuration.maxAttempts) else {
                transactions[id] = nil
                fail(transaction, .timeout)
                continue
            }
            emit(.transmit(transaction.bytes, to: server))
            requestsSent += 1
            transaction.attempts += 1
            transaction.nextSend = now + transaction.rto
            transaction.rto = min(transaction.rto * 2, configuration.maxRTO)
            transactions[id] = transaction
        }
        guard state == .allocated else { return }
        if now >= refreshAt { refresh(now: now) }
        for (ip, permission) in permissions where permission.confirmed && now >= permission.refreshAt {
            permissions[ip]?.refreshAt = .distantFuture
            request(.createPermission(peer: ip), attributes: [.xorPeerAddress(ip)], now: now)
        }
        for (peer, channel) in channels where channel.confirmed && now >= channel.refreshAt {
            channels[peer]?.refreshAt = .distantFuture
            request(.channelBind(peer: peer, channel: channel.number),
                    attributes: [.channelNumber(channel.number), .xorPeerAddress(peer)], now: now)
        }
    }

    var nextDeadline: Instant {
        var deadline = refreshAt
        for transaction in transactions.values { deadline = min(deadline, transaction.nextSend) }
        for permission in permissions.values { deadline = min(deadline, permission.refreshAt) }
        for channel in channels.values { deadline = min(deadline, channel.refreshAt) }
        return deadline
    }
}
