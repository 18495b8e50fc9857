import RTCBase

/// A STUN message (RFC 8489 §5–§6): type, transaction id and attributes in wire order.
///
/// Parse with `init(parsing:limits:)`, serialize with `encoded(integrityKey:addFingerprint:paddingByte:)`.
/// MESSAGE-INTEGRITY and FINGERPRINT are verified over the original bytes with
/// `STUNMessage.verifyMessageIntegrity(_:key:)` and `STUNMessage.verifyFingerprint(_:)`.
public struct STUNMessage: Sendable, Hashable {
    public var type: STUNMessageType
    public var transactionID: STUNTransactionID
    /// Attributes in order. After parsing, attributes that followed MESSAGE-INTEGRITY (other than
    /// MESSAGE-INTEGRITY-SHA256 and FINGERPRINT) are absent: RFC 8489 §14.5 says to ignore them.
    public var attributes: [STUNAttribute]

    public init(type: STUNMessageType, transactionID: STUNTransactionID, attributes: [STUNAttribute] = []) {
        self.type = type
        self.transactionID = transactionID
        self.attributes = attributes
    }

    /// The first attribute of `type`, if any.
    public func first(_ type: STUNAttributeType) -> STUNAttribute? {
        attributes.first { $0.type == type }
    }

    public var username: String? {
        for case .username(let value) in attributes { return value }
        return nil
    }

    public var software: String? {
        for case .software(let value) in attributes { return value }
        return nil
    }

    public var mappedAddress: TransportAddress? {
        for case .mappedAddress(let value) in attributes { return value }
        return nil
    }

    public var xorMappedAddress: TransportAddress? {
        for case .xorMappedAddress(let value) in attributes { return value }
        return nil
    }

    public var errorCode: STUNErrorCode? {
        for case .errorCode(let value) in attributes { return value }
        return nil
    }

    public var priority: UInt32? {
        for case .priority(let value) in attributes { return value }
        return nil
    }

    public var hasUseCandidate: Bool { attributes.contains(.useCandidate) }

    public var iceControlling: UInt64? {
        for case .iceControlling(let value) in attributes { return value }
        return nil
    }

    public var iceControlled: UInt64? {
        for case .iceControlled(let value) in attributes { return value }
        return nil
    }

    public var realm: String? {
        for case .realm(let value) in attributes { return value }
        return nil
    }

    public var nonce: String? {
        for case .nonce(let value) in attributes { return value }
        return nil
    }

    public var lifetime: UInt32? {
        for case .lifetime(let value) in attributes { return value }
        return nil
    }

    public var channelNumber: UInt16? {
        for case .channelNumber(let value) in attributes { return value }
        return nil
    }

    public var xorPeerAddress: TransportAddress? {
        for case .xorPeerAddress(let value) in attributes { return value }
        return nil
    }

    public var xorRelayedAddress: TransportAddress? {
        for case .xorRelayedAddress(let value) in attributes { return value }
        return nil
    }

    public var data: [UInt8]? {
        for case .data(let value) in attributes { return value }
        return nil
    }

    public var messageIntegrity: [UInt8]? {
        for case .messageIntegrity(let value) in attributes { return value }
        return nil
    }

    public var fingerprint: UInt32? {
        for case .fingerprint(let value) in attributes { return value }
        return nil
    }

    /// Comprehension-required attribute types (0x0000–0x7FFF) this module does not understand:
    /// what a server lists in a 420 response's UNKNOWN-ATTRIBUTES (RFC 8489 §6.3.1.1).
    public var unknownComprehensionRequiredTypes: [UInt16] {
        var result: [UInt16] = []
        for case .other(let type, _) in attributes where type < 0x8000 && !result.contains(type) {
            result.append(type)
        }
        return result
    }
}
