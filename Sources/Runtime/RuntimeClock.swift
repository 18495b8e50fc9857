import Foundation
import NIOCore
import RTCBase

/// The runtime's clocks: the only place where RTCBridge reads time. Engines get `Instant`s.
public enum RuntimeClock {
    /// Monotonic now, on the same scale as `NIODeadline`.
    public static func now() -> Instant { Instant(nanoseconds: NIODeadline.now().uptimeNanoseconds) }

    public static func deadline(_ instant: Instant) -> NIODeadline {
        instant == .distantFuture ? .distantFuture : .uptimeNanoseconds(instant.nanoseconds)
    }

    /// Pairs the monotonic clock with wall-clock time (for RTCP NTP timestamps).
    public static func wallClockAnchor() -> (instant: Instant, unixSeconds: Double) {
        (now(), Date().timeIntervalSince1970)
    }
}

extension TransportAddress {
    /// Converts a NIO socket address without going through text.
    public init?(_ address: SocketAddress) {
        switch address {
        case .v4(let v4):
            let raw = v4.address.sin_addr.s_addr   // network order in memory
            let ip = withUnsafeBytes(of: raw) { Array($0) }
            self.init(ip: ip, port: UInt16(bigEndian: v4.address.sin_port))
        case .v6(let v6):
            var addr = v6.address.sin6_addr
            let ip = withUnsafeBytes(of: &addr) { Array($0) }
            self.init(ip: ip, port: UInt16(bigEndian: v6.address.sin6_port))
        default:
            return nil
        }
    }

    /// The NIO socket address for sending.
    public var socketAddress: SocketAddress? {
        try? SocketAddress(ipAddress: host, port: Int(port))
    }
}
