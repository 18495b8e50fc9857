/// The class of a STUN message (RFC 8489 §5): two bits spread through the message type.
public enum STUNClass: UInt8, Sendable, Hashable, CaseIterable {
    case request = 0b00
    case indication = 0b01
    case successResponse = 0b10
    case errorResponse = 0b11
}

/// A STUN method (RFC 8489 §5, §18.2): 12 bits.
public struct STUNMethod: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The 12-bit method number; higher bits are masked off.
    public let rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0fff }

    /// Binding (RFC 8489 §18.2), the only method ICE uses.
    public static let binding = STUNMethod(rawValue: 0x001)
    /// TURN methods (RFC 8656 §17).
    public static let allocate = STUNMethod(rawValue: 0x003)
    public static let refresh = STUNMethod(rawValue: 0x004)
    public static let send = STUNMethod(rawValue: 0x006)
    public static let data = STUNMethod(rawValue: 0x007)
    public static let createPermission = STUNMethod(rawValue: 0x008)
    public static let channelBind = STUNMethod(rawValue: 0x009)

    public var description: String {
        switch self {
        case .binding: "Binding"
        case .allocate: "Allocate"
        case .refresh: "Refresh"
        case .send: "Send"
        case .data: "Data"
        case .createPermission: "CreatePermission"
        case .channelBind: "ChannelBind"
        default: "method 0x\(String(rawValue, radix: 16))"
        }
    }
}

/// The 14-bit STUN message type: method bits M0–M11 interleaved with class bits C0 and C1
/// as `M11..M7 C1 M6..M4 C0 M3..M0` (RFC 8489 §5, figure 3).
public struct STUNMessageType: Sendable, Hashable, CustomStringConvertible {
    public var method: STUNMethod
    public var messageClass: STUNClass

    public init(method: STUNMethod, messageClass: STUNClass) {
        self.method = method
        self.messageClass = messageClass
    }

    /// Decodes the type field; the two most significant bits must already be known to be zero.
    public init(rawValue: UInt16) {
        let m = (rawValue & 0x000f) | ((rawValue & 0x00e0) >> 1) | ((rawValue & 0x3e00) >> 2)
        let c = UInt8(truncatingIfNeeded: ((rawValue & 0x0010) >> 4) | ((rawValue & 0x0100) >> 7))
        self.method = STUNMethod(rawValue: m)
        self.messageClass = STUNClass(rawValue: c & 0b11) ?? .request
    }

    /// The 14-bit wire value.
    public var rawValue: UInt16 {
        let m = method.rawValue
        let c = UInt16(messageClass.rawValue)
        return (m & 0x000f) | ((m & 0x0070) << 1) | ((m & 0x0f80) << 2) | ((c & 0b01) << 4) | ((c & 0b10) << 7)
    }

    public static let bindingRequest = STUNMessageType(method: .binding, messageClass: .request)
    public static let bindingIndication = STUNMessageType(method: .binding, messageClass: .indication)
    public static let bindingSuccess = STUNMessageType(method: .binding, messageClass: .successResponse)
    public static let bindingError = STUNMessageType(method: .binding, messageClass: .errorResponse)

    public var description: String { "\(method) \(messageClass)" }
}
