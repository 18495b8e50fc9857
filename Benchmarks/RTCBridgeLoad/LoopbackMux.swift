#if canImport(Glibc)
import Glibc
#endif
import CUDPBatch
import RTCBase

/// One UDP socket on 0.0.0.0:port standing in for many viewers: each viewer has its own loopback
/// address (127.x.y.z, all local on Linux), datagrams leave from it via IP_PKTINFO and arrive
/// tagged with it, so the gateway sees N distinct peers while the load generator pays for one
/// socket and batched `recvmmsg` reads.
///
/// UDP_GRO is on: when the gateway sends a run of datagrams as one GSO message, the kernel hands
/// it over whole (with its segment size) and this type splits it. On loopback the receiver's
/// kernel work is charged to the sender; with GRO the gateway's CPU figure covers its own send
/// path, as it would with viewers on other machines.
final class LoopbackMux {
    let fd: Int32
    let port: UInt16
    private let batch = 64
    private let slotSize = 65_536
    private let controlSize = 64
    private let buffers: UnsafeMutableRawPointer
    private let controls: UnsafeMutableRawPointer
    private let names: UnsafeMutablePointer<sockaddr_in>
    private let iovecs: UnsafeMutablePointer<iovec>
    private let headers: UnsafeMutablePointer<rtc_mmsghdr>

    init(port: UInt16) throws {
        let fd = socket(AF_INET, Int32(RTC_SOCK_DGRAM), 0)
        guard fd >= 0 else { throw LoadError("socket: errno \(errno)") }
        self.fd = fd
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_IP), IP_PKTINFO, &one, 4)
        setsockopt(fd, Int32(IPPROTO_UDP), Self.udpGRO, &one, 4)
        var size: Int32 = 64 << 20
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, 4) != 0 { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, 4) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { Glibc.close(fd); throw LoadError("bind :\(port): errno \(errno)") }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = UInt16(bigEndian: actual.sin_port)
        buffers = .allocate(byteCount: batch * slotSize, alignment: 16)
        controls = .allocate(byteCount: batch * controlSize, alignment: 16)
        names = .allocate(capacity: batch)
        iovecs = .allocate(capacity: batch)
        headers = .allocate(capacity: batch)
    }

    deinit {
        close(fd)
        buffers.deallocate(); controls.deallocate(); names.deallocate(); iovecs.deallocate(); headers.deallocate()
    }

    /// Sends `bytes` from the viewer address `from` (its IP is used as the source) to `to`.
    func send(_ bytes: [UInt8], from: TransportAddress, to: TransportAddress) {
        var destination = Self.socketAddress(to)
        var control = [UInt8](repeating: 0, count: 32)   // cmsghdr (16) + in_pktinfo (12), padded
        control.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: 28, toByteOffset: 0, as: Int.self)                      // cmsg_len
            raw.storeBytes(of: Int32(IPPROTO_IP), toByteOffset: 8, as: Int32.self)   // cmsg_level
            raw.storeBytes(of: Int32(IP_PKTINFO), toByteOffset: 12, as: Int32.self)  // cmsg_type
            raw.storeBytes(of: Self.socketAddress(from).sin_addr.s_addr, toByteOffset: 20, as: UInt32.self)  // ipi_spec_dst
        }
        var bytes = bytes
        bytes.withUnsafeMutableBytes { payload in
            control.withUnsafeMutableBytes { controlBytes in
                withUnsafeMutablePointer(to: &destination) { name in
                    var vector = iovec(iov_base: payload.baseAddress, iov_len: payload.count)
                    withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var message = msghdr()
                        message.msg_name = UnsafeMutableRawPointer(name)
                        message.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        message.msg_control = controlBytes.baseAddress
                        message.msg_controllen = 32
                        _ = sendmsg(fd, &message, Int32(MSG_DONTWAIT))
                    }
                }
            }
        }
    }

    /// `UDP_GRO` from <linux/udp.h>: socket option and control message type.
    static let udpGRO: Int32 = 104

    /// Waits up to `timeoutMilliseconds` for datagrams, then reads what is queued (at most
    /// `maxBatches` recvmmsg calls) and hands each datagram to `handle(localIP, bytes)`; the
    /// local IP (which viewer) is all the load generator needs to route it.
    func receive(timeoutMilliseconds: Int32, maxBatches: Int = 32,
                 _ handle: (_ localIP: UInt32, _ bytes: UnsafeMutableRawBufferPointer) -> Void) {
        var pollDescriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pollDescriptor, 1, timeoutMilliseconds) > 0 else { return }
        for _ in 0..<maxBatches {
            for i in 0..<batch {
                iovecs[i] = iovec(iov_base: buffers + i * slotSize, iov_len: slotSize)
                var header = msghdr()
                header.msg_name = UnsafeMutableRawPointer(names + i)
                header.msg_namelen = socklen_t(MemoryLayout<sockaddr_in>.size)
                header.msg_iov = iovecs + i
                header.msg_iovlen = 1
                header.msg_control = controls + i * controlSize
                header.msg_controllen = controlSize
                headers[i] = rtc_mmsghdr(msg_hdr: header, msg_len: 0)
            }
            let count = rtc_recvmmsg(fd, headers, UInt32(batch), Int32(MSG_DONTWAIT))
            guard count > 0 else { return }
            for i in 0..<Int(count) {
                let length = Int(headers[i].msg_len)
                let control = Self.control(controls + i * controlSize, length: Int(headers[i].msg_hdr.msg_controllen))
                guard let local = control.destination else { continue }
                // A coalesced run: segments of `segmentSize` bytes, the last one possibly shorter.
                let segment = control.segmentSize ?? length
                var start = 0
                while start < length, segment > 0 {
                    let size = min(segment, length - start)
                    handle(local, UnsafeMutableRawBufferPointer(start: buffers + i * slotSize + start, count: size))
                    start += size
                }
            }
            if Int(count) < batch { return }
        }
    }

    /// From a message's control data: its destination address (`in_pktinfo.ipi_addr`, network
    /// order) and, for a coalesced run, the segment size (UDP_GRO).
    private static func control(_ control: UnsafeMutableRawPointer, length: Int) -> (destination: UInt32?, segmentSize: Int?) {
        var result: (destination: UInt32?, segmentSize: Int?) = (nil, nil)
        var offset = 0
        while offset + 16 <= length {
            let cmsgLength = control.load(fromByteOffset: offset, as: Int.self)
            let level = control.load(fromByteOffset: offset + 8, as: Int32.self)
            let type = control.load(fromByteOffset: offset + 12, as: Int32.self)
            if level == Int32(IPPROTO_IP), type == Int32(IP_PKTINFO), cmsgLength >= 28 {
                result.destination = control.loadUnaligned(fromByteOffset: offset + 24, as: UInt32.self)
            } else if level == Int32(IPPROTO_UDP), type == udpGRO, cmsgLength >= 18 {
                let size = Int(control.loadUnaligned(fromByteOffset: offset + 16, as: UInt16.self))
                result.segmentSize = size > 0 ? size : nil
            }
            guard cmsgLength >= 16 else { break }
            offset += (cmsgLength + 7) & ~7
        }
        return result
    }

    static func socketAddress(_ address: TransportAddress) -> sockaddr_in {
        var result = sockaddr_in()
        result.sin_family = sa_family_t(AF_INET)
        result.sin_port = address.port.bigEndian
        var ip: UInt32 = 0
        _ = inet_pton(AF_INET, address.host, &ip)
        result.sin_addr.s_addr = ip
        return result
    }
}

struct LoadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
