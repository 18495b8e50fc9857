#if canImport(Glibc)
import Glibc
#endif
import CUDPBatch
import Foundation
import RTCBase
import Synchronization

/// `--garbage-rate R`: hostile UDP at the gateway's WebRTC port while the viewers watch (issue #8,
/// fault scenarios). One thread, one socket bound to another loopback address (`--garbage-from`,
/// default 127.2.0.1, so no datagram can pass for a viewer's), paced `sendmmsg` batches of 64.
/// The datagrams cycle through a pool of four kinds: random bytes, STUN binding requests with an
/// unknown username and a bogus MESSAGE-INTEGRITY, RTP-looking packets (version 2, PT 96/111) and
/// DTLS-looking ClientHello records. None can be authenticated, so the gateway must drop and
/// count every one it reads.
final class GarbageBlaster: Sendable {
    struct Result {
        var sent = 0
        var refused = 0
        var seconds = 0.0
        var rate: Double { seconds > 0 ? Double(sent) / seconds : 0 }
    }

    /// How many datagrams of each kind are in the pool (random, STUN, RTP, DTLS).
    static let kinds = ["random", "stun", "rtp", "dtls"]
    private static let poolSize = 1024
    private static let batch = 64

    private let sent = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let finished = Atomic<Bool>(false)
    private let elapsedNanoseconds = Atomic<Int>(0)

    /// Starts blasting `rate` datagrams/s for `seconds` from `source` (an IP) to `target`.
    init(rate: Int, seconds: Double, source: String, target: TransportAddress) throws {
        let fd = socket(AF_INET, Int32(RTC_SOCK_DGRAM), 0)
        guard fd >= 0 else { throw LoadError("garbage socket: errno \(errno)") }
        var size: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, 4)
        guard let local = TransportAddress(host: source, port: 0) else {
            close(fd)
            throw LoadError("--garbage-from \(source) is not an IPv4 address")
        }
        var localName = LoopbackMux.socketAddress(local)
        var remoteName = LoopbackMux.socketAddress(target)
        let bound = withUnsafePointer(to: &localName) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        let connected = withUnsafePointer(to: &remoteName) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, connected == 0 else {
            close(fd)
            throw LoadError("garbage socket \(source) → \(target): errno \(errno)")
        }
        let pool = Self.pool()
        let start = RTCBridgeLoad.now()
        Thread.detachNewThread { [self] in
            defer { close(fd) }
            blast(fd: fd, pool: pool, rate: rate, seconds: seconds, start: start)
            elapsedNanoseconds.store(Int((RTCBridgeLoad.now() - start).secondsDouble * 1e9), ordering: .relaxed)
            finished.store(true, ordering: .releasing)
        }
    }

    /// Waits (bounded by `timeoutSeconds`) for the blast to end and returns what it achieved.
    func wait(timeoutSeconds: Double) -> Result {
        for _ in 0..<Int(timeoutSeconds * 100) where !finished.load(ordering: .acquiring) { usleep(10_000) }
        return Result(sent: sent.load(ordering: .relaxed), refused: refused.load(ordering: .relaxed),
                      seconds: Double(elapsedNanoseconds.load(ordering: .relaxed)) / 1e9)
    }

    private func blast(fd: Int32, pool: [[UInt8]], rate: Int, seconds: Double, start: Instant) {
        let buffers = pool.map { bytes -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
            buffer.copyBytes(from: bytes)
            return buffer
        }
        let iovecs = UnsafeMutablePointer<iovec>.allocate(capacity: buffers.count)
        let headers = UnsafeMutablePointer<rtc_mmsghdr>.allocate(capacity: Self.batch)
        defer {
            buffers.forEach { $0.deallocate() }
            iovecs.deallocate()
            headers.deallocate()
        }
        for (index, buffer) in buffers.enumerated() {
            iovecs[index] = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
        }
        var next = 0
        var total = 0
        let goal = Int(Double(rate) * seconds)
        while total < goal {
            let elapsed = (RTCBridgeLoad.now() - start).secondsDouble
            let due = min(goal, Int(elapsed * Double(rate))) - total
            if due < Self.batch, total + due < goal {
                usleep(500)
                continue
            }
            let count = min(due, Self.batch)
            for i in 0..<count {
                var header = msghdr()
                header.msg_iov = iovecs + (next + i) % buffers.count
                header.msg_iovlen = 1
                headers[i] = rtc_mmsghdr(msg_hdr: header, msg_len: 0)
            }
            next = (next + count) % buffers.count
            let result = rtc_sendmmsg(fd, headers, UInt32(count), 0)
            if result > 0 {
                total += Int(result)
                sent.add(Int(result), ordering: .relaxed)
            } else {
                // Loopback refuses only when our own send buffer is full: count and move on.
                total += count
                refused.add(count, ordering: .relaxed)
            }
        }
    }

    /// The datagrams to cycle through, the four kinds interleaved.
    static func pool() -> [[UInt8]] {
        (0..<poolSize).map { index in
            switch index % 4 {
            case 0: randomBytes(count: 20 + Int(SecureRandom.uint32() % 300))
            case 1: stunLooking()
            case 2: rtpLooking(index: index)
            default: dtlsLooking(index: index)
            }
        }
    }

    static func randomBytes(count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count + 4)
        while bytes.count < count {
            withUnsafeBytes(of: SecureRandom.uint32()) { bytes.append(contentsOf: $0) }
        }
        return Array(bytes.prefix(count))
    }

    /// A binding request for an unknown `ufrag:ufrag` with a MESSAGE-INTEGRITY of random bytes.
    static func stunLooking() -> [UInt8] {
        let username = Array("\(hex(SecureRandom.uint32())):\(hex(SecureRandom.uint32()))".utf8)   // 17 bytes
        let paddedUsername = username + [UInt8](repeating: 0, count: (4 - username.count % 4) % 4)
        let attributes: [UInt8] = [0x00, 0x06] + be16(username.count) + paddedUsername
            + [0x00, 0x08, 0x00, 0x14] + randomBytes(count: 20)
        return [0x00, 0x01] + be16(attributes.count) + [0x21, 0x12, 0xA4, 0x42] + randomBytes(count: 12) + attributes
    }

    /// Version 2, PT 96 (video) or 111 (audio), a random SSRC, sequence and payload.
    static func rtpLooking(index: Int) -> [UInt8] {
        let payloadType: UInt8 = index % 8 == 2 ? 96 : 111
        return [0x80, payloadType] + randomBytes(count: 10) + randomBytes(count: 100 + Int(SecureRandom.uint32() % 1000))
    }

    /// A DTLS 1.2 handshake record (epoch 0) holding a ClientHello-typed message of random bytes.
    static func dtlsLooking(index: Int) -> [UInt8] {
        let body = randomBytes(count: 80 + Int(SecureRandom.uint32() % 120))
        let handshake: [UInt8] = [0x01, 0x00] + be16(body.count) + be16(index) + [0, 0, 0, 0x00] + be16(body.count) + body
        return [22, 0xFE, 0xFD, 0, 0] + [0, 0, 0, 0] + be16(index) + be16(handshake.count) + handshake
    }

    private static func be16(_ value: Int) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
