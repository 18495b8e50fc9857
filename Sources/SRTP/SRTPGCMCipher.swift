import COpenSSL

/// SRTP for AEAD_AES_128_GCM (RFC 7714) on OpenSSL's EVP, which uses the CPU's AES and carry-less
/// multiply instructions. Debian's libsrtp2 does GCM through NSS at several times the cost, and
/// outbound RTP is the forwarding hot path (one protect per viewer-packet), so `SRTPSession`
/// seals outbound RTP with this type; libsrtp still does SRTCP, inbound (with its replay window)
/// and the AES-CM profile. The output is byte-identical to libsrtp's (tested against it).
/// `open` authenticates and decrypts without a replay window: for receivers that keep their own
/// (the load generator), never for the gateway's inbound media.
///
/// - Session keys: the AES-CM key derivation of RFC 3711 §4.3.1 (RFC 7714 §11), with the 96-bit
///   master salt zero-padded to the 112 bits the derivation takes.
/// - Per packet: IV = (0x0000 ‖ SSRC ‖ ROC ‖ SEQ) XOR session salt (RFC 7714 §8.1); the RTP
///   header (with CSRCs and extension) is the associated data; the 16-byte tag follows the
///   ciphertext (§7).
/// - ROC: each SSRC's highest sequence number sent and its rollover counter, estimated for each
///   packet the way RFC 3711 §3.3.1 does, so retransmissions of older packets get their own ROC.
/// Not `Sendable`: one event loop.
public final class SRTPGCMCipher {
    public static let tagLength = 16
    /// One AES-GCM context for both SRTP and SRTCP (~1.1 KiB each in OpenSSL 3.0): it holds the
    /// SRTP key and is re-keyed only when an SRTCP packet comes between SRTP packets (a few times
    /// per second at most, costing a key schedule), then back.
    private let context: OpaquePointer
    private var isKeyedForRTCP = false
    /// The SRTP session key, then the SRTCP one (labels 0x00 and 0x03).
    private let keys: [UInt8]
    private var salt = [UInt8](repeating: 0, count: 12)
    /// SRTCP: its own salt (label 0x05) and the last index sent.
    private var rtcpSalt = [UInt8](repeating: 0, count: 12)
    private var rtcpIndex: UInt32 = 0
    private var streams: [(ssrc: UInt32, highest: UInt16, rolloverCounter: UInt32)] = []
    /// Most SSRCs tracked (a WebRTC session sends a handful); the oldest is forgotten past this.
    public static let maxStreams = 64

    /// Session keys for one direction from its master key (16 bytes) and salt (12 bytes).
    public init?(masterKey: [UInt8], masterSalt: [UInt8]) {
        guard masterKey.count == 16, masterSalt.count == 12,
              let key = Self.derive(label: 0x00, count: 16, masterKey: masterKey, masterSalt: masterSalt),
              let sessionSalt = Self.derive(label: 0x02, count: 12, masterKey: masterKey, masterSalt: masterSalt),
              let rtcpKey = Self.derive(label: 0x03, count: 16, masterKey: masterKey, masterSalt: masterSalt),
              let rtcpSessionSalt = Self.derive(label: 0x05, count: 12, masterKey: masterKey, masterSalt: masterSalt),
              let context = EVP_CIPHER_CTX_new()
        else { return nil }
        self.context = context
        keys = key + rtcpKey
        salt = sessionSalt
        rtcpSalt = rtcpSessionSalt
        let status = key.withUnsafeBufferPointer { EVP_EncryptInit_ex(context, EVP_aes_128_gcm(), nil, $0.baseAddress, nil) }
        guard status == 1 else {
            EVP_CIPHER_CTX_free(context)
            return nil
        }
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// Keys `context` for SRTCP (`rtcp`) or SRTP if it holds the other key; false on a cipher error.
    private func selectKey(rtcp: Bool) -> Bool {
        guard isKeyedForRTCP != rtcp else { return true }
        let offset = rtcp ? 16 : 0
        let status = keys.withUnsafeBufferPointer { keys in
            EVP_CipherInit_ex(context, nil, nil, keys.baseAddress.map { $0 + offset }, nil, -1)   // -1: keep the direction
        }
        guard status == 1 else { return false }
        isKeyedForRTCP = rtcp
        return true
    }

    /// Most SRTCP packets one key may protect (the index is 31 bits, RFC 3711 §3.4).
    static let maxRTCPIndex: UInt32 = 0x7FFF_FFFF

    /// Protects an RTCP compound packet (first `length` bytes of `buffer`) in place (RFC 7714 §9):
    /// the first 8 bytes stay clear and, with the E flag and index, form the associated data; the
    /// rest is encrypted; then come the tag and E‖index. Needs 20 bytes of tailroom. Returns the
    /// protected length, or nil.
    public func sealRTCP(in buffer: UnsafeMutableRawBufferPointer, length: Int) -> Int? {
        guard let base = buffer.baseAddress, length >= 8, buffer.count - Self.tagLength - 4 >= length,
              rtcpIndex < Self.maxRTCPIndex, selectKey(rtcp: true)
        else { return nil }
        rtcpIndex += 1
        let trailer = (UInt32(0x8000_0000) | rtcpIndex).bigEndian   // E = 1: encrypted
        var iv = rtcpInitializationVector(ssrc: buffer.loadUnaligned(fromByteOffset: 4, as: UInt32.self), index: rtcpIndex)
        var aadTrailer = trailer
        var written: Int32 = 0
        let header = base.assumingMemoryBound(to: UInt8.self)
        let body = header + 8
        let ok = withUnsafeBytes(of: &iv) { ivBytes -> Bool in
            withUnsafeBytes(of: &aadTrailer) { trailerBytes -> Bool in
                EVP_EncryptInit_ex(context, nil, nil, nil, ivBytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) == 1
                    && EVP_EncryptUpdate(context, nil, &written, header, 8) == 1
                    && EVP_EncryptUpdate(context, nil, &written, trailerBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), 4) == 1
                    && EVP_EncryptUpdate(context, body, &written, body, Int32(length - 8)) == 1
                    && EVP_EncryptFinal_ex(context, body + Int(written), &written) == 1
                    && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagLength), header + length) == 1
            }
        }
        guard ok else { return nil }
        buffer.storeBytes(of: trailer, toByteOffset: length + Self.tagLength, as: UInt32.self)
        return length + Self.tagLength + 4
    }

    /// Protects the RTP packet in the first `length` bytes of `buffer` in place and appends the tag.
    /// Returns the protected length, or nil (malformed header, no room for the tag, cipher error).
    public func seal(in buffer: UnsafeMutableRawBufferPointer, length: Int) -> Int? {
        guard let base = buffer.baseAddress, length >= 12,
              let headerLength = Self.headerLength(buffer, length: length) else { return nil }
        return seal(in: buffer, headerLength: headerLength,
                    payload: UnsafeRawBufferPointer(start: base + headerLength, count: length - headerLength))
    }

    /// Protects an RTP packet whose header (`headerLength` bytes, CSRCs and extension included) is
    /// in `buffer` and whose payload is read from `payload`: the ciphertext is written right after
    /// the header in the same pass, then the tag. `payload` may be the bytes after the header
    /// (in place) or any other memory. Returns the protected length, or nil.
    public func seal(in buffer: UnsafeMutableRawBufferPointer, headerLength: Int, payload source: UnsafeRawBufferPointer) -> Int? {
        let length = headerLength + source.count
        guard let base = buffer.baseAddress, length >= 12, buffer.count - Self.tagLength >= length,
              Self.headerLength(buffer, length: length) == headerLength, selectKey(rtcp: false)
        else { return nil }
        var iv = initializationVector(buffer)
        var written: Int32 = 0
        let header = base.assumingMemoryBound(to: UInt8.self)
        let payload = header + headerLength
        let input = source.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(payload)
        let ok = withUnsafeBytes(of: &iv) { ivBytes -> Bool in
            guard EVP_EncryptInit_ex(context, nil, nil, nil, ivBytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) == 1,
                  EVP_EncryptUpdate(context, nil, &written, header, Int32(headerLength)) == 1,
                  EVP_EncryptUpdate(context, payload, &written, input, Int32(source.count)) == 1,
                  EVP_EncryptFinal_ex(context, payload + Int(written), &written) == 1,
                  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagLength), header + length) == 1
            else { return false }
            return true
        }
        return ok ? length + Self.tagLength : nil
    }

    /// Authenticates and decrypts the SRTP packet in the first `length` bytes of `buffer` in place.
    /// Returns the plain length, or nil when the tag does not verify (or the header is malformed).
    /// No replay check: the caller keeps its own window.
    public func open(in buffer: UnsafeMutableRawBufferPointer, length: Int) -> Int? {
        guard let base = buffer.baseAddress, length >= 12 + Self.tagLength,
              let headerLength = Self.headerLength(buffer, length: length - Self.tagLength)
        else { return nil }
        let iv = initializationVector(buffer)
        return decrypt(base, headerLength: headerLength, length: length, iv: iv) ? length - Self.tagLength : nil
    }

    /// Verifies and decrypts an SRTP packet (`length` bytes at `base`: header, ciphertext, tag) in
    /// place; false when the tag does not verify.
    private func decrypt(_ base: UnsafeMutableRawPointer, headerLength: Int, length: Int, iv: (UInt64, UInt32)) -> Bool {
        guard selectKey(rtcp: false) else { return false }
        var iv = iv
        let payloadLength = length - Self.tagLength - headerLength
        var written: Int32 = 0
        let header = base.assumingMemoryBound(to: UInt8.self)
        let payload = header + headerLength
        return withUnsafeBytes(of: &iv) { ivBytes -> Bool in
            EVP_DecryptInit_ex(context, nil, nil, nil, ivBytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) == 1
                && EVP_DecryptUpdate(context, nil, &written, header, Int32(headerLength)) == 1
                && EVP_DecryptUpdate(context, payload, &written, payload, Int32(payloadLength)) == 1
                && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagLength), payload + payloadLength) == 1
                && EVP_DecryptFinal_ex(context, payload + Int(written), &written) == 1
        }
    }

    /// IV = 00 00 | SSRC | ROC | SEQ, XOR the session salt (RFC 7714 §8.1), tracking the sender's ROC.
    private func initializationVector(_ buffer: UnsafeMutableRawBufferPointer) -> (UInt64, UInt32) {
        let sequenceNumber = UInt16(buffer[2]) << 8 | UInt16(buffer[3])
        let ssrc = buffer.loadUnaligned(fromByteOffset: 8, as: UInt32.self)   // network order, as it goes in the IV
        return initializationVector(ssrc: ssrc, rolloverCounter: rollover(ssrc: ssrc, sequenceNumber: sequenceNumber),
                                    sequenceNumber: sequenceNumber, salt: salt)
    }

    /// The SRTP IV of RFC 7714 §8.1; `ssrc` in network byte order, `rolloverCounter` the sender's
    /// or the receiver's estimate.
    private func initializationVector(ssrc: UInt32, rolloverCounter: UInt32, sequenceNumber: UInt16,
                                      salt: [UInt8]) -> (UInt64, UInt32) {
        var iv: (UInt64, UInt32) = (0, 0)
        withUnsafeMutableBytes(of: &iv) { ivBytes in
            ivBytes.storeBytes(of: ssrc, toByteOffset: 2, as: UInt32.self)
            ivBytes.storeBytes(of: rolloverCounter.bigEndian, toByteOffset: 6, as: UInt32.self)
            ivBytes.storeBytes(of: sequenceNumber.bigEndian, toByteOffset: 10, as: UInt16.self)
            for i in 0..<12 { ivBytes[i] ^= salt[i] }
        }
        return iv
    }

    /// SRTCP IV = 00 00 | SSRC | 00 00 | 0 | index (31 bits), XOR the SRTCP salt (RFC 7714 §9.1);
    /// `ssrc` in network byte order.
    private func rtcpInitializationVector(ssrc: UInt32, index: UInt32) -> (UInt64, UInt32) {
        var iv: (UInt64, UInt32) = (0, 0)
        withUnsafeMutableBytes(of: &iv) { ivBytes in
            ivBytes.storeBytes(of: ssrc, toByteOffset: 2, as: UInt32.self)
            ivBytes.storeBytes(of: index.bigEndian, toByteOffset: 8, as: UInt32.self)
            for i in 0..<12 { ivBytes[i] ^= rtcpSalt[i] }
        }
        return iv
    }

    // MARK: Receiving, with replay protection

    /// Why `unprotect`/`unprotectRTCP` refused a packet.
    enum ReceiveFailure: Error, Equatable { case malformed, authentication, replayed, tooOld, tooManyStreams }

    /// Replay windows per SSRC (RTP and SRTCP), created on the first authenticated packet, at
    /// most `maxStreams` of each: a packet from one SSRC more is refused (never evicted, so an
    /// old window cannot be reopened for replays).
    private var rtpWindows: [(ssrc: UInt32, window: SRTPReplayWindow)] = []
    private var rtcpWindows: [(ssrc: UInt32, window: SRTPReplayWindow)] = []
    /// Packets per replay window (RFC 3711 §3.3.2); set by the receiving session.
    var replayWindowSize = 1024

    /// The index of `ssrc`'s window, made on first sight; nil past `maxStreams`.
    private static func slot(for ssrc: UInt32, in windows: inout [(ssrc: UInt32, window: SRTPReplayWindow)],
                             windowSize: Int) -> Int? {
        if let found = windows.firstIndex(where: { $0.ssrc == ssrc }) { return found }
        guard windows.count < maxStreams else { return nil }
        windows.append((ssrc, SRTPReplayWindow(size: windowSize)))
        return windows.count - 1
    }

    /// Authenticates and decrypts an SRTP packet in place (RFC 7714 §8) after the replay check;
    /// the window moves only when the tag verified. Returns the plain length.
    func unprotect(in buffer: UnsafeMutableRawBufferPointer, length: Int) -> Result<Int, ReceiveFailure> {
        guard let base = buffer.baseAddress, length >= 12 + Self.tagLength, buffer.count >= length,
              let headerLength = Self.headerLength(buffer, length: length - Self.tagLength)
        else { return .failure(.malformed) }
        let sequenceNumber = UInt16(buffer[2]) << 8 | UInt16(buffer[3])
        let ssrc = buffer.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        guard let slot = Self.slot(for: ssrc, in: &rtpWindows, windowSize: replayWindowSize) else {
            return .failure(.tooManyStreams)
        }
        let window = rtpWindows[slot].window
        // RFC 3711 §3.3.1: the index closest to the highest one authenticated so far.
        let index: Int64
        if window.isEmpty {
            index = Int64(sequenceNumber)
        } else {
            index = window.highest + Int64(Int16(bitPattern: sequenceNumber &- UInt16(truncatingIfNeeded: window.highest)))
        }
        guard index >= 0 else { return .failure(.tooOld) }
        switch window.check(index) {
        case .replayed: return .failure(.replayed)
        case .tooOld: return .failure(.tooOld)
        case .fresh: break
        }
        let iv = initializationVector(ssrc: ssrc, rolloverCounter: UInt32(truncatingIfNeeded: index >> 16),
                                      sequenceNumber: sequenceNumber, salt: salt)
        guard decrypt(base, headerLength: headerLength, length: length, iv: iv) else { return .failure(.authentication) }
        rtpWindows[slot].window.commit(index)
        return .success(length - Self.tagLength)
    }

    /// Authenticates and decrypts an SRTCP packet in place (RFC 7714 §9: header ‖ ciphertext ‖ tag
    /// ‖ E‖index) after the replay check on its index. Returns the plain compound's length.
    func unprotectRTCP(in buffer: UnsafeMutableRawBufferPointer, length: Int) -> Result<Int, ReceiveFailure> {
        guard let base = buffer.baseAddress, length >= 8 + Self.tagLength + 4, buffer.count >= length
        else { return .failure(.malformed) }
        let trailer = UInt32(bigEndian: buffer.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self))
        guard trailer & 0x8000_0000 != 0 else { return .failure(.malformed) }   // E = 0: not encrypted; we never send that
        let rtcpIndex = trailer & Self.maxRTCPIndex
        let ssrc = buffer.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        guard let slot = Self.slot(for: ssrc, in: &rtcpWindows, windowSize: replayWindowSize) else {
            return .failure(.tooManyStreams)
        }
        switch rtcpWindows[slot].window.check(Int64(rtcpIndex)) {
        case .replayed: return .failure(.replayed)
        case .tooOld: return .failure(.tooOld)
        case .fresh: break
        }
        guard selectKey(rtcp: true) else { return .failure(.authentication) }
        var iv = rtcpInitializationVector(ssrc: ssrc, index: rtcpIndex)
        var aadTrailer = trailer.bigEndian
        var written: Int32 = 0
        let header = base.assumingMemoryBound(to: UInt8.self)
        let body = header + 8
        let bodyLength = length - 8 - Self.tagLength - 4
        let ok = withUnsafeBytes(of: &iv) { ivBytes -> Bool in
            withUnsafeBytes(of: &aadTrailer) { trailerBytes -> Bool in
                EVP_DecryptInit_ex(context, nil, nil, nil, ivBytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) == 1
                    && EVP_DecryptUpdate(context, nil, &written, header, 8) == 1
                    && EVP_DecryptUpdate(context, nil, &written, trailerBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), 4) == 1
                    && EVP_DecryptUpdate(context, body, &written, body, Int32(bodyLength)) == 1
                    && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagLength), body + bodyLength) == 1
                    && EVP_DecryptFinal_ex(context, body + Int(written), &written) == 1
            }
        }
        guard ok else { return .failure(.authentication) }
        rtcpWindows[slot].window.commit(Int64(rtcpIndex))
        return .success(8 + bodyLength)
    }

    /// The ROC for this packet; advances the SSRC's state when the packet is the newest.
    private func rollover(ssrc: UInt32, sequenceNumber: UInt16) -> UInt32 {
        guard let index = streams.firstIndex(where: { $0.ssrc == ssrc }) else {
            if streams.count >= Self.maxStreams { streams.removeFirst() }
            streams.append((ssrc, sequenceNumber, 0))
            return 0
        }
        let (_, highest, rolloverCounter) = streams[index]
        let delta = Int(Int16(bitPattern: sequenceNumber &- highest))
        let packetIndex = Int64(rolloverCounter) << 16 + Int64(highest) + Int64(delta)
        guard packetIndex >= 0 else { return 0 }
        if delta > 0 {
            streams[index].highest = sequenceNumber
            streams[index].rolloverCounter = UInt32(truncatingIfNeeded: packetIndex >> 16)
        }
        return UInt32(truncatingIfNeeded: packetIndex >> 16)
    }

    /// Fixed header + CSRCs + header extension (RFC 3550 §5.1, §5.3.1); nil when it does not fit.
    static func headerLength(_ packet: UnsafeMutableRawBufferPointer, length: Int) -> Int? {
        guard packet[0] >> 6 == 2 else { return nil }
        var headerLength = 12 + Int(packet[0] & 0x0F) * 4
        if packet[0] & 0x10 != 0 {
            guard headerLength + 4 <= length else { return nil }
            let words = Int(packet[headerLength + 2]) << 8 | Int(packet[headerLength + 3])
            headerLength += 4 + words * 4
        }
        return headerLength <= length ? headerLength : nil
    }

    /// The AES-CM key derivation (RFC 3711 §4.3.1, key derivation rate 0): the keystream of AES-128
    /// in counter mode under the master key, from IV = (master salt, zero-padded to 14 bytes, with
    /// `label` XORed into byte 7) ‖ 0x0000.
    static func derive(label: UInt8, count: Int, masterKey: [UInt8], masterSalt: [UInt8]) -> [UInt8]? {
        var iv = [UInt8](repeating: 0, count: 16)
        for (i, byte) in masterSalt.prefix(14).enumerated() { iv[i] = byte }
        iv[7] ^= label
        guard let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        let zeros = [UInt8](repeating: 0, count: count)
        var output = [UInt8](repeating: 0, count: count + 16)
        var written: Int32 = 0
        let ok = masterKey.withUnsafeBufferPointer { key in
            iv.withUnsafeBufferPointer { ivPointer in
                EVP_EncryptInit_ex(context, EVP_aes_128_ctr(), nil, key.baseAddress, ivPointer.baseAddress) == 1
                    && EVP_EncryptUpdate(context, &output, &written, zeros, Int32(count)) == 1
            }
        }
        return ok && written == count ? Array(output.prefix(count)) : nil
    }
}
