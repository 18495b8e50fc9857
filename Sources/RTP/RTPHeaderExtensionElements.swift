/// The elements of an RTP header extension block in the RFC 8285 general mechanism: the
/// one-byte form (profile 0xBEDE, §4.2) and the two-byte form (profile 0x100X, §4.3).
public struct RTPHeaderExtensionElements: Sendable, Equatable {
    public struct Element: Sendable, Equatable {
        /// Local identifier negotiated with a=extmap (1–14 one-byte form, 1–255 two-byte form).
        public var id: UInt8
        public var data: [UInt8]
        public init(id: UInt8, data: [UInt8]) { self.id = id; self.data = data }
    }

    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case unsupportedProfile(UInt16)
        case truncatedElement(offset: Int)
        case tooManyElements(cap: Int)

        public var description: String {
            switch self {
            case .unsupportedProfile(let profile): "RTP header extension profile 0x\(String(profile, radix: 16)) is not RFC 8285"
            case .truncatedElement(let offset): "RTP header extension element at offset \(offset) runs past the block"
            case .tooManyElements(let cap): "RTP header extension has more than \(cap) elements"
            }
        }
    }

    public static let oneByteProfile: UInt16 = 0xBEDE
    /// The two-byte profile with its four "appbits" zero.
    public static let twoByteProfile: UInt16 = 0x1000
    /// Default cap on elements accepted from one packet.
    public static let defaultMaxElements = 32

    public var elements: [Element]

    public init(elements: [Element]) { self.elements = elements }

    /// Parses the elements of `headerExtension`, skipping padding bytes. In the one-byte form an
    /// element with ID 15 stops parsing (§4.2).
    public static func parse(_ headerExtension: RTPHeaderExtension,
                             maxElements: Int = defaultMaxElements) throws(ParseError) -> RTPHeaderExtensionElements {
        let isOneByte: Bool
        if headerExtension.profile == oneByteProfile {
            isOneByte = true
        } else if headerExtension.profile & 0xFFF0 == twoByteProfile {
            isOneByte = false
        } else {
            throw .unsupportedProfile(headerExtension.profile)
        }
        let data = headerExtension.data
        var elements: [Element] = []
        var index = 0
        while index < data.count {
            let first = data[index]
            if first == 0 { index += 1; continue }
            let id: UInt8
            let length: Int
            let headerSize: Int
            if isOneByte {
                id = first >> 4
                if id == 15 { break }
                length = Int(first & 0x0F) + 1
                headerSize = 1
            } else {
                guard index + 1 < data.count else { throw .truncatedElement(offset: index) }
                id = first
                length = Int(data[index + 1])
                headerSize = 2
            }
            let start = index + headerSize
            guard data.count - start >= length else { throw .truncatedElement(offset: index) }
            guard elements.count < maxElements else { throw .tooManyElements(cap: maxElements) }
            elements.append(Element(id: id, data: Array(data[start..<(start + length)])))
            index = start + length
        }
        return RTPHeaderExtensionElements(elements: elements)
    }

    /// The data of the first element with `id`.
    public subscript(id: UInt8) -> [UInt8]? {
        elements.first { $0.id == id }?.data
    }

    /// True when every element fits the one-byte form (ID 1–14, 1–16 bytes of data).
    public var fitsOneByteForm: Bool {
        elements.allSatisfy { (1...14).contains($0.id) && (1...16).contains($0.data.count) }
    }

    /// Serializes the elements, in the one-byte form when they all fit and `twoByte` is false,
    /// else in the two-byte form (with `appBits` in the profile's low nibble). Elements that fit
    /// neither form (ID 0, or more than 255 bytes) are left out. Zero bytes pad to 32 bits.
    public func serialized(twoByte: Bool = false, appBits: UInt8 = 0) -> RTPHeaderExtension {
        var out: [UInt8] = []
        let useOneByte = !twoByte && fitsOneByteForm
        for element in elements where element.id != 0 && element.data.count <= 255 {
            if useOneByte {
                out.append(element.id << 4 | UInt8(element.data.count - 1))
            } else {
                out.append(element.id)
                out.append(UInt8(element.data.count))
            }
            out.append(contentsOf: element.data)
        }
        out.append(contentsOf: repeatElement(0, count: (4 - out.count % 4) % 4))
        let profile = useOneByte ? Self.oneByteProfile : Self.twoByteProfile | UInt16(appBits & 0x0F)
        return RTPHeaderExtension(profile: profile, data: out)
    }

    /// Finds the first element with `id` without allocating (for per-packet reads such as the
    /// transport-wide sequence number). Nil when absent, malformed, or not an RFC 8285 profile.
    public static func element(id: UInt8, in headerExtension: RTPHeaderExtension) -> ArraySlice<UInt8>? {
        let isOneByte = headerExtension.profile == oneByteProfile
        guard isOneByte || headerExtension.profile & 0xFFF0 == twoByteProfile else { return nil }
        let data = headerExtension.data
        var index = 0
        while index < data.count {
            let first = data[index]
            if first == 0 { index += 1; continue }
            var elementID = first
            var length: Int
            var start = index + 1
            if isOneByte {
                elementID = first >> 4
                if elementID == 15 { return nil }
                length = Int(first & 0x0F) + 1
            } else {
                guard start < data.count else { return nil }
                length = Int(data[start])
                start += 1
            }
            guard data.count - start >= length else { return nil }
            if elementID == id { return data[start..<(start + length)] }
            index = start + length
        }
        return nil
    }
}
