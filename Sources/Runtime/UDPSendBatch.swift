#if canImport(Glibc)
import Glibc
#endif
import CUDPBatch
import NIOCore
import RTCBase

/// Where a datagram goes, as the kernel wants it: built once per peer address, copied per message.
struct UDPDestination {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    init?(_ address: TransportAddress) {
        guard let socketAddress = address.socketAddress else { return nil }
        var storage = sockaddr_storage()
        let length = socketAddress.withSockAddr { pointer, size -> Int in
            guard size <= MemoryLayout<sockaddr_storage>.size else { return 0 }
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: size)) }
            return size
        }
        guard length > 0 else { return nil }
        self.storage = storage
        self.length = socklen_t(length)
    }
}

/// The datagrams one event loop sends in one tick, written with one `sendmmsg(2)` when the tick's
/// work is done (or when the batch is full). Its memory is allocated once: packets are built and
/// SRTP-protected in place inside the arena, so the forwarding hot path allocates nothing and
/// makes one system call per batch instead of one per packet. Confined to its event loop.
final class UDPSendBatch: @unchecked Sendable {
    /// Most messages per `sendmmsg` (the kernel's UIO_MAXIOV).
    static let maxMessages = 1024
    static let arenaBytes = 1 << 20

    private let fd: CInt
    private let eventLoop: any EventLoop
    private let arena: UnsafeMutableRawPointer
    private let headers: UnsafeMutablePointer<rtc_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let names: UnsafeMutablePointer<sockaddr_storage>
    private var used = 0
    private var count = 0
    private var flushScheduled = false
    private(set) var isClosed = false

    /// Datagrams handed to the kernel, `sendmmsg` calls, and datagrams the kernel refused.
    private(set) var datagramsSent = 0
    private(set) var systemCalls = 0
    private(set) var sendErrors = 0

    init(fd: CInt, eventLoop: any EventLoop) {
        self.fd = fd
        self.eventLoop = eventLoop
        arena = .allocate(byteCount: Self.arenaBytes, alignment: 16)
        headers = .allocate(capacity: Self.maxMessages)
        vectors = .allocate(capacity: Self.maxMessages)
        names = .allocate(capacity: Self.maxMessages)
    }

    deinit {
        arena.deallocate()
        headers.deallocate()
        vectors.deallocate()
        names.deallocate()
    }

    /// Queues one datagram of at most `maximumLength` bytes, written by `write` straight into the
    /// batch's memory; `write` returns the final length, or nil to queue nothing.
    func append(to destination: UDPDestination, maximumLength: Int,
                _ write: (UnsafeMutableRawBufferPointer) -> Int?) {
        guard !isClosed, maximumLength > 0, maximumLength <= Self.arenaBytes else { return }
        if count == Self.maxMessages || used + maximumLength > Self.arenaBytes { flush() }
        let slot = UnsafeMutableRawBufferPointer(start: arena + used, count: maximumLength)
        guard let length = write(slot), length > 0, length <= maximumLength else { return }
        vectors[count] = iovec(iov_base: arena + used, iov_len: length)
        names[count] = destination.storage
        var header = msghdr()
        header.msg_name = UnsafeMutableRawPointer(names + count)
        header.msg_namelen = destination.length
        header.msg_iov = vectors + count
        header.msg_iovlen = 1
        headers[count] = rtc_mmsghdr(msg_hdr: header, msg_len: 0)
        used += (length + 15) & ~15
        count += 1
        if !flushScheduled {
            flushScheduled = true
            // Runs after the work already queued on this loop (the other viewers' drains).
            eventLoop.execute { [self] in flushScheduled = false; flush() }
        }
    }

    /// Queues a copy of `bytes` (control traffic: STUN, DTLS, RTCP).
    func append(_ bytes: [UInt8], to destination: UDPDestination) {
        append(to: destination, maximumLength: bytes.count) { buffer in
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
            return bytes.count
        }
    }

    /// Hands everything queued to the kernel. A datagram the kernel refuses is counted and skipped.
    func flush() {
        guard count > 0 else { return }
        defer { count = 0; used = 0 }
        guard !isClosed else { return }
        var offset = 0
        var attempts = 0
        while offset < count, attempts < count + 8 {
            attempts += 1
            let sent = rtc_sendmmsg(fd, headers + offset, UInt32(count - offset), Int32(MSG_DONTWAIT))
            systemCalls += 1
            if sent > 0 {
                offset += Int(sent)
                datagramsSent += Int(sent)
            } else if sent < 0, errno == EINTR {
                continue
            } else {
                sendErrors += 1   // EAGAIN (socket buffer full), EPERM, unreachable…: drop this one
                offset += 1
            }
        }
    }

    /// The socket is closing: nothing more is sent.
    func close() {
        isClosed = true
        count = 0
        used = 0
    }
}
