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

    @Test func datagramsArriveInOrderInFewSystemCalls() throws {
        let sender = try Self.socketOnLoopback(), receiver = try Self.socketOnLoopback()
        defer { close(sender.fd); close(receiver.fd) }
        let loop = EmbeddedEventLoop()
        let batch = UDPSendBatch(fd: sender.fd, eventLoop: loop)
        let destination = try #require(TransportAddress(host: "127.0.0.1", port: receiver.port).flatMap(UDPDestination.init))
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
        let sender = try Self.socketOnLoopback(), receiver = try Self.socketOnLoopback()
        defer { close(sender.fd); close(receiver.fd) }
        let loop = EmbeddedEventLoop()
        let batch = UDPSendBatch(fd: sender.fd, eventLoop: loop)
        let destination = try #require(TransportAddress(host: "127.0.0.1", port: receiver.port).flatMap(UDPDestination.init))
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
        let sender = try Self.socketOnLoopback(), receiver = try Self.socketOnLoopback()
        defer { close(sender.fd); close(receiver.fd) }
        let loop = EmbeddedEventLoop()
        let batch = UDPSendBatch(fd: sender.fd, eventLoop: loop)
        let destination = try #require(TransportAddress(host: "127.0.0.1", port: receiver.port).flatMap(UDPDestination.init))
        batch.append([1, 2, 3], to: destination)
        batch.close()
        batch.append([4, 5, 6], to: destination)
        loop.run()
        #expect(Self.drain(receiver.fd).isEmpty)
        #expect(batch.systemCalls == 0)
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
        let sender = try UDPSendBatchTests.socketOnLoopback(), receiver = try UDPSendBatchTests.socketOnLoopback()
        defer { close(sender.fd); close(receiver.fd) }
        try #require(UDPSendBatch.supportsSegmentation(sender.fd), "this kernel has no UDP_SEGMENT")
        let loop = EmbeddedEventLoop()
        let batch = UDPSendBatch(fd: sender.fd, eventLoop: loop)
        let destination = try #require(TransportAddress(host: "127.0.0.1", port: receiver.port).flatMap(UDPDestination.init))
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
