import COpenSSL
import CRTCShim
import RTCBase
import SRTP

/// A DTLS 1.2 endpoint (RFC 6347) that negotiates DTLS-SRTP keys (RFC 5764) and authenticates the
/// peer by certificate fingerprint (RFC 8842), on OpenSSL with a datagram BIO and no sockets.
///
/// Sans-IO: feed `handle(datagram:now:)`, `handleTimeout(now:)` and API calls, then drain
/// `poll()` until it returns `.timeout`. One exception to "time comes in": OpenSSL runs its DTLS
/// retransmission timer on its own clock; the session reads it (`DTLSv1_get_timeout`) after every
/// call and reports it as an `Instant` deadline, and `handleTimeout` lets OpenSSL retransmit if
/// its timer has expired. Not `Sendable`: use it on one event loop.
public final class DTLSSession {
    public let role: DTLSRole
    public let configuration: DTLSConfiguration
    /// Datagrams dropped without reaching OpenSSL: malformed record framing, or arriving
    /// before `start` (client) or after the session ended.
    public private(set) var droppedDatagrams = 0
    /// The exported SRTP keys, once connected.
    public internal(set) var keyingMaterial: SRTPKeyingMaterial?

    public var isConnected: Bool { state == .connected }

    enum State { case idle, handshaking, connected, failed, closed }
    var state: State

    let ssl: OpaquePointer
    let callbacks: DTLSCallbackContext
    private let context: OpaquePointer
    private let handshakeDeadline: Instant
    private var retransmitDeadline: Instant?
    private var outputs = OutputQueue<DTLSOutput>()
    /// True while OpenSSL holds no record buffers. They are given back once the handshake is done
    /// and after each later use (~33 KiB per session: OpenSSL 3.0's DTLS ignores
    /// SSL_MODE_RELEASE_BUFFERS), and taken again before OpenSSL may read or write a record.
    public private(set) var hasReleasedRecordBuffers = false
    /// Largest plaintext record (2^14) plus slack; `SSL_read` fills a temporary buffer this size.
    private static let readCapacity = 16_384 + 256

    /// - Parameters:
    ///   - certificate: this endpoint's certificate (its fingerprint goes in the local SDP).
    ///   - remoteFingerprint: the peer's `a=fingerprint`; the handshake fails unless the peer's
    ///     certificate matches it, in both roles, before any key is exported.
    ///   - now: starts the handshake timeout.
    public init(
        role: DTLSRole, certificate: DTLSCertificate, remoteFingerprint: DTLSFingerprint,
        configuration: DTLSConfiguration = .init(), now: Instant
    ) throws(DTLSError) {
        guard let pin = FingerprintPin(remoteFingerprint) else { throw .unsupportedFingerprint(remoteFingerprint) }
        guard !configuration.profiles.isEmpty else { throw .noProtectionProfiles }
        self.role = role
        self.configuration = configuration
        handshakeDeadline = now + configuration.handshakeTimeout
        callbacks = DTLSCallbackContext(
            pin: pin, initialRetransmitMicroseconds: Self.microseconds(configuration.initialRetransmitTimeout))
        context = try certificate.sharedContext(configuration: configuration)
        do {
            ssl = try Self.makeSSL(context: context, callbacks: callbacks, role: role, mtu: configuration.mtu)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        state = role == .server ? .handshaking : .idle
    }

    deinit {
        SSL_free(ssl)  // frees the BIO, which points at `callbacks` (still alive here)
        SSL_CTX_free(context)
    }

    /// RFC 7983 §7 demultiplexing: a first byte in 20...63 means DTLS.
    public static func isDTLS(firstByte: UInt8) -> Bool { (20...63).contains(firstByte) }

    /// Client: sends the ClientHello. Server: nothing to do (it waits for the ClientHello).
    public func start(now: Instant) {
        guard state == .idle else { return }
        state = .handshaking
        advance()
        refreshRetransmitDeadline(now: now)
    }

    /// Feeds one UDP datagram (one or more DTLS records).
    public func handle(datagram: [UInt8], now: Instant) {
        guard state == .handshaking || state == .connected else {
            droppedDatagrams += 1
            return
        }
        if failIfHandshakeExpired(now: now) { return }
        do {
            _ = try DTLSRecordScanner.validate(
                datagram, maxRecordSize: configuration.maxRecordSize,
                maxRecords: configuration.maxRecordsPerDatagram, minimumProtectedLength: minimumProtectedRecordLength)
        } catch {
            droppedDatagrams += 1
            return
        }
        guard takeRecordBuffers() else { return }
        datagram.withUnsafeBytes { bytes in
            callbacks.input = bytes
            advance()
            callbacks.input = nil
        }
        releaseRecordBuffers()
        refreshRetransmitDeadline(now: now)
    }

    /// The shortest record the negotiated AEAD cipher can produce: its 16-byte tag, plus the 8-byte
    /// explicit nonce for AES-GCM (RFC 5288 §3); 24 until a cipher is known (the only protected
    /// record of a handshake, Finished, is longer). OpenSSL takes a shorter record in the current
    /// epoch for a fatal error instead of a bad record to discard (RFC 6347 §4.1.2.7), so anyone
    /// who can forge the peer's address could end the session with one datagram; it never sees one.
    var minimumProtectedRecordLength: Int {
        guard let cipher = SSL_get_current_cipher(ssl) ?? SSL_get_pending_cipher(ssl) else { return 24 }
        return SSL_CIPHER_get_cipher_nid(cipher) == NID_chacha20_poly1305 ? 16 : 24
    }

    /// Call at the deadline from `poll()`: fails an overdue handshake, or lets OpenSSL retransmit.
    public func handleTimeout(now: Instant) {
        guard state == .handshaking || state == .connected else { return }
        if failIfHandshakeExpired(now: now) { return }
        guard let deadline = retransmitDeadline, now >= deadline, takeRecordBuffers() else { return }
        OpenSSLErrorQueue.clear()
        if rtc_dtls_handle_timeout(ssl) < 0 {
            fail(OpenSSLErrorQueue.drain("retransmission failed"))
            releaseRecordBuffers()
            return
        }
        queueWrittenDatagrams()
        releaseRecordBuffers()
        refreshRetransmitDeadline(now: now)
    }

    /// The next output; `.timeout` when nothing is queued (`.distantFuture` if no timer runs).
    public func poll() -> DTLSOutput {
        outputs.popFirst() ?? .timeout(nextDeadline)
    }

    /// Encrypts one application-data record (e.g. an SCTP packet) and queues it for transmission.
    public func send(applicationData: [UInt8]) throws(DTLSError) {
        guard state == .connected else { throw .notConnected }
        guard !applicationData.isEmpty, applicationData.count <= configuration.maxApplicationDataSize,
              let length = Int32(exactly: applicationData.count)
        else { throw .applicationDataSize(applicationData.count, limit: configuration.maxApplicationDataSize) }
        guard takeRecordBuffers() else { throw .writeFailed("no memory for record buffers") }
        defer { releaseRecordBuffers() }
        OpenSSLErrorQueue.clear()
        let written = applicationData.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, length) }
        guard written == length else {
            _ = SSL_get_error(ssl, written)
            throw .writeFailed(OpenSSLErrorQueue.drain("SSL_write"))
        }
        queueWrittenDatagrams()
    }

    /// Sends close_notify (RFC 5246 §7.2.1) and ends the session. No event is emitted for a
    /// local close; drain `poll()` for the alert datagram.
    public func close() {
        guard state == .handshaking || state == .connected else { return }
        if takeRecordBuffers() {
            OpenSSLErrorQueue.clear()
            _ = SSL_shutdown(ssl)
            OpenSSLErrorQueue.clear()
            queueWrittenDatagrams()
        }
        state = .closed
        retransmitDeadline = nil
        releaseRecordBuffers()
    }

    // MARK: Driving OpenSSL

    /// Runs the handshake and/or reads application data, after input or `start`.
    private func advance() {
        if state == .handshaking { continueHandshake() }
        if state == .connected { readApplicationData() }
        queueWrittenDatagrams()
    }

    private func continueHandshake() {
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            completeHandshake()
            return
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return
        default:
            fail(callbacks.fingerprintMismatch ? "fingerprint mismatch" : OpenSSLErrorQueue.drain("handshake failed"))
        }
    }

    /// Reads records until OpenSSL wants more input: application data becomes events; a peer's
    /// retransmitted final flight is answered and close_notify ends the session inside `SSL_read`.
    /// The read buffer lives only for this call (it is rarely needed once media flows).
    private func readApplicationData() {
        withUnsafeTemporaryAllocation(byteCount: Self.readCapacity, alignment: 16) { buffer in
            readApplicationData(into: buffer)
        }
    }

    private func readApplicationData(into buffer: UnsafeMutableRawBufferPointer) {
        while state == .connected {
            OpenSSLErrorQueue.clear()
            let count = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            if count > 0 {
                emit(.applicationData(Array(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(count)]))))
                continue
            }
            switch SSL_get_error(ssl, count) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return
            case SSL_ERROR_ZERO_RETURN:
                _ = SSL_shutdown(ssl)  // answer close_notify with our own
                OpenSSLErrorQueue.clear()
                state = .closed
                retransmitDeadline = nil
                emit(.closed)
            default:
                fail(OpenSSLErrorQueue.drain("read failed"))
            }
        }
    }

    // MARK: Record buffers

    /// Before OpenSSL may read or write a record after the handshake: takes the record buffers
    /// back. False (and the session failed) when they cannot be allocated.
    private func takeRecordBuffers() -> Bool {
        guard hasReleasedRecordBuffers else { return true }
        guard SSL_alloc_buffers(ssl) == 1 else {
            fail("no memory for record buffers")
            return false
        }
        hasReleasedRecordBuffers = false
        return true
    }

    /// Once the handshake is over, gives the record buffers back while the session is idle.
    /// OpenSSL keeps them when a record is still half read or written (then this is a no-op).
    /// Everything else a peer may still need is kept: the handshake message buffer and our
    /// last flight (a retransmitted final flight is answered), the record keys (close_notify,
    /// application data).
    private func releaseRecordBuffers() {
        guard state != .idle, state != .handshaking, !hasReleasedRecordBuffers else { return }
        hasReleasedRecordBuffers = SSL_free_buffers(ssl) == 1
    }

    // MARK: Outputs and timers

    /// Moves datagrams OpenSSL wrote into the output queue, keeping their order.
    func queueWrittenDatagrams() {
        guard !callbacks.written.isEmpty else { return }
        for datagram in callbacks.written { outputs.append(.transmit(datagram)) }
        callbacks.written.removeAll(keepingCapacity: true)
    }

    /// Queues an event after any datagram written before it.
    func emit(_ event: DTLSEvent) {
        queueWrittenDatagrams()
        outputs.append(.event(event))
    }

    func fail(_ reason: String) {
        guard state != .failed else { return }
        state = .failed
        retransmitDeadline = nil
        emit(.failed(reason))
    }

    private func failIfHandshakeExpired(now: Instant) -> Bool {
        guard state == .handshaking, now >= handshakeDeadline else { return false }
        fail("handshake timeout")
        return true
    }

    private func refreshRetransmitDeadline(now: Instant) {
        var remaining: Int64 = 0
        if state == .handshaking || state == .connected, rtc_dtls_get_timeout(ssl, &remaining) == 1 {
            retransmitDeadline = now + .microseconds(max(0, remaining))
        } else {
            retransmitDeadline = nil
        }
    }

    private var nextDeadline: Instant {
        switch state {
        case .handshaking: min(retransmitDeadline ?? .distantFuture, handshakeDeadline)
        case .connected: retransmitDeadline ?? .distantFuture
        case .idle, .failed, .closed: .distantFuture
        }
    }

    private static func microseconds(_ duration: Duration) -> UInt32 {
        let clamped = min(max(duration, DTLSConfiguration.minimumRetransmitTimeout), .seconds(60))
        return UInt32(clamping: clamped.nanosecondsClamped / 1_000)
    }
}
