import CSRTP

/// An SRTP/SRTCP session (RFC 3711; AEAD_AES_128_GCM per RFC 7714) backed by libsrtp2.
///
/// AEAD_AES_128_GCM runs on OpenSSL (`SRTPGCMCipher`, one per direction; inbound with a replay
/// window per SSRC). AES_CM_128_HMAC_SHA1_80 (or GCM when asked, for tests) runs on libsrtp:
/// outbound with the local key and salt (`ssrc_any_outbound`, `allow_repeat_tx` so NACK
/// retransmissions may resend a sequence number), inbound with the remote ones
/// (`ssrc_any_inbound`, replay window).
/// Not `Sendable`: create and use it on one event loop.
public final class SRTPSession {
    public let profile: SRTPProtectionProfile
    /// Why packets were rejected so far.
    public private(set) var counters = SRTPCounters()

    /// libsrtp's outbound context; nil when `gcmSender` does the outbound work.
    private let outbound: OpaquePointer?
    /// libsrtp's inbound context; nil when `gcmReceiver` does the inbound work.
    private let inbound: OpaquePointer?
    /// Outbound RTP and RTCP for AEAD_AES_128_GCM on OpenSSL (the hot path); nil for AES-CM.
    private let gcmSender: SRTPGCMCipher?
    /// Inbound SRTP and SRTCP for AEAD_AES_128_GCM on OpenSSL, with replay windows.
    private let gcmReceiver: SRTPGCMCipher?

    /// Creates both directions from DTLS-SRTP keying material.
    /// - Parameter replayWindowSize: inbound replay window in packets; libsrtp accepts 64...32767.
    /// - Parameter openSSLForGCM: run the GCM profile on OpenSSL (default); false keeps
    ///   everything in libsrtp (tests compare the two).
    public init(keying: SRTPKeyingMaterial, replayWindowSize: UInt = 1024, openSSLForGCM: Bool = true) throws(SRTPError) {
        let initStatus = SRTPLibrary.initializationStatus
        guard initStatus == 0 else { throw SRTPError(status: initStatus, operation: "init") }
        guard keying.hasValidLengths, let window = UInt32(exactly: replayWindowSize),
              (64..<0x8000).contains(window)
        else { throw SRTPError(status: SRTPError.badParameterStatus, operation: "create") }
        profile = keying.profile
        if openSSLForGCM, keying.profile == .aeadAES128GCM {
            guard let sender = SRTPGCMCipher(masterKey: keying.localMasterKey, masterSalt: keying.localMasterSalt),
                  let receiver = SRTPGCMCipher(masterKey: keying.remoteMasterKey, masterSalt: keying.remoteMasterSalt)
            else { throw SRTPError(status: SRTPError.badParameterStatus, operation: "create GCM contexts") }
            receiver.replayWindowSize = Int(window)
            gcmSender = sender
            gcmReceiver = receiver
            outbound = nil
            inbound = nil
            return
        }
        gcmSender = nil
        gcmReceiver = nil
        let outbound = try Self.makeContext(
            profile: keying.profile, key: keying.localMasterKey, salt: keying.localMasterSalt,
            direction: ssrc_any_outbound, windowSize: window, allowRepeatTransmit: true)
        self.outbound = outbound
        do {
            inbound = try Self.makeContext(
                profile: keying.profile, key: keying.remoteMasterKey, salt: keying.remoteMasterSalt,
                direction: ssrc_any_inbound, windowSize: window, allowRepeatTransmit: false)
        } catch {
            srtp_dealloc(outbound)
            throw error
        }
    }

    deinit {
        if let outbound { srtp_dealloc(outbound) }
        if let inbound { srtp_dealloc(inbound) }
    }

    /// Tailroom libsrtp may append when protecting RTP (`SRTP_MAX_TRAILER_LEN`): a buffer for
    /// `protectRTP(in:length:)` needs this many bytes beyond the plain packet.
    public static var maxRTPTrailerLength: Int { SRTPLibrary.maxRTPTrailerLength }

    // MARK: RTP and RTCP

    /// Encrypts and authenticates an RTP packet in place; the tag is appended (RFC 3711 §3.1).
    public func protectRTP(_ packet: inout [UInt8]) throws(SRTPError) {
        try run(&packet, tailroom: SRTPLibrary.maxRTPTrailerLength, isProtect: true, operation: "protect RTP", sealRTP)
    }

    /// Fast path for the forwarder: protects the first `length` bytes of a caller-owned buffer,
    /// which needs `length + SRTP_MAX_TRAILER_LEN` (144) bytes of capacity. Returns the protected length.
    public func protectRTP(in buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        let result: Result<Int, Status> = length > 0 && buffer.count - SRTPLibrary.maxRTPTrailerLength >= length
            ? sealRTP(buffer, length) : .failure(.badParameter)
        switch result {
        case .success(let protected): return protected
        case .failure(let status):
            counters.protectFailures += 1
            throw SRTPError(status: status.code, operation: "protect RTP")
        }
    }

    /// The forwarder's path without a payload copy: the RTP header (`headerLength` bytes) is in
    /// `buffer`, the payload still in `payload`. AES-GCM encrypts it straight into place behind the
    /// header; AES-CM (libsrtp, in place only) copies it there first. Same result, same rules as
    /// `protectRTP(in:length:)`.
    public func protectRTP(in buffer: UnsafeMutableRawBufferPointer, headerLength: Int,
                           payload: UnsafeRawBufferPointer) throws(SRTPError) -> Int {
        let length = headerLength + payload.count
        guard let gcmSender else {
            guard let base = buffer.baseAddress, buffer.count >= length else {
                counters.protectFailures += 1
                throw SRTPError(status: Status.badParameter.code, operation: "protect RTP")
            }
            if let source = payload.baseAddress { (base + headerLength).copyMemory(from: source, byteCount: payload.count) }
            return try protectRTP(in: buffer, length: length)
        }
        let sealed = buffer.count - SRTPLibrary.maxRTPTrailerLength >= length
            ? gcmSender.seal(in: buffer, headerLength: headerLength, payload: payload) : nil
        guard let sealed else {
            counters.protectFailures += 1
            throw SRTPError(status: Status.badParameter.code, operation: "protect RTP")
        }
        return sealed
    }

    /// Verifies and decrypts an SRTP packet in place; the tag is removed. Authentication and
    /// replay failures throw (the caller drops the packet) and are counted.
    public func unprotectRTP(_ packet: inout [UInt8]) throws(SRTPError) {
        try run(&packet, tailroom: 0, isProtect: false, operation: "unprotect RTP", openRTP)
    }

    /// Encrypts and authenticates an RTCP compound packet in place (RFC 3711 §3.4).
    public func protectRTCP(_ packet: inout [UInt8]) throws(SRTPError) {
        try run(&packet, tailroom: SRTPLibrary.maxRTCPTrailerLength, isProtect: true, operation: "protect RTCP", sealRTCP)
    }

    /// Verifies and decrypts an SRTCP packet in place; index and tag are removed.
    public func unprotectRTCP(_ packet: inout [UInt8]) throws(SRTPError) {
        try run(&packet, tailroom: 0, isProtect: false, operation: "unprotect RTCP", openRTCP)
    }

    // MARK: Internals

    /// The four transforms, each in place on the first `length` bytes of a buffer with enough
    /// tailroom: the new length, or a libsrtp status. GCM runs on OpenSSL, AES-CM on libsrtp.
    private func sealRTP(_ buffer: UnsafeMutableRawBufferPointer, _ length: Int) -> Result<Int, Status> {
        if let gcmSender { return Self.result(gcmSender.seal(in: buffer, length: length)) }
        return Self.libsrtp(outbound, buffer, length) { srtp_protect($0, $1, $2) }
    }

    private func sealRTCP(_ buffer: UnsafeMutableRawBufferPointer, _ length: Int) -> Result<Int, Status> {
        if let gcmSender { return Self.result(gcmSender.sealRTCP(in: buffer, length: length)) }
        return Self.libsrtp(outbound, buffer, length) { srtp_protect_rtcp($0, $1, $2) }
    }

    private func openRTP(_ buffer: UnsafeMutableRawBufferPointer, _ length: Int) -> Result<Int, Status> {
        if let gcmReceiver { return gcmReceiver.unprotect(in: buffer, length: length).mapError(Self.status) }
        return Self.libsrtp(inbound, buffer, length) { srtp_unprotect($0, $1, $2) }
    }

    private func openRTCP(_ buffer: UnsafeMutableRawBufferPointer, _ length: Int) -> Result<Int, Status> {
        if let gcmReceiver { return gcmReceiver.unprotectRTCP(in: buffer, length: length).mapError(Self.status) }
        return Self.libsrtp(inbound, buffer, length) { srtp_unprotect_rtcp($0, $1, $2) }
    }

    private static func result(_ length: Int?) -> Result<Int, Status> {
        length.map { .success($0) } ?? .failure(.badParameter)
    }

    /// An OpenSSL receive failure as libsrtp's status (auth, replay, replay old, bad parameter).
    private static func status(_ failure: SRTPGCMCipher.ReceiveFailure) -> Status {
        switch failure {
        case .authentication: Status(code: Int32(srtp_err_status_auth_fail.rawValue))
        case .replayed: Status(code: Int32(srtp_err_status_replay_fail.rawValue))
        case .tooOld: Status(code: Int32(srtp_err_status_replay_old.rawValue))
        case .malformed, .tooManyStreams: .badParameter
        }
    }

    /// A libsrtp status code as an error value (`Result` needs one).
    private struct Status: Error {
        var code: Int32
        static let badParameter = Status(code: SRTPError.badParameterStatus)
    }

    /// One libsrtp call in place; the length it reports, or its status.
    private static func libsrtp(_ context: OpaquePointer?, _ buffer: UnsafeMutableRawBufferPointer, _ length: Int,
                                _ call: (OpaquePointer, UnsafeMutableRawPointer, UnsafeMutablePointer<Int32>) -> srtp_err_status_t)
        -> Result<Int, Status> {
        guard let context, let base = buffer.baseAddress, var cLength = Int32(exactly: length) else {
            return .failure(.badParameter)
        }
        let status = Int32(call(context, base, &cLength).rawValue)
        guard status == 0, cLength >= 0, Int(cLength) <= buffer.count else {
            return .failure(status == 0 ? .badParameter : Status(code: status))
        }
        return .success(Int(cLength))
    }

    /// Runs a transform on an array: `tailroom` zero bytes are appended first so nothing writes
    /// past the array's storage, then the array is cut to the new length (or back to its own on
    /// failure, which is counted and thrown).
    private func run(_ packet: inout [UInt8], tailroom: Int, isProtect: Bool, operation: String,
                     _ transform: (UnsafeMutableRawBufferPointer, Int) -> Result<Int, Status>) throws(SRTPError) {
        let length = packet.count
        if tailroom > 0 { packet.append(contentsOf: repeatElement(0, count: tailroom)) }
        let result = length > 0 ? packet.withUnsafeMutableBytes { transform($0, length) } : .failure(.badParameter)
        switch result {
        case .success(let newLength):
            packet.removeLast(packet.count - newLength)
        case .failure(let status):
            packet.removeLast(packet.count - length)
            count(failure: status.code, isProtect: isProtect)
            throw SRTPError(status: status.code, operation: operation)
        }
    }

    private func count(failure status: Int32, isProtect: Bool) {
        let error = SRTPError(status: status, operation: "")
        if isProtect {
            counters.protectFailures += 1
        } else if error.isAuthenticationFailure {
            counters.authenticationFailures += 1
        } else if error.isReplay {
            counters.replayFailures += 1
        } else {
            counters.otherUnprotectFailures += 1
        }
    }

    private static func makeContext(
        profile: SRTPProtectionProfile, key: [UInt8], salt: [UInt8],
        direction: srtp_ssrc_type_t, windowSize: UInt32, allowRepeatTransmit: Bool
    ) throws(SRTPError) -> OpaquePointer {
        var policy = srtp_policy_t()
        let srtpProfile = srtp_profile_t(rawValue: numericCast(profile.rawValue))
        var status = Int32(srtp_crypto_policy_set_from_profile_for_rtp(&policy.rtp, srtpProfile).rawValue)
        guard status == 0 else { throw SRTPError(status: status, operation: "set RTP policy") }
        status = Int32(srtp_crypto_policy_set_from_profile_for_rtcp(&policy.rtcp, srtpProfile).rawValue)
        guard status == 0 else { throw SRTPError(status: status, operation: "set RTCP policy") }
        policy.ssrc.type = direction
        policy.window_size = UInt(windowSize)
        policy.allow_repeat_tx = allowRepeatTransmit ? 1 : 0
        // libsrtp reads the master key immediately followed by the master salt, and copies it.
        var keyAndSalt = key + salt
        var context: OpaquePointer?
        status = keyAndSalt.withUnsafeMutableBufferPointer { buffer -> Int32 in
            policy.key = buffer.baseAddress
            return Int32(srtp_create(&context, &policy).rawValue)
        }
        for index in keyAndSalt.indices { keyAndSalt[index] = 0 }
        guard status == 0, let context else { throw SRTPError(status: status, operation: "create") }
        return context
    }
}
