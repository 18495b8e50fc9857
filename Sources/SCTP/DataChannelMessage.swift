/// The Data Channel Establishment Protocol's two messages (RFC 8832 §5), carried on the data
/// channel's own stream with PPID 50.
public enum DataChannelMessage: Sendable, Equatable {
    case open(DataChannelOpen)
    case ack

    /// RFC 8831 §8: payload protocol identifiers of WebRTC data channels.
    public enum PPID {
        public static let dcep: UInt32 = 50
        public static let string: UInt32 = 51
        public static let binary: UInt32 = 53
        public static let emptyString: UInt32 = 56
        public static let emptyBinary: UInt32 = 57
    }

    static let openType: UInt8 = 0x03
    static let ackType: UInt8 = 0x02

    public enum ParseError: Error, Sendable, Equatable {
        case empty
        case unknownType(UInt8)
        case truncated
        case unknownChannelType(UInt8)
        case invalidUTF8
        case tooLong(field: String, limit: Int)
    }

    /// Label and protocol longer than `maxFieldLength` bytes are refused (the wire allows 65,535).
    public init(parsing bytes: [UInt8], maxFieldLength: Int = 1_024) throws(ParseError) {
        guard let type = bytes.first else { throw .empty }
        switch type {
        case Self.ackType:
            self = .ack
        case Self.openType:
            // type(1) channel type(1) priority(2) reliability parameter(4) label length(2) protocol length(2)
            guard bytes.count >= 12 else { throw .truncated }
            guard let channelType = DataChannelOpen.ChannelType(rawValue: bytes[1]) else {
                throw .unknownChannelType(bytes[1])
            }
            let priority = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            let parameter = UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
            let labelLength = Int(bytes[8]) << 8 | Int(bytes[9])
            let protocolLength = Int(bytes[10]) << 8 | Int(bytes[11])
            guard labelLength <= maxFieldLength else { throw .tooLong(field: "label", limit: maxFieldLength) }
            guard protocolLength <= maxFieldLength else { throw .tooLong(field: "protocol", limit: maxFieldLength) }
            guard bytes.count >= 12 + labelLength + protocolLength else { throw .truncated }
            guard let label = String(validating: bytes[12..<(12 + labelLength)], as: UTF8.self),
                  let name = String(validating: bytes[(12 + labelLength)..<(12 + labelLength + protocolLength)], as: UTF8.self)
            else { throw .invalidUTF8 }
            self = .open(DataChannelOpen(channelType: channelType, priority: priority, reliabilityParameter: parameter,
                                         label: label, protocol: name))
        default:
            throw .unknownType(type)
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .ack:
            return [Self.ackType]
        case .open(let open):
            let label = Array(open.label.utf8.prefix(Int(UInt16.max)))
            let name = Array(open.protocol.utf8.prefix(Int(UInt16.max)))
            let parameter = open.reliabilityParameter
            var bytes: [UInt8] = [Self.openType, open.channelType.rawValue, UInt8(open.priority >> 8), UInt8(open.priority & 0xFF),
                                  UInt8(parameter >> 24), UInt8(parameter >> 16 & 0xFF), UInt8(parameter >> 8 & 0xFF),
                                  UInt8(parameter & 0xFF), UInt8(label.count >> 8), UInt8(label.count & 0xFF),
                                  UInt8(name.count >> 8), UInt8(name.count & 0xFF)]
            bytes += label
            bytes += name
            return bytes
        }
    }
}

/// DATA_CHANNEL_OPEN (RFC 8832 §5.1).
public struct DataChannelOpen: Sendable, Equatable {
    /// Ordered or not, and how reliable (RFC 8832 §5.1): the high bit means unordered.
    public enum ChannelType: UInt8, Sendable {
        case reliable = 0x00
        case partialReliableRexmit = 0x01
        case partialReliableTimed = 0x02
        case reliableUnordered = 0x80
        case partialReliableRexmitUnordered = 0x81
        case partialReliableTimedUnordered = 0x82

        public var isOrdered: Bool { rawValue & 0x80 == 0 }
    }

    public var channelType: ChannelType
    public var priority: UInt16
    /// Retransmissions (rexmit types) or lifetime in milliseconds (timed types); 0 otherwise.
    public var reliabilityParameter: UInt32
    public var label: String
    public var `protocol`: String

    public init(channelType: ChannelType = .reliable, priority: UInt16 = 256, reliabilityParameter: UInt32 = 0,
                label: String, protocol: String = "") {
        self.channelType = channelType
        self.priority = priority
        self.reliabilityParameter = reliabilityParameter
        self.label = label
        self.protocol = `protocol`
    }

    /// The SCTP reliability this channel's messages are sent with.
    public var reliability: SCTPAssociation.Reliability {
        switch channelType {
        case .reliable, .reliableUnordered: .reliable
        case .partialReliableRexmit, .partialReliableRexmitUnordered: .maxRetransmits(reliabilityParameter)
        case .partialReliableTimed, .partialReliableTimedUnordered: .maxLifetime(milliseconds: reliabilityParameter)
        }
    }
}
