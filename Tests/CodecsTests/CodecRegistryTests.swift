import Testing
@testable import Codecs

@Suite struct CodecRegistryTests {
    @Test func lookupIsCaseInsensitive() {
        #expect(CodecRegistry.descriptor(forEncodingName: "h264")?.name == "H264")
        #expect(CodecRegistry.descriptor(forEncodingName: "OPUS")?.name == "opus")
        #expect(CodecRegistry.descriptor(forEncodingName: "vp8")?.clockRate == 90_000)
        #expect(CodecRegistry.descriptor(forEncodingName: "HEVC")?.name == "H265")
        #expect(CodecRegistry.descriptor(forEncodingName: "speex") == nil)
        #expect(CodecRegistry.descriptor(forEncodingName: "") == nil)
    }

    @Test func canonicalNamesAndFacts() {
        #expect(CodecRegistry.all.map(\.name) == ["H264", "VP8", "VP9", "AV1", "H265", "opus", "PCMU", "PCMA",
                                                  "mpeg4-generic", "MP4A-LATM"])
        let opus = CodecRegistry.descriptor(for: .opus)
        #expect(opus?.kind == .audio)
        #expect(opus?.clockRate == 48_000)
        #expect(opus?.channels == 2)
        let pcmu = CodecRegistry.descriptor(forEncodingName: "PCMU")
        #expect(pcmu?.clockRate == 8_000)
        #expect(pcmu?.staticPayloadType == 0)
        #expect(CodecRegistry.descriptor(forEncodingName: "PCMA")?.staticPayloadType == 8)
        #expect(CodecRegistry.descriptor(for: .h264)?.defaultFmtp["packetization-mode"] == "1")
        #expect(CodecRegistry.descriptor(for: .h264)?.rtcpFeedback.contains("nack pli") == true)
        #expect(CodecRegistry.descriptor(for: .h265)?.webRTCCompatible == false)
        #expect(CodecRegistry.all.filter { $0.kind == .video }.allSatisfy { $0.channels == nil })
    }

    @Test func makesWorkingPacketizersAndDepacketizers() {
        for name in ["H264", "VP8", "opus", "PCMU", "PCMA"] {
            guard let descriptor = CodecRegistry.descriptor(forEncodingName: name),
                  var packetizer = descriptor.makePacketizer(),
                  var depacketizer = descriptor.makeDepacketizer(fmtp: [:]) else {
                Issue.record("no (de)packetizer for \(name)")
                continue
            }
            let frame: [UInt8] = name == "H264" ? idrSlice(size: 3000) : name == "VP8" ? [0x50, 1, 2, 3] : [0xfc, 1]
            let unit = AccessUnit(payloads: [frame], rtpTimestamp: 1234, isKeyframe: true)
            var out: [AccessUnit] = []
            for (index, packet) in packetizer.packetize(unit, maxPayloadSize: 1200).enumerated() {
                #expect(index > 0 || descriptor.isKeyframePacket(packet.payload[...]), "\(name)")
                out += depacketizer.push(payload: packet.payload[...], sequenceNumber: UInt16(index),
                                         rtpTimestamp: 1234, marker: packet.marker)
            }
            #expect(out == [unit], "\(name)")
        }
    }

    @Test func makesPacketizersAndDepacketizersForVP9AV1AndH265() {
        let frames: [String: [[UInt8]]] = [
            "VP9": [vp9Frame(key: true, size: 3000)],
            "AV1": av1TemporalUnit(frameSize: 3000),
            "H265": [hevcVPS, hevcSPS, hevcPPS, hevcSlice(idr: true, size: 3000)],
        ]
        for (name, payloads) in frames {
            guard let descriptor = CodecRegistry.descriptor(forEncodingName: name),
                  var packetizer = descriptor.makePacketizer(),
                  var depacketizer = descriptor.makeDepacketizer(fmtp: [:]) else {
                Issue.record("no (de)packetizer for \(name)")
                continue
            }
            let unit = AccessUnit(payloads: payloads, rtpTimestamp: 1234, isKeyframe: true)
            var out: [AccessUnit] = []
            for (index, packet) in packetizer.packetize(unit, maxPayloadSize: 1200).enumerated() {
                #expect(index > 0 || descriptor.isKeyframePacket(packet.payload[...]), "\(name)")
                out += depacketizer.push(payload: packet.payload[...], sequenceNumber: UInt16(index),
                                         rtpTimestamp: 1234, marker: packet.marker)
            }
            #expect(out == [unit], "\(name)")
        }
        let h265 = CodecRegistry.descriptor(for: .h265)?.makeDepacketizer(
            fmtp: ["sprop-vps": "QAEMAf//", "sprop-sps": "QgEBAWAA", "sprop-pps": "RAHBcg=="])
        #expect((h265 as? H265Depacketizer)?.parameterSets == [hevcVPS, hevcSPS, hevcPPS])
    }

    @Test func h264DepacketizerSeededFromFmtp() {
        let descriptor = CodecRegistry.descriptor(for: .h264)
        var depacketizer = descriptor?.makeDepacketizer(
            fmtp: ["sprop-parameter-sets": "Z0LAHtkAoC/5cBEAAAMAAQAAAwA8jxYuSA==,aMuMsg=="])
        let out = depacketizer?.push(payload: idrSlice()[...], sequenceNumber: 0, rtpTimestamp: 0, marker: true)
        #expect(out?.first?.payloads == [demoSPS, demoPPS, idrSlice()])
    }

    @Test func keyframePacketsOfForwardOnlyCodecs() {
        // VP9 (RFC 9628 §4.2): B=1, P=0 starts a key frame; with L, spatial layer 0 only.
        #expect(CodecRegistry.descriptor(for: .vp9)?.isKeyframePacket([0x08, 0x00][...]) == true)
        #expect(CodecRegistry.descriptor(for: .vp9)?.isKeyframePacket([0x48, 0x00][...]) == false)
        #expect(CodecRegistry.descriptor(for: .vp9)?.isKeyframePacket([0xa8, 0x81, 0x02, 0x00][...]) == true)
        #expect(CodecRegistry.descriptor(for: .vp9)?.isKeyframePacket([0xa8, 0x81, 0x02, 0x02][...]) == false)
        // AV1: aggregation header N bit.
        #expect(CodecRegistry.descriptor(for: .av1)?.isKeyframePacket([0x18][...]) == true)
        #expect(CodecRegistry.descriptor(for: .av1)?.isKeyframePacket([0x10][...]) == false)
        // H.265 (RFC 7798): IDR_W_RADL (19) single NAL, VPS, FU start of CRA (21), trailing slice.
        #expect(CodecRegistry.descriptor(for: .h265)?.isKeyframePacket([0x26, 0x01, 0xaf][...]) == true)
        #expect(CodecRegistry.descriptor(for: .h265)?.isKeyframePacket([0x40, 0x01, 0x0c][...]) == true)
        #expect(CodecRegistry.descriptor(for: .h265)?.isKeyframePacket([0x62, 0x01, 0x95, 0x00][...]) == true)
        #expect(CodecRegistry.descriptor(for: .h265)?.isKeyframePacket([0x62, 0x01, 0x15, 0x00][...]) == false)
        #expect(CodecRegistry.descriptor(for: .h265)?.isKeyframePacket([0x02, 0x01, 0xd0][...]) == false)
        #expect(CodecRegistry.descriptor(for: .opus)?.isKeyframePacket([0xfc][...]) == true)
    }
}
