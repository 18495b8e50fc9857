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

    // MARK: RTP

    /// Encrypts and authenticates an RTP packet in place; the tag is appended (RFC 3711 §3.1).
    public func protectRTP(_ packet: inout [UInt8]) throws(SRTPError) {
        if gcmSender != nil {
            let length = packet.count
            packet.append(contentsOf: repeatElement(0, count: SRTPLibrary.maxRTPTrailerLength))
            let protected = packet.withUnsafeMutableBytes { buffer in try? protectRTP(in: buffer, length: length) }
            packet.removeLast(packet.count - (protected ?? length))
            if protected == nil { throw SRTPError(status: SRTPError.badParameterStatus, operation: "protect RTP") }
            return
        }
        guard let outbound else { throw SRTPError(status: SRTPError.badParameterStatus, operation: "protect RTP") }
        try transform(&packet, tailroom: SRTPLibrary.maxRTPTrailerLength, operation: "protect RTP") {
            srtp_protect(outbound, $0, $1)
        }
    }

    /// Verifies and decrypts an SRTP packet in place; the tag is removed. Authentication and
    /// replay failures throw (the caller drops the packet) and are counted.
    public func unprotectRTP(_ packet: inout [UInt8]) throws(SRTPError) {
        if let gcmReceiver {
            try receive(&packet, operation: "unprotect RTP") { gcmReceiver.unprotect(in: $0, length: $1) }
            return
        }
        guard let inbound else { throw SRTPError(status: SRTPError.badParameterStatus, operation: "unprotect RTP") }
        try transform(&packet, tailroom: 0, operation: "unprotect RTP") { srtp_unprotect(inbound, $0, $1) }
    }

    /// Fast path for the forwarder: protects the first `length` bytes of a caller-owned buffer,
    /// which needs `length + SRTP_MAX_TRAILER_LEN` (144) bytes of capacity. Returns the protected length.
    public func protectRTP(in buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        guard length >= 0, let base = buffer.baseAddress,
              buffer.count - SRTPLibrary.maxRTPTrailerLength >= length,
              var cLength = Int32(exactly: length)
        else {
            counters.protectFailures += 1
            throw SRTPError(status: SRTPError.badParameterStatus, operation: "protect RTP")
        }
        if let gcmSender {
            guard let protected = gcmSender.seal(in: buffer, length: length) else {
                counters.protectFailures += 1
                throw SRTPError(status: SRTPError.badParameterStatus, operation: "protect RTP")
            }
            return protected
        }
        guard let outbound else {
            counters.protectFailures += 1
            throw SRTPError(status: SRTPError.badParameterStatus, operation: "protect RTP")
        }
        let status = Int32(srtp_protect(outbound, base, &cLength).rawValue)
        guard status == 0 else {
            counters.protectFailures += 1
            throw SRTPError(status: status, operation: "protect RTP")
        }
        return Int(cLength)
    }

    // MARK: RTCP

    /// Encrypts and authenticates an RTCP compound packet in place (RFC 3711 §3.4).
    public func protectRTCP(_ packet: inout [UInt8]) throws(SRTPError) {
        if let gcmSender {
            let length = packet.count
            packet.append(contentsOf: repeatElement(0, count: SRTPLibrary.maxRTCPTrailerLength))
            let protected = packet.withUnsafeMutableBytes { gcmSender.sealRTCP(in: $0, length: length) }
            packet.removeLast(packet.count - (protected ?? length))
            guard protected != nil else {
                counters.protectFailures += 1
                throw SRTPError(status: SRTPError.badParameterStatus, operation: "protect RTCP")
            }
            return
        }
        guard let outbound else { throw SRTPError(status: SRTPError.badParameterStatus, operation: "protect RTCP") }
        try transform(&packet, tailroom: SRTPLibrary.maxRTCPTrailerLength, operation: "protect RTCP") {
            srtp_protect_rtcp(outbound, $0, $1)
        }
    }

    /// Verifies and decrypts an SRTCP packet in place; index and tag are removed.
    public func unprotectRTCP(_ packet: inout [UInt8]) throws(SRTPError) {
        if let gcmReceiver {
            try receive(&packet, operation: "unprotect RTCP") { gcmReceiver.unprotectRTCP(in: $0, length: $1) }
            return
        }
        guard let inbound else { throw SRTPError(status: SRTPError.badParameterStatus, operation: "unprotect RTCP") }
        try transform(&packet, tailroom: 0, operation: "unprotect RTCP") {
            srtp_unprotect_rtcp(inbound, $0, $1)
        }
    }

    /// Runs an OpenSSL receive in place and cuts the array to the plain length; failures are
    /// counted and thrown with libsrtp's status codes (auth, replay, replay old, bad parameter).
    private func receive(_ packet: inout [UInt8], operation: String,
                         _ body: (UnsafeMutableRawBufferPointer, Int) -> Result<Int, SRTPGCMCipher.ReceiveFailure>) throws(SRTPError) {
        let length = packet.count
        let result = packet.withUnsafeMutableBytes { body($0, length) }
        switch result {
        case .success(let plainLength):
            packet.removeLast(length - plainLength)
        case .failure(let failure):
            let status: Int32 = switch failure {
            case .authentication: Int32(srtp_err_status_auth_fail.rawValue)
            case .replayed: Int32(srtp_err_status_replay_fail.rawValue)
            case .tooOld: Int32(srtp_err_status_replay_old.rawValue)
            case .malformed, .tooManyStreams: SRTPError.badParameterStatus
            }
            count(failure: status, isProtect: false)
            throw SRTPError(status: status, operation: operation)
        }
    }

    // MARK: Internals

    /// Runs one libsrtp in-place transform. `tailroom` zero bytes are appended first so libsrtp
    /// never writes past the array's storage, then the array is cut to the length libsrtp reports.
    private func transform(
        _ packet: inout [UInt8], tailroom: Int, operation: String,
        _ body: (UnsafeMutableRawPointer, UnsafeMutablePointer<Int32>) -> srtp_err_status_t
    ) throws(SRTPError) {
        let originalCount = packet.count
        guard originalCount > 0, var cLength = Int32(exactly: originalCount) else {
            count(failure: SRTPError.badParameterStatus, isProtect: tailroom > 0)
            throw SRTPError(status: SRTPError.badParameterStatus, operation: operation)
        }
        if tailroom > 0 { packet.append(contentsOf: repeatElement(0, count: tailroom)) }
        let status = packet.withUnsafeMutableBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress else { return SRTPError.badParameterStatus }
            return Int32(body(base, &cLength).rawValue)
        }
        guard status == 0, cLength >= 0, Int(cLength) <= packet.count else {
            packet.removeLast(packet.count - originalCount)
            count(failure: status, isProtect: tailroom > 0)
            throw SRTPError(status: status, operation: operation)
        }
        packet.removeLast(packet.count - Int(cLength))
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
