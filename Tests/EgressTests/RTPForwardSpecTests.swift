@testable import Egress
import Routing
import Testing

/// `--forward NAME=rtp://…` parsing: defaults, options, multicast TTL, IPv6, and clear errors.
@Suite struct RTPForwardSpecTests {
    @Test func unicastDefaults() throws {
        let spec = try ForwardSpec(parsing: "rtp://127.0.0.1:6000")
        #expect(spec.host == "127.0.0.1")
        #expect(spec.videoPort == 6000)
        #expect(spec.audioPort == 6002)
        #expect(spec.videoPayloadType == 96)
        #expect(spec.audioPayloadType == 97)
        #expect(spec.multicastTTL == nil)
        #expect(!spec.isMulticast && !spec.isIPv6)
        #expect(spec.sdpFile == nil)
        #expect(spec.sdpFile(forPath: "live") == "live.sdp")
        #expect(spec.sdpFile(forPath: "cams/front") == "cams_front.sdp")
        #expect(spec.address.ip == [127, 0, 0, 1])
    }

    @Test func allOptions() throws {
        let spec = try ForwardSpec(parsing: "RTP://10.0.0.7:5000?sdp=/tmp/out%20dir/a.sdp&video=7000&audio=7100&vpt=100&apt=111")
        #expect(spec.videoPort == 7000)
        #expect(spec.audioPort == 7100)
        #expect(spec.videoPayloadType == 100)
        #expect(spec.audioPayloadType == 111)
        #expect(spec.sdpFile == "/tmp/out dir/a.sdp")
        #expect(spec.sdpFile(forPath: "live") == "/tmp/out dir/a.sdp")
    }

    @Test func sharedPayloadTypeAndPerKindOverride() throws {
        let both = try ForwardSpec(parsing: "rtp://127.0.0.1:6000?pt=98")
        #expect(both.videoPayloadType == 98 && both.audioPayloadType == 98)
        let mixed = try ForwardSpec(parsing: "rtp://127.0.0.1:6000?pt=98&apt=127")
        #expect(mixed.videoPayloadType == 98 && mixed.audioPayloadType == 127)
    }

    @Test func multicastGetsDefaultOrGivenTTL() throws {
        let group = try ForwardSpec(parsing: "rtp://239.1.2.3:5004")
        #expect(group.isMulticast)
        #expect(group.multicastTTL == ForwardSpec.defaultMulticastTTL)
        #expect(try ForwardSpec(parsing: "rtp://224.0.0.1:5004?ttl=1").multicastTTL == 1)
        #expect(try ForwardSpec(parsing: "rtp://239.255.255.255:5004?ttl=255").multicastTTL == 255)
        #expect(!(try ForwardSpec(parsing: "rtp://240.0.0.1:5004")).isMulticast)
        #expect(!(try ForwardSpec(parsing: "rtp://223.255.255.255:5004")).isMulticast)
    }

    @Test func ipv6UnicastAndMulticast() throws {
        let loopback = try ForwardSpec(parsing: "rtp://[::1]:5004")
        #expect(loopback.isIPv6 && !loopback.isMulticast)
        #expect(loopback.host == "::1")
        #expect(loopback.address.ip == [UInt8](repeating: 0, count: 15) + [1])
        let group = try ForwardSpec(parsing: "rtp://[FF0E::1234]:5004?ttl=8")
        #expect(group.isIPv6 && group.isMulticast)
        #expect(group.host == "ff0e::1234")
        #expect(group.multicastTTL == 8)
        #expect(group.description == "rtp://[ff0e::1234] video=5004/pt96 audio=5006/pt97 ttl=8")
    }

    @Test func portLimits() throws {
        #expect(try ForwardSpec(parsing: "rtp://127.0.0.1:1").videoPort == 1)
        #expect(try ForwardSpec(parsing: "rtp://127.0.0.1:65532").audioPort == 65534)
        #expect(throws: SourceError.self) { try ForwardSpec(parsing: "rtp://127.0.0.1:65533") }
        #expect(try ForwardSpec(parsing: "rtp://127.0.0.1:5000?video=65534&audio=6000").videoPort == 65534)
        #expect(throws: SourceError.self) { try ForwardSpec(parsing: "rtp://127.0.0.1:5000?video=65535&audio=6000") }
    }

    @Test(arguments: [
        ("http://127.0.0.1:5000", "only rtp://"),
        ("127.0.0.1:5000", "only rtp://"),
        ("rtp://127.0.0.1", "missing :PORT"),
        ("rtp://:5000", "missing HOST"),
        ("rtp://127.0.0.1:0", "PORT '0'"),
        ("rtp://127.0.0.1:+500", "PORT '+500'"),
        ("rtp://127.0.0.1:70000", "PORT '70000'"),
        ("rtp://camera.local:5000", "not an IPv4 or IPv6 address"),
        ("rtp://::1:5000", "brackets"),
        ("rtp://[::1:5000", "missing ']'"),
        ("rtp://[::1]5000", "missing :PORT"),
        ("rtp://127.0.0.1:5000/live", "path after HOST:PORT"),
        ("rtp://127.0.0.1:5000?ttl=4", "only to multicast"),
        ("rtp://239.0.0.1:5000?ttl=0", "ttl=0 must be 1 to 255"),
        ("rtp://239.0.0.1:5000?ttl=256", "ttl=256 must be 1 to 255"),
        ("rtp://127.0.0.1:5000?pt=95", "must be dynamic"),
        ("rtp://127.0.0.1:5000?vpt=128", "must be dynamic"),
        ("rtp://127.0.0.1:5000?apt=x", "must be dynamic"),
        ("rtp://127.0.0.1:5000?video=5001", "overlap"),
        ("rtp://127.0.0.1:5000?audio=5001", "overlap"),
        ("rtp://127.0.0.1:5000?colour=red", "unknown option 'colour'"),
        ("rtp://127.0.0.1:5000?sdp", "has no value"),
        ("rtp://127.0.0.1:5000?sdp=", "no valid value"),
        ("rtp://127.0.0.1:5000?pt=96&pt=97", "given twice"),
    ])
    func rejects(text: String, reason: String) {
        do {
            _ = try ForwardSpec(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            let message = "\(error)"
            #expect(message.contains(reason), "\(message)")
            #expect(message.contains(text), "the message names the bad value: \(message)")
        }
    }
}
