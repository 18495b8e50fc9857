import Foundation
import RTCBase
import Routing

/// Where a path is sent as plain RTP (RFC 3550 over UDP, RTP/AVP profile of RFC 3551):
/// `rtp://HOST:PORT[?ttl=N&sdp=FILE&video=PORT&audio=PORT&pt=N&vpt=N&apt=N]`.
///
/// HOST is an IPv4 literal or a bracketed IPv6 literal (`rtp://[::1]:5004`); multicast groups
/// (224.0.0.0/4, ff00::/8) get a TTL / hop limit (`ttl=`, default 16). Video goes to PORT and
/// audio to PORT+2 unless `video=`/`audio=` say otherwise; RTCP uses each port + 1. Payload types
/// are 96 (video) and 97 (audio) unless `pt=` (both) or `vpt=`/`apt=` (one kind) say otherwise.
/// The SDP file for receivers is `sdp=` or `<path>.sdp` in the current directory.
public struct ForwardSpec: Sendable, Equatable, CustomStringConvertible {
    /// The destination address as given (IPv6 without brackets).
    public var host: String
    public var videoPort: UInt16
    public var audioPort: UInt16
    /// Multicast TTL (IPv4) or hop limit (IPv6); nil for unicast destinations.
    public var multicastTTL: Int?
    /// Where the receiver SDP goes; nil = `<path>.sdp` in the current directory.
    public var sdpFile: String?
    public var videoPayloadType: UInt8
    public var audioPayloadType: UInt8
    /// The parsed destination address (4 or 16 bytes).
    public let address: TransportAddress

    /// TTL used for multicast destinations when the URL has no `ttl=`.
    public static let defaultMulticastTTL = 16

    public init(parsing text: String) throws {
        func fail(_ reason: String) -> SourceError {
            .unusable("--forward '\(text)': \(reason); expected rtp://HOST:PORT[?ttl=N&sdp=FILE&video=PORT&audio=PORT&pt=N&vpt=N&apt=N]")
        }
        let schemeEnd = text.range(of: "://")
        guard let schemeEnd, text[..<schemeEnd.lowerBound].lowercased() == "rtp" else {
            throw fail("only rtp:// destinations are supported")
        }
        let rest = text[schemeEnd.upperBound...]
        let (authority, query) = rest.firstIndex(of: "?").map { (rest[..<$0], rest[rest.index(after: $0)...]) } ?? (rest, "")
        guard !authority.contains("/") else { throw fail("a path after HOST:PORT is not allowed") }

        // HOST:PORT or [IPv6]:PORT
        let hostText: Substring, portText: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw fail("missing ']' after the IPv6 address") }
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.hasPrefix(":") else { throw fail("missing :PORT") }
            portText = after.dropFirst()
        } else {
            guard let colon = authority.lastIndex(of: ":") else { throw fail("missing :PORT") }
            hostText = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
            guard !hostText.contains(":") else { throw fail("put an IPv6 address in brackets, e.g. rtp://[::1]:5004") }
        }
        guard !hostText.isEmpty else { throw fail("missing HOST") }
        let host = String(hostText).lowercased()
        guard let address = TransportAddress(host: host, port: 0) else {
            throw fail("HOST '\(hostText)' is not an IPv4 or IPv6 address (names are not resolved)")
        }
        guard let basePort = Self.port(portText), basePort <= 65532 else {
            throw fail("PORT '\(portText)' must be a number from 1 to 65532 (audio uses PORT+2 and +3)")
        }

        var options: [String: String] = [:]
        for item in query.split(separator: "&") {
            guard let equals = item.firstIndex(of: "=") else { throw fail("option '\(item)' has no value") }
            let key = String(item[..<equals]).lowercased()
            let raw = String(item[item.index(after: equals)...])
            guard let value = raw.removingPercentEncoding, !value.isEmpty else { throw fail("option '\(key)' has no valid value") }
            guard ["ttl", "sdp", "video", "audio", "pt", "vpt", "apt"].contains(key) else {
                throw fail("unknown option '\(key)'")
            }
            guard options.updateValue(value, forKey: key) == nil else { throw fail("option '\(key)' given twice") }
        }

        func portOption(_ key: String, default value: Int) throws -> UInt16 {
            guard let text = options[key] else { return UInt16(value) }
            guard let port = Self.port(Substring(text)), port <= 65534 else {
                throw fail("\(key)=\(text) must be a port from 1 to 65534 (RTCP uses port + 1)")
            }
            return UInt16(port)
        }
        func payloadTypeOption(_ key: String, default value: UInt8) throws -> UInt8 {
            guard let text = options[key] ?? options["pt"] else { return value }
            guard let pt = UInt8(text), (96...127).contains(pt) else {
                throw fail("\(key)=\(text): payload types must be dynamic, 96 to 127")
            }
            return pt
        }

        let videoPort = try portOption("video", default: basePort)
        let audioPort = try portOption("audio", default: basePort + 2)
        guard abs(Int(videoPort) - Int(audioPort)) >= 2 else {
            throw fail("video port \(videoPort) and audio port \(audioPort) overlap (each uses port and port + 1)")
        }

        let isMulticast = Self.isMulticast(address)
        var ttl: Int?
        if let text = options["ttl"] {
            guard isMulticast else { throw fail("ttl= applies only to multicast destinations (224.0.0.0/4, ff00::/8)") }
            guard let value = Int(text), (1...255).contains(value) else { throw fail("ttl=\(text) must be 1 to 255") }
            ttl = value
        } else if isMulticast {
            ttl = Self.defaultMulticastTTL
        }

        self.host = host
        self.address = address
        self.videoPort = videoPort
        self.audioPort = audioPort
        self.multicastTTL = ttl
        self.sdpFile = options["sdp"]
        self.videoPayloadType = try payloadTypeOption("vpt", default: 96)
        self.audioPayloadType = try payloadTypeOption("apt", default: 97)
    }

    /// True for a multicast group: 224.0.0.0/4 (RFC 5771) or ff00::/8 (RFC 4291 §2.7).
    public var isMulticast: Bool { Self.isMulticast(address) }

    public var isIPv6: Bool { !address.isIPv4 }

    /// The SDP file for `path`: `sdp=` or `<path>.sdp` in the current directory ("/" in a path
    /// name becomes "_", so the file stays in that directory).
    public func sdpFile(forPath path: String) -> String {
        sdpFile ?? path.replacingOccurrences(of: "/", with: "_") + ".sdp"
    }

    public var description: String {
        let hostPart = isIPv6 ? "[\(host)]" : host
        var text = "rtp://\(hostPart) video=\(videoPort)/pt\(videoPayloadType) audio=\(audioPort)/pt\(audioPayloadType)"
        if let multicastTTL { text += " ttl=\(multicastTTL)" }
        return text
    }

    static func port(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text), (1...65535).contains(value)
        else { return nil }
        return value
    }

    static func isMulticast(_ address: TransportAddress) -> Bool {
        guard let first = address.ip.first else { return false }
        return address.isIPv4 ? (224...239).contains(first) : first == 0xFF
    }
}
