#if canImport(Glibc)
import Glibc
#endif
import CUDPBatch
import NIOCore
import RTCBase

/// Where a datagram goes, as the kernel wants it: built once per peer address, copied per message.
struct UDPDestination: Equatable {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    static func == (lhs: UDPDestination, rhs: UDPDestination) -> Bool {
        guard lhs.length == rhs.length else { return false }
        return withUnsafeBytes(of: lhs.storage) { a in
            withUnsafeBytes(of: rhs.storage) { b in
                guard let x = a.baseAddress, let y = b.baseAddress else { return false }
                return memcmp(x, y, Int(lhs.length)) == 0
            }
        }
    }

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
/// makes one system call per batch instead of one per packet.
///
/// Where the kernel offers UDP GSO (`UDP_SEGMENT`, Linux 4.18+), consecutive datagrams of one size
/// to one destination (a video frame's packets to one viewer) leave as one message that the
/// kernel splits into datagrams late, so they cross the network stack once. A datagram of another
/// size ends such a run (the last segment may be shorter). If the kernel refuses a segmented
/// message, segmentation is switched off for good and that message goes out datagram by datagram.
///
/// A full socket buffer (EAGAIN, ENOBUFS) ends the flush at once: the rest of the batch is dropped
/// and counted in one step (`sendErrors` and `bufferFullDrops`), since every further call would
/// fail the same way. Other refusals skip one message each; after `maxFailedCalls` failed calls
/// the rest is dropped too, so a flush makes at most its messages plus `maxFailedCalls` calls.
/// Confined to its event loop.
final class UDPSendBatch: @unchecked Sendable {
    /// Most messages per `sendmmsg` (the kernel's UIO_MAXIOV).
    static let maxMessages = 1024
    static let arenaBytes = 1 << 20
    /// Most segments and bytes per segmented message (the kernel allows 64 segments, 64 KiB).
    static let maxSegments = 64
    static let maxSegmentedBytes = 60_000
    /// Failed send calls per flush before the rest of the batch is dropped.
    static let maxFailedCalls = 8
    /// cmsghdr (16 bytes) + a 16-bit segment size, padded to 8: CMSG_SPACE(2).
    private static let controlBytes = 24

    private struct Message {
        var offset: Int
        var length: Int
        var segmentSize: Int
        var segments: Int
        /// A shorter datagram ended the run: nothing more may join it.
        var isSealed: Bool
    }

    private let fd: CInt
    private let eventLoop: any EventLoop
    private let arena: UnsafeMutableRawPointer
    private let headers: UnsafeMutablePointer<rtc_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    private let names: UnsafeMutablePointer<sockaddr_storage>
    private let controls: UnsafeMutableRawPointer
    private var messages: [Message] = []
    private var destinations: [UDPDestination] = []
    private var used = 0
    private var flushScheduled = false
    private(set) var isClosed = false
    /// Whether consecutive same-size datagrams to one destination are sent as one GSO message.
    private(set) var segmentationEnabled: Bool

    /// Datagrams handed to the kernel, `sendmmsg` calls, and datagrams the kernel refused.
    private(set) var datagramsSent = 0
    private(set) var systemCalls = 0
    private(set) var sendErrors = 0
    /// Datagrams dropped because the socket buffer was full (also counted in `sendErrors`).
    private(set) var bufferFullDrops = 0

    /// The `sendmmsg(2)` call: (fd, headers, count) → messages sent, or -1 with errno set. Tests
    /// replace it to play a full socket buffer, which loopback sockets never report.
    var sendMessages: (CInt, UnsafeMutablePointer<rtc_mmsghdr>, UInt32) -> Int32 = { fd, headers, count in
        rtc_sendmmsg(fd, headers, count, Int32(MSG_DONTWAIT))
    }

    /// - Parameter segmentation: use UDP GSO when the socket supports it.
    init(fd: CInt, eventLoop: any EventLoop, segmentation: Bool = true) {
        self.fd = fd
        self.eventLoop = eventLoop
        arena = .allocate(byteCount: Self.arenaBytes, alignment: 16)
        headers = .allocate(capacity: Self.maxMessages)
        vectors = .allocate(capacity: Self.maxMessages)
        names = .allocate(capacity: Self.maxMessages)
        controls = .allocate(byteCount: Self.maxMessages * Self.controlBytes, alignment: 8)
        messages.reserveCapacity(Self.maxMessages)
        destinations.reserveCapacity(Self.maxMessages)
        segmentationEnabled = segmentation && Self.supportsSegmentation(fd)
    }

    deinit {
        arena.deallocate()
        headers.deallocate()
        vectors.deallocate()
        names.deallocate()
        controls.deallocate()
    }

    /// The kernel knows `UDP_SEGMENT` when it can read the option back.
    static func supportsSegmentation(_ fd: CInt) -> Bool {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, Int32(IPPROTO_UDP), udpSegmentOption, &value, &length) == 0
    }

    /// `UDP_SEGMENT` from <linux/udp.h>.
    static let udpSegmentOption: Int32 = 103

    /// Queues one datagram of at most `maximumLength` bytes, written by `write` straight into the
    /// batch's memory; `write` returns the final length, or nil to queue nothing.
    func append(to destination: UDPDestination, maximumLength: Int,
                _ write: (UnsafeMutableRawBufferPointer) -> Int?) {
        guard !isClosed, maximumLength > 0, maximumLength <= Self.arenaBytes else { return }
        if messages.count == Self.maxMessages || used + maximumLength > Self.arenaBytes { flush() }
        let slot = UnsafeMutableRawBufferPointer(start: arena + used, count: maximumLength)
        guard let length = write(slot), length > 0, length <= maximumLength else { return }
        if segmentationEnabled, let last = messages.last, !last.isSealed, last.offset + last.length == used,
           length <= last.segmentSize, last.segments < Self.maxSegments,
           last.length + length <= Self.maxSegmentedBytes, destinations[messages.count - 1] == destination {
            messages[messages.count - 1].length += length
            messages[messages.count - 1].segments += 1
            if length < last.segmentSize { messages[messages.count - 1].isSealed = true }
        } else {
            messages.append(Message(offset: used, length: length, segmentSize: length, segments: 1, isSealed: false))
            destinations.append(destination)
        }
        used += length
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

    /// Hands everything queued to the kernel. A datagram the kernel refuses is counted and skipped;
    /// a full buffer drops and counts the rest of the batch.
    func flush() {
        guard !messages.isEmpty else { return }
        defer {
            messages.removeAll(keepingCapacity: true)
            destinations.removeAll(keepingCapacity: true)
            used = 0
        }
        guard !isClosed else { return }
        for index in messages.indices { prepareHeader(index) }
        var offset = 0
        var failedCalls = 0
        while offset < messages.count {
            let sent = sendMessages(fd, headers + offset, UInt32(messages.count - offset))
            let code = errno
            systemCalls += 1
            if sent > 0 {
                let end = min(messages.count, offset + Int(sent))
                for index in offset..<end { datagramsSent += messages[index].segments }
                offset = end
                continue
            }
            failedCalls += 1
            if Self.isBufferFull(code) {
                dropRemaining(from: offset, bufferFull: true)
                return
            }
            if sent < 0, code == EINTR {
                // Interrupted before anything was sent: try again (counted against the budget).
            } else if sent < 0, messages[offset].segments > 1, code == EIO || code == EINVAL || code == EOPNOTSUPP {
                // The path cannot segment (no checksum offload, old kernel): stop asking for it and
                // send this message's datagrams one by one.
                segmentationEnabled = false
                let bufferFull = sendSegmentsSeparately(messages[offset], index: offset)
                offset += 1
                if bufferFull {
                    if offset < messages.count { dropRemaining(from: offset, bufferFull: true) }
                    return
                }
            } else {
                sendErrors += messages[offset].segments   // EPERM, EACCES, unreachable…: drop this one
                offset += 1
            }
            if failedCalls >= Self.maxFailedCalls, offset < messages.count {
                dropRemaining(from: offset, bufferFull: false)
                return
            }
        }
    }

    /// EAGAIN/EWOULDBLOCK or ENOBUFS: the socket (or device) queue is full.
    static func isBufferFull(_ code: Int32) -> Bool {
        code == EAGAIN || code == EWOULDBLOCK || code == ENOBUFS
    }

    /// Counts every datagram of the messages from `offset` on as dropped.
    private func dropRemaining(from offset: Int, bufferFull: Bool) {
        let dropped = messages[offset...].reduce(0) { $0 + $1.segments }
        sendErrors += dropped
        if bufferFull { bufferFullDrops += dropped }
    }

    /// The socket is closing: nothing more is sent.
    func close() {
        isClosed = true
        messages.removeAll(keepingCapacity: true)
        destinations.removeAll(keepingCapacity: true)
        used = 0
    }

    private func prepareHeader(_ index: Int) {
        let message = messages[index]
        vectors[index] = iovec(iov_base: arena + message.offset, iov_len: message.length)
        names[index] = destinations[index].storage
        var header = msghdr()
        header.msg_name = UnsafeMutableRawPointer(names + index)
        header.msg_namelen = destinations[index].length
        header.msg_iov = vectors + index
        header.msg_iovlen = 1
        if message.segments > 1 {
            let control = controls + index * Self.controlBytes
            control.initializeMemory(as: UInt8.self, repeating: 0, count: Self.controlBytes)
            control.storeBytes(of: 18, toByteOffset: 0, as: Int.self)                           // CMSG_LEN(2)
            control.storeBytes(of: Int32(IPPROTO_UDP), toByteOffset: 8, as: Int32.self)      // cmsg_level SOL_UDP
            control.storeBytes(of: Self.udpSegmentOption, toByteOffset: 12, as: Int32.self)  // cmsg_type
            control.storeBytes(of: UInt16(message.segmentSize), toByteOffset: 16, as: UInt16.self)
            header.msg_control = control
            header.msg_controllen = Self.controlBytes
        }
        headers[index] = rtc_mmsghdr(msg_hdr: header, msg_len: 0)
    }

    /// Sends `message`'s datagrams one by one; returns true when the buffer filled up (the
    /// message's remaining datagrams are then counted as dropped).
    private func sendSegmentsSeparately(_ message: Message, index: Int) -> Bool {
        var start = message.offset
        let end = message.offset + message.length
        while start < end {
            let length = min(message.segmentSize, end - start)
            var vector = iovec(iov_base: arena + start, iov_len: length)
            var header = msghdr()
            header.msg_name = UnsafeMutableRawPointer(names + index)
            header.msg_namelen = destinations[index].length
            let failure: Int32? = withUnsafeMutablePointer(to: &vector) { vectorPointer in
                header.msg_iov = vectorPointer
                header.msg_iovlen = 1
                systemCalls += 1
                return sendmsg(fd, &header, Int32(MSG_DONTWAIT)) >= 0 ? nil : errno
            }
            start += length
            guard let failure else {
                datagramsSent += 1
                continue
            }
            sendErrors += 1
            if Self.isBufferFull(failure) {
                let remaining = (end - start + message.segmentSize - 1) / message.segmentSize
                sendErrors += remaining
                bufferFullDrops += 1 + remaining
                return true
            }
        }
        return false
    }
}
