import DTLS
import SRTP
import Testing

@Suite("SRTP/SRTCP on libsrtp2 (RFC 3711, RFC 7714)")
struct SRTPSessionTests {
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8).filter { $0 != UInt8(ascii: " ") }
        return stride(from: 0, to: digits.count, by: 2).map { index in
            UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) ?? 0
        }
    }

    /// RTP header V=2 PT=15 seq=0x1234 ts=0xdecafbad SSRC=0xcafebabe, 16 bytes of 0xab.
    static let knownRTP = bytes("800f1234decafbadcafebabe" + String(repeating: "ab", count: 16))
    /// RTCP SR header, SSRC=0xcafebabe, 16 bytes of 0xab.
    static let knownRTCP = bytes("81c8000bcafebabe" + String(repeating: "ab", count: 16))

    /// A sender/receiver pair sharing one master key and salt in the sending direction.
    static func sessions(profile: SRTPProtectionProfile, key: [UInt8], salt: [UInt8]) throws
        -> (sender: SRTPSession, receiver: SRTPSession)
    {
        let unused = SRTPKeyingMaterial(
            profile: profile, localMasterKey: Array(repeating: 0x11, count: profile.masterKeyLength),
            localMasterSalt: Array(repeating: 0x22, count: profile.masterSaltLength),
            remoteMasterKey: key, remoteMasterSalt: salt)
        let sender = try SRTPSession(keying: unused.mirrored)
        let receiver = try SRTPSession(keying: unused)
        return (sender, receiver)
    }

    static func rtpPacket(sequence: UInt16, payloadSize: Int = 1_188) -> [UInt8] {
        [0x80, 0x60, UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0, 0, 0x10, 0, 0x12, 0x34, 0x56, 0x78]
            + (0..<payloadSize).map { UInt8(truncatingIfNeeded: $0) }
    }

    /// Known answer: libsrtp's `srtp_validate` reference packets (test/srtp_driver.c), keyed with
    /// the RFC 3711 Appendix B.3 master key and salt, AES_CM_128_HMAC_SHA1_80 for RTP and RTCP.
    @Test func aesCMKnownAnswer() throws {
        let key = Self.bytes("e1f97a0d3e018be0d64fa32c06de4139")
        let salt = Self.bytes("0ec675ad498afeebb6960b3aabe6")
        let (sender, receiver) = try Self.sessions(profile: .aes128CMHMACSHA1_80, key: key, salt: salt)
        let expectedRTP = Self.bytes(
            "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb")
        let expectedRTCP = Self.bytes(
            "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798")
        var rtp = Self.knownRTP
        try sender.protectRTP(&rtp)
        #expect(rtp == expectedRTP)
        var rtcp = Self.knownRTCP
        try sender.protectRTCP(&rtcp)
        #expect(rtcp == expectedRTCP)
        try receiver.unprotectRTP(&rtp)
        #expect(rtp == Self.knownRTP)
        try receiver.unprotectRTCP(&rtcp)
        #expect(rtcp == Self.knownRTCP)
    }

    /// Known answer: libsrtp's `srtp_validate_gcm` reference packets, AEAD_AES_128_GCM (RFC 7714).
    @Test func aesGCMKnownAnswer() throws {
        let key = Self.bytes("000102030405060708090a0b0c0d0e0f")
        let salt = Self.bytes("a0a1a2a3a4a5a6a7a8a9aaab")
        let (sender, receiver) = try Self.sessions(profile: .aeadAES128GCM, key: key, salt: salt)
        let expectedRTP = Self.bytes(
            "800f1234decafbadcafebabec5002ede04cfdd2eb91159e0880aa06ed2976826f796b201df3131a127e8a392")
        let expectedRTCP = Self.bytes(
            "81c8000bcafebabec98b8b5df0392a55852b6c21ac8e7025c52c6fbea2b3b446ea31123ba88ce61e80000001")
        var rtp = Self.knownRTP
        try sender.protectRTP(&rtp)
        #expect(rtp == expectedRTP)
        var rtcp = Self.knownRTCP
        try sender.protectRTCP(&rtcp)
        #expect(rtcp == expectedRTCP)
        try receiver.unprotectRTP(&rtp)
        #expect(rtp == Self.knownRTP)
        try receiver.unprotectRTCP(&rtcp)
        #expect(rtcp == Self.knownRTCP)
    }

    @Test(arguments: [SRTPProtectionProfile.aeadAES128GCM, .aes128CMHMACSHA1_80])
    func roundTripWithHandshakeKeys(profile: SRTPProtectionProfile) throws {
        var serverConfiguration = DTLSConfiguration()
        serverConfiguration.profiles = [profile]
        let keys = try DTLSPair.handshakeKeys(server: serverConfiguration)
        #expect(keys.client.profile == profile)
        let client = try SRTPSession(keying: keys.client)
        let server = try SRTPSession(keying: keys.server)

        let original = Self.rtpPacket(sequence: 1)
        var packet = original
        try client.protectRTP(&packet)
        #expect(packet.count == original.count + profile.rtpTagLength)
        #expect(packet[12...] != original[12...])
        try server.unprotectRTP(&packet)
        #expect(packet == original)

        var reply = Self.rtpPacket(sequence: 9, payloadSize: 100)
        try server.protectRTP(&reply)
        try client.unprotectRTP(&reply)
        #expect(reply == Self.rtpPacket(sequence: 9, payloadSize: 100))

        var rtcp = Self.knownRTCP
        try client.protectRTCP(&rtcp)
        #expect(rtcp.count == Self.knownRTCP.count + 4 + profile.rtpTagLength)
        try server.unprotectRTCP(&rtcp)
        #expect(rtcp == Self.knownRTCP)
        #expect(server.counters == SRTPCounters())
    }

    @Test(arguments: [SRTPProtectionProfile.aeadAES128GCM, .aes128CMHMACSHA1_80])
    func tamperedPacketFailsAuthentication(profile: SRTPProtectionProfile) throws {
        var serverConfiguration = DTLSConfiguration()
        serverConfiguration.profiles = [profile]
        let keys = try DTLSPair.handshakeKeys(server: serverConfiguration)
        let client = try SRTPSession(keying: keys.client)
        let server = try SRTPSession(keying: keys.server)
        var packet = Self.rtpPacket(sequence: 100)
        try client.protectRTP(&packet)
        var tampered = packet
        tampered[40] ^= 0x01
        let error = #expect(throws: SRTPError.self) { try server.unprotectRTP(&tampered) }
        #expect(error?.isAuthenticationFailure == true)
        #expect(server.counters.authenticationFailures == 1)
        // The forged copy did not advance the replay window: the genuine packet still passes.
        try server.unprotectRTP(&packet)
        #expect(packet == Self.rtpPacket(sequence: 100))

        var rtcp = Self.knownRTCP
        try client.protectRTCP(&rtcp)
        rtcp[10] ^= 0x80
        #expect(throws: SRTPError.self) { try server.unprotectRTCP(&rtcp) }
        #expect(server.counters.authenticationFailures == 2)
    }

    @Test func replayedPacketIsRejected() throws {
        let keys = try DTLSPair.handshakeKeys()
        let client = try SRTPSession(keying: keys.client)
        let server = try SRTPSession(keying: keys.server)
        var packet = Self.rtpPacket(sequence: 7)
        try client.protectRTP(&packet)
        var first = packet
        try server.unprotectRTP(&first)
        var replay = packet
        let error = #expect(throws: SRTPError.self) { try server.unprotectRTP(&replay) }
        #expect(error?.isReplay == true)
        #expect(server.counters.replayFailures == 1)
        #expect(error?.description == "SRTP unprotect RTP failed: replayed packet (9)")
    }

    /// Replays (an index seen before, or one the window has left behind) are told apart from
    /// authentication failures on every path: GCM on OpenSSL, GCM and AES-CM on libsrtp; RTP and RTCP.
    @Test(arguments: [(SRTPProtectionProfile.aeadAES128GCM, true), (.aeadAES128GCM, false), (.aes128CMHMACSHA1_80, false)])
    func replaysAreNotAuthenticationFailures(profile: SRTPProtectionProfile, openSSLForGCM: Bool) throws {
        let key = [UInt8](repeating: 0x3C, count: profile.masterKeyLength)
        let salt = [UInt8](repeating: 0xC3, count: profile.masterSaltLength)
        let keying = SRTPKeyingMaterial(
            profile: profile, localMasterKey: Array(repeating: 0x11, count: profile.masterKeyLength),
            localMasterSalt: Array(repeating: 0x22, count: profile.masterSaltLength), remoteMasterKey: key, remoteMasterSalt: salt)
        let sender = try SRTPSession(keying: keying.mirrored, openSSLForGCM: openSSLForGCM)
        let receiver = try SRTPSession(keying: keying, replayWindowSize: 64, openSSLForGCM: openSSLForGCM)
        var old = Self.rtpPacket(sequence: 1, payloadSize: 40)
        try sender.protectRTP(&old)
        var packet = Self.rtpPacket(sequence: 2, payloadSize: 40)
        try sender.protectRTP(&packet)
        var copy = packet
        try receiver.unprotectRTP(&copy)
        copy = packet
        let replay = #expect(throws: SRTPError.self) { try receiver.unprotectRTP(&copy) }
        #expect(replay?.isReplay == true && replay?.isAuthenticationFailure == false)
        // 100 packets later, sequence 1 is behind the 64-packet window: too old, also a replay.
        for sequence in UInt16(3)...102 {
            var next = Self.rtpPacket(sequence: sequence, payloadSize: 40)
            try sender.protectRTP(&next)
            try receiver.unprotectRTP(&next)
        }
        let tooOld = #expect(throws: SRTPError.self) { try receiver.unprotectRTP(&old) }
        #expect(tooOld?.isReplay == true)
        var rtcp = Self.knownRTCP
        try sender.protectRTCP(&rtcp)
        copy = rtcp
        try receiver.unprotectRTCP(&copy)
        copy = rtcp
        #expect(throws: SRTPError.self) { try receiver.unprotectRTCP(&copy) }
        var forged = Self.rtpPacket(sequence: 200, payloadSize: 40)
        try sender.protectRTP(&forged)
        forged[20] ^= 0x01
        let failure = #expect(throws: SRTPError.self) { try receiver.unprotectRTP(&forged) }
        #expect(failure?.isAuthenticationFailure == true && failure?.isReplay == false)
        #expect(receiver.counters.replayFailures == 3)
        #expect(receiver.counters.authenticationFailures == 1)
        #expect(receiver.counters.otherUnprotectFailures == 0)
    }

    @Test func outboundAllowsRepeatedSequenceNumbersForRetransmission() throws {
        let keys = try DTLSPair.handshakeKeys()
        let client = try SRTPSession(keying: keys.client)
        var first = Self.rtpPacket(sequence: 42)
        var again = Self.rtpPacket(sequence: 42)
        try client.protectRTP(&first)
        try client.protectRTP(&again)  // a NACK retransmission resends sequence 42
        #expect(first == again)
        #expect(client.counters.protectFailures == 0)
    }

    @Test func fastPathMatchesArrayPathAndChecksCapacity() throws {
        let key = Self.bytes("e1f97a0d3e018be0d64fa32c06de4139")
        let salt = Self.bytes("0ec675ad498afeebb6960b3aabe6")
        let (sender, _) = try Self.sessions(profile: .aes128CMHMACSHA1_80, key: key, salt: salt)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 28 + 144, alignment: 16)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: Self.knownRTP)
        let length = try sender.protectRTP(in: buffer, length: 28)
        #expect(length == 38)
        #expect(Array(buffer[0..<length]) == Self.bytes(
            "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb"))
        let tooSmall = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(28 + 143)])
        #expect(throws: SRTPError.self) { _ = try sender.protectRTP(in: tooSmall, length: 28) }
        #expect(throws: SRTPError.self) { _ = try sender.protectRTP(in: buffer, length: -1) }
        #expect(sender.counters.protectFailures == 2)
    }

    /// The no-copy path (header in the buffer, payload read from elsewhere) writes exactly what
    /// the in-place path writes, for both profiles, every payload size from 0 to 1,200 in steps,
    /// and the receiver opens it; too small a buffer is refused and counted.
    @Test(arguments: [SRTPProtectionProfile.aeadAES128GCM, .aes128CMHMACSHA1_80])
    func payloadFromElsewhereMatchesInPlace(profile: SRTPProtectionProfile) throws {
        let key = [UInt8](repeating: 0x5A, count: profile.masterKeyLength)
        let salt = [UInt8](repeating: 0xA5, count: profile.masterSaltLength)
        let (inPlace, _) = try Self.sessions(profile: profile, key: key, salt: salt)
        let (fromElsewhere, receiver) = try Self.sessions(profile: profile, key: key, salt: salt)
        let a = UnsafeMutableRawBufferPointer.allocate(byteCount: 1_212 + 144, alignment: 16)
        let b = UnsafeMutableRawBufferPointer.allocate(byteCount: 1_212 + 144, alignment: 16)
        defer { a.deallocate(); b.deallocate() }
        for (index, size) in stride(from: 0, through: 1_200, by: 37).enumerated() {
            let packet = Self.rtpPacket(sequence: UInt16(index), payloadSize: size)
            a.copyBytes(from: packet)
            let expected = try inPlace.protectRTP(in: a, length: packet.count)
            b.copyBytes(from: packet[0..<12])
            let payload = Array(packet[12...])
            let length = try payload.withUnsafeBytes { try fromElsewhere.protectRTP(in: b, headerLength: 12, payload: $0) }
            #expect(length == expected && Array(a[0..<expected]) == Array(b[0..<length]), "payload \(size)")
            var received = Array(b[0..<length])
            try receiver.unprotectRTP(&received)
            #expect(received == packet)
        }
        let tooSmall = UnsafeMutableRawBufferPointer(rebasing: b[0..<(12 + 100 + 143)])
        let payload = [UInt8](repeating: 1, count: 100)
        #expect(throws: SRTPError.self) {
            _ = try payload.withUnsafeBytes { try fromElsewhere.protectRTP(in: tooSmall, headerLength: 12, payload: $0) }
        }
        #expect(fromElsewhere.counters.protectFailures == 1)
    }

    @Test func rejectsBadKeyingAndWindow() throws {
        let good = SRTPKeyingMaterial(
            profile: .aeadAES128GCM, localMasterKey: Array(repeating: 1, count: 16),
            localMasterSalt: Array(repeating: 2, count: 12),
            remoteMasterKey: Array(repeating: 3, count: 16), remoteMasterSalt: Array(repeating: 4, count: 12))
        var shortSalt = good
        shortSalt.remoteMasterSalt = Array(repeating: 4, count: 14)
        #expect(throws: SRTPError(status: SRTPError.badParameterStatus, operation: "create")) {
            _ = try SRTPSession(keying: shortSalt)
        }
        _ = try SRTPSession(keying: good, replayWindowSize: 64)
        _ = try SRTPSession(keying: good, replayWindowSize: 32_767)
        #expect(throws: SRTPError.self) { _ = try SRTPSession(keying: good, replayWindowSize: 63) }
        #expect(throws: SRTPError.self) { _ = try SRTPSession(keying: good, replayWindowSize: 32_768) }
    }

    @Test func shortOrEmptyPacketsAreCounted() throws {
        let keys = try DTLSPair.handshakeKeys()
        let server = try SRTPSession(keying: keys.server)
        var empty: [UInt8] = []
        #expect(throws: SRTPError.self) { try server.unprotectRTP(&empty) }
        var short: [UInt8] = [0x80, 0x60, 0, 1]
        #expect(throws: SRTPError.self) { try server.unprotectRTP(&short) }
        #expect(short == [0x80, 0x60, 0, 1])
        #expect(server.counters.otherUnprotectFailures == 2)
        #expect(server.counters.authenticationFailures == 0)
    }
}
