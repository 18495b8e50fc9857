#if canImport(Glibc)
import Glibc
#endif
import CUDPBatch
import NIOEmbedded
import RTCBase
@testable import Runtime
import Testing

/// The per-loop send batch over real loopback sockets: datagrams written in place arrive intact and
/// in order, one `sendmmsg` carries up to 1,024 of them (a full batch flushes by itself), the flush
/// runs once per loop tick, and a writer that declines or a closed batch sends nothing.
@Suite(.timeLimit(.minutes(1))) struct UDPSendBatchTests {
    /// A non-blocking UDP socket on 127.0.0.1 with an ephemeral port.
    static func socketOnLoopback() throws -> (fd: CInt, port: UInt16) {
        let fd = socket(AF_INET, Int32(RTC_SOCK_DGRAM) | Int32(RTC_SOCK_NONBLOCK), 0)
        try #require(fd >= 0)
        var size: Int32 = 8 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, 4)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// Everything queued on `fd` now (non-blocking reads).
    static func drain(_ fd: CInt) -> [[UInt8]] {
        var received: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<10_000 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard n >= 0 else { break }
            received.append(Array(buffer[0..<n]))
        }
        return received
    }

    /// A sender and a receiver on loopback, a batch on the sender's socket driven by an embedded
    /// loop, and the receiver as its destination; the sockets close with the fixture.
    final class Loopback {
        let sender: (fd: CInt, port: UInt16), receiver: (fd: CInt, port: UInt16)
        let loop = EmbeddedEventLoop()
        let batch: UDPSendBatch
        let destination: UDPDestination

        init(segmentation: Bool = true) throws {
            sender = try UDPSendBatchTests.socketOnLoopback()
            receiver = try UDPSendBatchTests.socketOnLoopback()
            batch = UDPSendBatch(fd: sender.fd, eventLoop: loop, segmentation: segmentation)
            destination = try #require(TransportAddress(host: "127.0.0.1", port: receiver.port).flatMap(UDPDestination.init))
        }

        deinit {
            close(sender.fd)
            close(receiver.fd)
        }
    }

    @Test func datagramsArriveInOrderInFewSystemCalls() throws {
        let net = try UDPSendBatchTests.Loopback()
        let (loop, batch, destination, receiver) = (net.loop, net.batch, net.destination, net.receiver)
        let count = 2_500   // more than two full batches of 1,024
        for i in 0..<count {
            let length = 20 + i % 1200
            batch.append(to: destination, maximumLength: length + 144) { buffer in
                buffer.storeBytes(of: UInt32(i).bigEndian, toByteOffset: 0, as: UInt32.self)
                for j in 4..<length { buffer[j] = UInt8(truncatingIfNeeded: i &+ j) }
                return length
            }
            if i % 700 == 699 { _ = Self.drain(receiver.fd) }   // keep the receive buffer from overflowing
        }
        #expect(batch.systemCalls == 2)   // two full batches flushed by themselves
        loop.run()                         // the end-of-tick flush sends the rest
        #expect(batch.systemCalls == 3)
        #expect(batch.datagramsSent == count)
        #expect(batch.sendErrors == 0)
        loop.run()
        #expect(batch.systemCalls == 3)   // nothing queued: no empty sendmmsg
    }

    @Test func contentAndOrderSurviveTheBatch() throws {
        let net = try UDPSendBatchTests.Loopback()
        let (loop, batch, destination, receiver) = (net.loop, net.batch, net.destination, net.receiver)
        let payloads = (0..<300).map { i in (0..<(1 + i * 4)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) } }
        for payload in payloads { batch.append(payload, to: destination) }
        // A writer that declines (the session is not connected yet) queues nothing.
        batch.append(to: destination, maximumLength: 100) { _ in nil }
        loop.run()
        #expect(Self.drain(receiver.fd) == payloads)
        #expect(batch.datagramsSent == payloads.count)
    }

    @Test func aRefusedDatagramIsCountedAndTheOthersGoOut() throws {
        let sender = try Self.socketOnLoopback(), receiver = try Self.socketOnLoopback()
        defer { close(sender.fd); close(receiver.fd) }
        let loop = EmbeddedEventLoop()
        let batch = UDPSendBatch(fd: sender.fd, eventLoop: loop)
        let good = try #require(TransportAddress(host: "127.0.0.1", port: receiver.port).flatMap(UDPDestination.init))
        // Broadcast without SO_BROADCAST: the kernel refuses it (EACCES).
        let refused = try #require(TransportAddress(host: "255.255.255.255", port: 9).flatMap(UDPDestination.init))
        batch.append([1], to: good)
        batch.append([2, 2], to: refused)
        batch.append([3, 3, 3], to: good)
        loop.run()
        #expect(batch.sendErrors == 1 && batch.datagramsSent == 2)
        #expect(Self.drain(receiver.fd) == [[1], [3, 3, 3]])
    }

    @Test func aClosedBatchSendsNothing() throws {
        let net = try UDPSendBatchTests.Loopback()
        let (loop, batch, destination, receiver) = (net.loop, net.batch, net.destination, net.receiver)
        batch.append([1, 2, 3], to: destination)
        batch.close()
        batch.append([4, 5, 6], to: destination)
        loop.run()
        #expect(Self.drain(receiver.fd).isEmpty)
        #expect(batch.systemCalls == 0)
    }
}

/// A full socket buffer (EAGAIN/ENOBUFS, played through the batch's send seam: loopback sockets
/// never report it) ends the flush after one failing call, with every remaining datagram counted;
/// other refusals are bounded to `maxFailedCalls` failing calls per flush.
@Suite(.timeLimit(.minutes(1))) struct UDPSendBatchBufferFullTests {
    @Test func aFullBufferEndsTheFlushAndCountsTheRestInOneStep() throws {
        let net = try UDPSendBatchTests.Loopback(segmentation: false)
        let (loop, batch, destination, receiver) = (net.loop, net.batch, net.destination, net.receiver)
        var calls = 0
        batch.sendMessages = { fd, headers, count in
            calls += 1
            if calls == 1 { return rtc_sendmmsg(fd, headers, min(count, 3), Int32(MSG_DONTWAIT)) }   // the kernel took 3
            errno = calls == 2 ? EAGAIN : ENOBUFS
            return -1
        }
        let payloads = (0..<1000).map { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
        for payload in payloads { batch.append(payload, to: destination) }
        loop.run()
        #expect(calls == 2 && batch.systemCalls == 2)   // not one call per remaining datagram
        #expect(batch.datagramsSent == 3)
        #expect(batch.sendErrors == 997 && batch.bufferFullDrops == 997)
        #expect(UDPSendBatchTests.drain(receiver.fd) == Array(payloads[0..<3]))
        // ENOBUFS on the first call of the next flush: the whole batch, one call.
        for payload in payloads.prefix(10) { batch.append(payload, to: destination) }
        loop.run()
        #expect(calls == 3 && batch.sendErrors == 1007 && batch.bufferFullDrops == 1007)
        // The buffer drains: the next flush sends again.
        batch.sendMessages = { fd, headers, count in rtc_sendmmsg(fd, headers, count, Int32(MSG_DONTWAIT)) }
        for payload in payloads.prefix(5) { batch.append(payload, to: destination) }
        loop.run()
        #expect(batch.datagramsSent == 8 && batch.sendErrors == 1007)
        #expect(UDPSendBatchTests.drain(receiver.fd) == Array(payloads.prefix(5)))
    }

    @Test func segmentedMessagesCountEveryDatagramTheyCarry() throws {
        let net = try UDPSendBatchTests.Loopback()
        try #require(UDPSendBatch.supportsSegmentation(net.sender.fd), "this kernel has no UDP_SEGMENT")
        let (loop, batch, destination) = (net.loop, net.batch, net.destination)
        batch.sendMessages = { _, _, _ in errno = EAGAIN; return -1 }
        for i in 0..<5 { batch.append([UInt8](repeating: UInt8(i), count: 100), to: destination) }   // one GSO message
        batch.append([9], to: destination)                                                          // and one more
        loop.run()
        #expect(batch.systemCalls == 1 && batch.sendErrors == 6 && batch.bufferFullDrops == 6)
    }

    @Test func theSendBufferIsRaisedAndWhatTheKernelGrantedIsReported() throws {
        let socket = try UDPSendBatchTests.socketOnLoopback()
        defer { close(socket.fd) }
        let granted = WebRTCSocket.setSendBuffer(socket.fd, bytes: 4 << 20)
        var value: Int32 = 0
        var length = socklen_t(4)
        #expect(getsockopt(socket.fd, SOL_SOCKET, SO_SNDBUF, &value, &length) == 0 && Int(value) == granted)
        // As root SO_SNDBUFFORCE passes net.core.wmem_max (CI runs as root); otherwise the kernel's cap holds.
        if getuid() == 0 { #expect(granted >= 4 << 20, "\(granted)") } else { #expect(granted > 0) }
    }

    @Test func otherRefusalsStopAfterTheFailedCallBudget() throws {
        let net = try UDPSendBatchTests.Loopback(segmentation: false)
        let (loop, batch, destination, receiver) = (net.loop, net.batch, net.destination, net.receiver)
        batch.sendMessages = { _, _, _ in errno = EPERM; return -1 }
        // At the budget: every message gets its own try.
        for i in 0..<UDPSendBatch.maxFailedCalls { batch.append([UInt8(i)], to: destination) }
        loop.run()
        #expect(batch.systemCalls == UDPSendBatch.maxFailedCalls && batch.sendErrors == UDPSendBatch.maxFailedCalls)
        // One past it, and far past it: still at most the budget of calls; the rest is counted.
        for count in [UDPSendBatch.maxFailedCalls + 1, 500] {
            let calls = batch.systemCalls, errors = batch.sendErrors
            for i in 0..<count { batch.append([UInt8(truncatingIfNeeded: i)], to: destination) }
            loop.run()
            #expect(batch.systemCalls - calls == UDPSendBatch.maxFailedCalls)
            #expect(batch.sendErrors - errors == count)
        }
        #expect(batch.bufferFullDrops == 0 && batch.datagramsSent == 0)
        // EINTR is retried, within the same budget.
        var calls = 0
        batch.sendMessages = { fd, headers, count in
            calls += 1
            if calls == 1 { errno = EINTR; return -1 }
            return rtc_sendmmsg(fd, headers, count, Int32(MSG_DONTWAIT))
        }
        batch.append([1, 2], to: destination)
        loop.run()
        #expect(batch.datagramsSent == 1 && calls == 2)
        #expect(UDPSendBatchTests.drain(receiver.fd) == [[1, 2]])
    }
}

/// UDP GSO in the batch: a run of same-size datagrams to one destination leaves as one message,
/// yet arrives as separate datagrams; a shorter datagram ends the run; another destination or a
/// batch without segmentation keeps datagrams apart.
@Suite(.timeLimit(.minutes(1))) struct UDPSendBatchSegmentationTests {
    @Test func sameSizeRunsLeaveAsOneMessageAndArriveSeparately() throws {
        let sender = try UDPSendBatchTests.socketOnLoopback(), receiver = try UDPSendBatchTests.socketOnLoopback()
        let other = try UDPSendBatchTests.socketOnLoopback()
        defer { close(sender.fd); close(receiver.fd); close(other.fd) }
        try #require(UDPSendBatch.supportsSegmentation(sender.fd), "this kernel has no UDP_SEGMENT")
        let loop = EmbeddedEventLoop()
        let batch = UDPSendBatch(fd: sender.fd, eventLoop: loop)
        #expect(batch.segmentationEnabled)
        let toReceiver = try #require(TransportAddress(host: "127.0.0.1", port: receiver.port).flatMap(UDPDestination.init))
        let toOther = try #require(TransportAddress(host: "127.0.0.1", port: other.port).flatMap(UDPDestination.init))
        // A frame: 6 full packets and a short last one, then audio, then another viewer's frame.
        var expected: [[UInt8]] = []
        for i in 0..<7 {
            let datagram = [UInt8](repeating: UInt8(i), count: i == 6 ? 300 : 1228)
            expected.append(datagram)
            batch.append(datagram, to: toReceiver)
        }
        let audio = [UInt8](repeating: 0xA0, count: 1228)   // same size, but after a short one: new message
        batch.append(audio, to: toReceiver)
        expected.append(audio)
        let otherFrame = (0..<3).map { [UInt8](repeating: UInt8(0xB0 + $0), count: 1228) }
        for datagram in otherFrame { batch.append(datagram, to: toOther) }
        loop.run()
        #expect(batch.systemCalls == 1)
        #expect(batch.datagramsSent == 11)
        #expect(UDPSendBatchTests.drain(receiver.fd) == expected)
        #expect(UDPSendBatchTests.drain(other.fd) == otherFrame)
    }

    @Test func withoutSegmentationEveryDatagramIsItsOwnMessage() throws {
        let sender = try UDPSendBatchTests.socketOnLoopback(), receiver = try UDPSendBatchTests.socketOnLoopback()
        defer { close(sender.fd); close(receiver.fd) }
        let loop = EmbeddedEventLoop()
        let batch = UDPSendBatch(fd: sender.fd, eventLoop: loop, segmentation: false)
        #expect(!batch.segmentationEnabled)
        let destination = try #require(TransportAddress(host: "127.0.0.1", port: receiver.port).flatMap(UDPDestination.init))
        let datagrams = (0..<100).map { [UInt8](repeating: UInt8($0), count: 1000) }
        for datagram in datagrams { batch.append(datagram, to: destination) }
        loop.run()
        #expect(UDPSendBatchTests.drain(receiver.fd) == datagrams)
        #expect(batch.datagramsSent == 100 && batch.systemCalls == 1)
    }

    @Test func runsStopAtTheSegmentCap() throws {
        let net = try UDPSendBatchTests.Loopback()
        try #require(UDPSendBatch.supportsSegmentation(net.sender.fd), "this kernel has no UDP_SEGMENT")
        let (loop, batch, destination, receiver) = (net.loop, net.batch, net.destination, net.receiver)
        // 64 segments of 900 bytes (the cap), then one more: 65 datagrams, all delivered.
        let datagrams = (0..<(UDPSendBatch.maxSegments + 1)).map { [UInt8](repeating: UInt8($0), count: 900) }
        for datagram in datagrams { batch.append(datagram, to: destination) }
        loop.run()
        #expect(UDPSendBatchTests.drain(receiver.fd) == datagrams)
        #expect(batch.datagramsSent == datagrams.count)
        #expect(batch.sendErrors == 0)
    }
}

/// When the kernel refuses a segmented message (here: a socket with SO_NO_CHECK, on which Linux
/// rejects UDP GSO with EINVAL, as a device without checksum offload gives EIO), the batch turns
/// segmentation off for good and sends that message's datagrams one by one: nothing is lost.
@Suite(.timeLimit(.minutes(1))) struct UDPSendBatchFallbackTests {
    @Test func refusedSegmentationFallsBackToSingleDatagrams() throws {
        let sender = try UDPSendBatchTests.socketOnLoopback(), receiver = try UDPSendBatchTests.socketOnLoopback()
        defer { close(sender.fd); close(receiver.fd) }
        try #require(UDPSendBatch.supportsSegmentation(sender.fd), "this kernel has no UDP_SEGMENT")
        var one: Int32 = 1
        try #require(setsockopt(sender.fd, SOL_SOCKET, SO_NO_CHECK, &one, 4) == 0)
        let loop = EmbeddedEventLoop()
        let batch = UDPSendBatch(fd: sender.fd, eventLoop: loop)
        #expect(batch.segmentationEnabled)
        let destination = try #require(TransportAddress(host: "127.0.0.1", port: receiver.port).flatMap(UDPDestination.init))
        let frame = (0..<6).map { [UInt8](repeating: UInt8($0), count: 1228) } + [[UInt8](repeating: 9, count: 300)]
        for datagram in frame { batch.append(datagram, to: destination) }
        loop.run()
        #expect(!batch.segmentationEnabled)
        #expect(batch.datagramsSent == frame.count && batch.sendErrors == 0)
        #expect(UDPSendBatchTests.drain(receiver.fd) == frame)
        // Later runs are not coalesced any more.
        for datagram in frame { batch.append(datagram, to: destination) }
        loop.run()
        #expect(UDPSendBatchTests.drain(receiver.fd) == frame)
    }
}
