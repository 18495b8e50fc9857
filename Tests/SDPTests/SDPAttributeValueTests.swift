import Testing
import SDP

@Suite("typed attribute values: candidate (RFC 8839), rtpmap, extmap (RFC 8285), fingerprint (RFC 8122)")
struct SDPAttributeValueTests {
    @Test("Chromium mDNS host candidate with extensions round-trips")
    func chromiumCandidate() throws {
        let text = "candidate:3303575093 1 udp 2113937151 e3eb5fb3-d2fd-448a-bfa8-c4662d422f25.local 52909 typ host generation 0 network-cost 999"
        let candidate = try SDPCandidate(parsing: text)
        #expect(candidate.foundation == "3303575093")
        #expect(candidate.component == 1)
        #expect(candidate.transport == "udp")
        #expect(candidate.priority == 2_113_937_151)
        #expect(candidate.address == "e3eb5fb3-d2fd-448a-bfa8-c4662d422f25.local")
        #expect(candidate.port == 52909)
        #expect(candidate.type == "host")
        #expect(candidate.relatedAddress == nil && candidate.relatedPort == nil)
        #expect(candidate.extensions == [.init(key: "generation", value: "0"), .init(key: "network-cost", value: "999")])
        #expect(candidate.attributeValue == text)
        #expect(try SDPCandidate(parsing: String(text.dropFirst("candidate:".count))) == candidate)
    }

    @Test("server-reflexive candidate with raddr/rport and a TCP candidate")
    func reflexiveAndTCP() throws {
        let srflx = try SDPCandidate(parsing: "candidate:1 1 UDP 1686052863 203.0.113.7 51234 typ srflx raddr 192.168.1.23 rport 51000")
        #expect(srflx.type == "srflx" && srflx.relatedAddress == "192.168.1.23" && srflx.relatedPort == 51000)
        #expect(srflx.attributeValue == "candidate:1 1 UDP 1686052863 203.0.113.7 51234 typ srflx raddr 192.168.1.23 rport 51000")
        let tcp = try SDPCandidate(parsing: "candidate:2 1 tcp 1518280447 2001:db8::1 9 typ host tcptype active")
        #expect(tcp.address == "2001:db8::1" && tcp.extensionValue("tcptype") == "active")
    }

    @Test("host candidate from the memberwise initializer")
    func hostCandidate() {
        let host = SDPCandidate(foundation: "1", priority: 2_130_706_431, address: "192.0.2.10", port: 40000)
        #expect(host.attributeValue == "candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host")
        #expect(host.attribute == SDPAttribute("candidate", "1 1 udp 2130706431 192.0.2.10 40000 typ host"))
    }

    @Test("malformed candidates throw .malformed", arguments: [
        "candidate:1 1 udp 1 192.0.2.1 9 host", "candidate:1 1 udp 1 192.0.2.1 9 type host",
        "candidate:1 0 udp 1 192.0.2.1 9 typ host", "candidate:1 1 udp 4294967296 192.0.2.1 9 typ host",
        "candidate:1 1 udp 1 192.0.2.1 70000 typ host", "candidate:1 1 udp 1 192.0.2.1 9 typ host generation",
        "candidate:1 1 udp 1 192.0.2.1 9 typ srflx raddr 10.0.0.1 rport x", "",
    ])
    func malformedCandidate(text: String) {
        #expect(throws: SDPError.self) { try SDPCandidate(parsing: text) }
        do {
            _ = try SDPCandidate(parsing: text)
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.description.hasPrefix("SDP: malformed candidate"))
        }
    }

    @Test("rtpmap parsing and static payload types (RFC 3551 §6)")
    func rtpMap() {
        #expect(RTPMap(attributeValue: "111 opus/48000/2") == RTPMap(payloadType: 111, encodingName: "opus", clockRate: 48000, channels: 2))
        #expect(RTPMap(attributeValue: "96 VP8/90000")?.attributeValue == "96 VP8/90000")
        #expect(RTPMap(attributeValue: "128 VP8/90000") == nil)
        #expect(RTPMap(attributeValue: "96 VP8/0") == nil)
        #expect(RTPMap(attributeValue: "96 /90000") == nil)
        #expect(RTPMap(attributeValue: "96 opus/48000/2/1") == nil)
        #expect(RTPMap.staticPayloadType(0) == RTPMap(payloadType: 0, encodingName: "PCMU", clockRate: 8000))
        #expect(RTPMap.staticPayloadType(8)?.encodingName == "PCMA")
        #expect(RTPMap.staticPayloadType(96) == nil)
    }

    @Test("extmap with direction and extension attributes")
    func extMap() {
        let map = ExtMap(attributeValue: "6/recvonly http://example.com/ext attr1 attr2")
        #expect(map == ExtMap(id: 6, direction: .recvonly, uri: "http://example.com/ext", extensionAttributes: "attr1 attr2"))
        #expect(map?.attributeValue == "6/recvonly http://example.com/ext attr1 attr2")
        #expect(ExtMap(attributeValue: "256 urn:x") == nil)
        #expect(ExtMap(attributeValue: "1/sideways urn:x") == nil)
        #expect(ExtMap(attributeValue: "1") == nil)
    }

    @Test("fingerprint from digest bytes and back")
    func fingerprint() {
        let fingerprint = SDPFingerprint(digest: [0x00, 0xAB, 0x10, 0xFF])
        #expect(fingerprint.attributeValue == "sha-256 00:AB:10:FF")
        #expect(fingerprint.digest == [0x00, 0xAB, 0x10, 0xFF])
        #expect(SDPFingerprint(algorithm: "sha-256", value: "0:AB").digest == nil)
        #expect(SDPFingerprint(algorithm: "sha-256", value: "GG:00").digest == nil)
    }

    @Test("media direction algebra (RFC 3264 §6.1)")
    func directions() {
        #expect(MediaDirection.sendonly.reversed == .recvonly)
        #expect(MediaDirection.recvonly.reversed == .sendonly)
        #expect(MediaDirection.sendrecv.reversed == .sendrecv)
        #expect(MediaDirection.inactive.reversed == .inactive)
        #expect(MediaDirection.sendonly.intersection(MediaDirection.sendrecv.reversed) == .sendonly)
        #expect(MediaDirection.sendonly.intersection(MediaDirection.sendonly.reversed) == .inactive)
        #expect(MediaKind(token: "audio") == .audio && MediaKind(token: "text") == .other("text"))
    }
}
