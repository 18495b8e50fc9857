import SRTP
import Testing

/// Outbound GCM on OpenSSL (`SRTPGCMCipher`) against libsrtp2: the same keys and packets give
/// byte-identical SRTP (sequence wrap and ROC, CSRCs, header extension, retransmission of an older
/// packet, several SSRCs), and libsrtp's receiver authenticates and decrypts every packet.
@Suite("SRTP GCM on OpenSSL matches libsrtp2 (RFC 7714)")
struct SRTPGCMCipherTests {
    static let keying = SRTPKeyingMaterial(
        profile: .aeadAES128GCM,
        localMasterKey: (0..<16).map { UInt8($0 &* 7 &+ 3) }, localMasterSalt: (0..<12).map { UInt8($0 &* 13 &+ 1) },
        remoteMasterKey: (0..<16).map { UInt8($0 &+ 100) }, remoteMasterSalt: (0..<12).map { UInt8($0 &+ 200) })

    static func packet(sequence: UInt16, ssrc: UInt32, csrcs: Int = 0, extensionWords: Int = 0, payload: Int) -> [UInt8] {
        var bytes: [UInt8] = [0x80 | UInt8(csrcs) | (extensionWords > 0 ? 0x10 : 0), 0x60,
                              UInt8(sequence >> 8), UInt8(sequence & 0xFF), 0x00, 0x01, 0x5F, 0x90]
        bytes += withUnsafeBytes(of: ssrc.bigEndian) { Array($0) }
        for c in 0..<csrcs { bytes += [0, 0, 0, UInt8(c + 1)] }
        if extensionWords > 0 {
            bytes += [0xBE, 0xDE, 0, UInt8(extensionWords)]
            bytes += (0..<(extensionWords * 4)).map { UInt8(truncatingIfNeeded: $0 &+ 9) }
        }
        return bytes + (0..<payload).map { UInt8(truncatingIfNeeded: Int(sequence) &+ $0) }
    }

    @Test func byteIdenticalToLibsrtpAndDecryptable() throws {
        let fast = try SRTPSession(keying: Self.keying)
        let reference = try SRTPSession(keying: Self.keying, openSSLForGCM: false)
        let receiver = try SRTPSession(keying: Self.keying.mirrored, replayWindowSize: 4096)
        var sequences: [(UInt16, UInt32)] = []
        for s in UInt16(65_500)...UInt16(65_535) { sequences.append((s, 0xCAFE_BABE)) }
        for s in UInt16(0)...UInt16(100) { sequences.append((s, 0xCAFE_BABE)) }        // wrap: ROC 1
        sequences.append((65_530, 0xCAFE_BABE))                                           // retransmission (ROC 0)
        for s in UInt16(7)...UInt16(40) { sequences.append((s, 0x0102_0304)) }          // a second SSRC
        for (index, (sequence, ssrc)) in sequences.enumerated() {
            let plain = Self.packet(sequence: sequence, ssrc: ssrc, csrcs: index % 3, extensionWords: index % 2 * 2,
                                    payload: index % 5 == 0 ? 0 : 37 * index % 1200)
            var a = plain, b = plain
            try fast.protectRTP(&a)
            try reference.protectRTP(&b)
            #expect(a == b, "packet \(index) (seq \(sequence))")
            if index != sequences.count - 35 {   // the retransmission is a replay for the receiver
                var decrypted = a
                try receiver.unprotectRTP(&decrypted)
                #expect(decrypted == plain)
            }
        }
    }

    @Test func inPlaceIntoACallerBuffer() throws {
        let fast = try SRTPSession(keying: Self.keying)
        let reference = try SRTPSession(keying: Self.keying, openSSLForGCM: false)
        let plain = Self.packet(sequence: 1000, ssrc: 42, payload: 1188)
        var expected = plain
        try reference.protectRTP(&expected)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: plain.count + SRTPSession.maxRTPTrailerLength, alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: plain)
        let length = try fast.protectRTP(in: buffer, length: plain.count)
        #expect(Array(buffer[0..<length]) == expected)
    }

    @Test func tooSmallBuffersAndMalformedHeadersAreRefused() throws {
        let fast = try SRTPSession(keying: Self.keying)
        let plain = Self.packet(sequence: 1, ssrc: 42, payload: 100)
        // No room for the trailer.
        let tight = UnsafeMutableRawBufferPointer.allocate(byteCount: plain.count + 8, alignment: 1)
        defer { tight.deallocate() }
        tight.copyBytes(from: plain)
        #expect(throws: SRTPError.self) { try fast.protectRTP(in: tight, length: plain.count) }
        // An extension header longer than the packet.
        var bogus = Self.packet(sequence: 2, ssrc: 42, payload: 0)
        bogus[0] |= 0x10
        bogus += [0xBE, 0xDE, 0x00, 0x40]
        #expect(throws: SRTPError.self) { try fast.protectRTP(&bogus) }
        #expect(fast.counters.protectFailures == 2)
    }
}

extension SRTPGCMCipherTests {
    /// `open` is the inverse of libsrtp's protect and refuses a flipped bit anywhere.
    @Test func openVerifiesAndDecrypts() throws {
        let reference = try SRTPSession(keying: Self.keying, openSSLForGCM: false)
        let cipher = try #require(SRTPGCMCipher(masterKey: Self.keying.localMasterKey, masterSalt: Self.keying.localMasterSalt))
        for sequence in UInt16(65_530)...UInt16(65_535) {
            let plain = Self.packet(sequence: sequence, ssrc: 7, csrcs: 1, extensionWords: 1, payload: 500)
            var protected = plain
            try reference.protectRTP(&protected)
            var copy = protected
            let count = protected.count
            let length = copy.withUnsafeMutableBytes { cipher.open(in: $0, length: count) }
            #expect(length == plain.count && Array(copy.prefix(plain.count)) == plain)
            for position in [1, 9, 30, protected.count - 1] {
                var tampered = protected
                tampered[position] ^= 0x01
                let count = tampered.count
                let opened = tampered.withUnsafeMutableBytes { cipher.open(in: $0, length: count) }
                #expect(opened == nil)
            }
        }
    }
}

extension SRTPGCMCipherTests {
    /// SRTCP (RFC 7714 §9) on OpenSSL: byte-identical to libsrtp's for a run of compound packets
    /// (index 1, 2, …), and the receiver decrypts them. SRTP packets come in between (before or
    /// after each compound, or none), so each side's one cipher context switches between the
    /// SRTP and SRTCP keys in every order.
    @Test func rtcpByteIdenticalToLibsrtp() throws {
        let fast = try SRTPSession(keying: Self.keying)
        let reference = try SRTPSession(keying: Self.keying, openSSLForGCM: false)
        let receiver = try SRTPSession(keying: Self.keying.mirrored)
        func rtp(_ n: Int) throws {
            let plain = Self.packet(sequence: UInt16(n), ssrc: 0xCAFE_BABE, payload: 100 + n)
            var a = plain, b = plain
            try fast.protectRTP(&a)
            try reference.protectRTP(&b)
            #expect(a == b, "RTP packet \(n)")
            try receiver.unprotectRTP(&a)
            #expect(a == plain)
        }
        for n in 0..<40 {
            if n % 3 == 1 { try rtp(n) }
            // SR (28 bytes) + SDES with a CNAME, as the gateway sends them.
            var plain: [UInt8] = [0x80, 200, 0, 6, 0xCA, 0xFE, 0xBA, 0xBE]
            plain += (0..<20).map { UInt8(truncatingIfNeeded: $0 &+ n) }
            plain += [0x81, 202, 0, 3, 0xCA, 0xFE, 0xBA, 0xBE, 1, 4, 0x61, 0x62, 0x63, 0x64, 0, 0]
            var a = plain, b = plain
            try fast.protectRTCP(&a)
            try reference.protectRTCP(&b)
            #expect(a == b, "RTCP packet \(n)")
            var decrypted = a
            try receiver.unprotectRTCP(&decrypted)
            #expect(decrypted == plain)
            if n % 3 == 2 { try rtp(n) }
        }
    }
}

/// Inbound GCM on OpenSSL: what libsrtp protects, `SRTPSession` (OpenSSL) authenticates and
/// decrypts — across a sequence wrap, out of order inside the window — and refuses replays,
/// packets older than the window, forgeries (which never move the window) and SSRCs past the cap.
@Suite("SRTP GCM receive on OpenSSL with replay windows")
struct SRTPGCMReceiveTests {
    static let keying = SRTPGCMCipherTests.keying

    func protected(_ sender: SRTPSession, sequence: UInt16, ssrc: UInt32 = 0xCAFE_BABE) throws -> (plain: [UInt8], srtp: [UInt8]) {
        let plain = SRTPGCMCipherTests.packet(sequence: sequence, ssrc: ssrc, csrcs: 1, extensionWords: 1, payload: 300)
        var srtp = plain
        try sender.protectRTP(&srtp)
        return (plain, srtp)
    }

    @Test func decryptsLibsrtpAcrossAWrapAndOutOfOrder() throws {
        let sender = try SRTPSession(keying: Self.keying.mirrored, openSSLForGCM: false)   // libsrtp
        let receiver = try SRTPSession(keying: Self.keying)                                // OpenSSL
        var packets: [(plain: [UInt8], srtp: [UInt8])] = []
        for sequence in [UInt16](65_500...65_535) + [UInt16](0...60) { packets.append(try protected(sender, sequence: sequence)) }
        // Deliver with local reordering (pairs swapped), as a network might.
        var order = Array(packets.indices)
        for i in stride(from: 0, to: order.count - 1, by: 2) { order.swapAt(i, i + 1) }
        for index in order {
            var bytes = packets[index].srtp
            try receiver.unprotectRTP(&bytes)
            #expect(bytes == packets[index].plain)
        }
        #expect(receiver.counters == SRTPCounters())
    }

    @Test func replaysOldAndForgedPacketsAreRefused() throws {
        let sender = try SRTPSession(keying: Self.keying.mirrored, openSSLForGCM: false)
        let receiver = try SRTPSession(keying: Self.keying, replayWindowSize: 64)
        // Protected in sending order; delivered below in the order the test needs.
        var packets: [UInt16: [UInt8]] = [:]
        for sequence: UInt16 in [100, 150, 4936, 4937, 5000] { packets[sequence] = try protected(sender, sequence: sequence).srtp }
        func deliver(_ sequence: UInt16) throws {
            var bytes = packets[sequence] ?? []
            try receiver.unprotectRTP(&bytes)
        }
        try deliver(100)
        #expect(throws: SRTPError.self) { try deliver(100) }           // replayed
        #expect(receiver.counters.replayFailures == 1)
        // A forged packet far ahead must not move the window: the genuine ones still pass.
        var forged = packets[5000] ?? []
        forged[forged.count - 1] ^= 0x40
        #expect(throws: SRTPError.self) { try receiver.unprotectRTP(&forged) }
        #expect(receiver.counters.authenticationFailures == 1)
        try deliver(150)
        try deliver(5000)
        // 5000 is the highest now: 5000 − 64 = 4936 is just outside the window, 4937 just inside.
        #expect(throws: SRTPError.self) { try deliver(4936) }
        #expect(receiver.counters.replayFailures == 2)
        try deliver(4937)
    }

    @Test func rtcpFromLibsrtpAndItsReplays() throws {
        let sender = try SRTPSession(keying: Self.keying.mirrored, openSSLForGCM: false)
        let receiver = try SRTPSession(keying: Self.keying)
        let plain: [UInt8] = [0x81, 201, 0, 7, 0xCA, 0xFE, 0xBA, 0xBE] + (0..<24).map { UInt8($0) }
        var srtcp = plain
        try sender.protectRTCP(&srtcp)
        var copy = srtcp
        try receiver.unprotectRTCP(&copy)
        #expect(copy == plain)
        var replayed = srtcp
        #expect(throws: SRTPError.self) { try receiver.unprotectRTCP(&replayed) }
        var tampered = srtcp
        tampered[12] ^= 1
        var next = plain
        try sender.protectRTCP(&next)
        tampered = next
        tampered[10] ^= 1
        #expect(throws: SRTPError.self) { try receiver.unprotectRTCP(&tampered) }
        try receiver.unprotectRTCP(&next)
        #expect(next == plain)
        #expect(receiver.counters.replayFailures == 1 && receiver.counters.authenticationFailures == 1)
    }

    @Test func ssrcCapAtTheLimitAndOnePast() throws {
        let sender = try SRTPSession(keying: Self.keying.mirrored, openSSLForGCM: false)
        let receiver = try SRTPSession(keying: Self.keying)
        for ssrc in 0..<UInt32(SRTPGCMCipher.maxStreams) {
            var bytes = try protected(sender, sequence: 1, ssrc: ssrc + 1).srtp
            try receiver.unprotectRTP(&bytes)
        }
        var onePast = try protected(sender, sequence: 1, ssrc: 0xFFFF).srtp
        #expect(throws: SRTPError.self) { try receiver.unprotectRTP(&onePast) }
        #expect(receiver.counters.otherUnprotectFailures == 1)
    }
}
