import Testing
@testable import Codecs

/// A 64x48 profile 0 key frame header (VP9 bitstream §6.2): frame_marker 2, profile 0,
/// show_existing 0, frame_type KEY, show_frame 1, error_resilient 0 = 0x82; sync code 49 83 42;
/// color_space 1, color_range 0, width-1 = 63, height-1 = 47.
let vp9KeyframeHeader: [UInt8] = [0x82, 0x49, 0x83, 0x42, 0x20, 0x03, 0xf0, 0x02, 0xf0]
/// A shown inter frame header: frame_type NON_KEY (0x86).
let vp9InterHeader: [UInt8] = [0x86, 0x00]

func vp9Frame(key: Bool, size: Int, fill: UInt8 = 0x5a) -> [UInt8] {
    let header = key ? vp9KeyframeHeader : vp9InterHeader
    return header + Array(repeating: fill, count: max(0, size - header.count))
}

@Suite struct VP9PayloadDescriptorTests {
    @Test func nonFlexibleModeWithLayerIndices() throws {
        // RFC 9628 §4.2: I|P|L|F|B|E|V|Z = 1 0 1 0 1 1 0 0; M=1 PictureID 0x0123;
        // TID=2 U=1 SID=1 D=1; TL0PICIDX 7; then one byte of frame data.
        let payload: [UInt8] = [0xac, 0x81, 0x23, 0x53, 0x07, 0xaa]
        let descriptor = try VP9.PayloadDescriptor(parsing: payload[...])
        #expect(descriptor.pictureID == 0x0123)
        #expect(descriptor.hasLongPictureID)
        #expect(descriptor.layerIndices == .init(temporalID: 2, isSwitchingUpPoint: true, spatialID: 1,
                                                  hasInterLayerDependency: true))
        #expect(descriptor.tl0PictureIndex == 7)
        #expect(descriptor.isStartOfFrame && descriptor.isEndOfFrame && !descriptor.isInterPicturePredicted)
        #expect(descriptor.size == 5)
        var wire: [UInt8] = []
        descriptor.append(to: &wire)
        #expect(wire == Array(payload.prefix(5)))
    }

    @Test func flexibleModeReferenceIndices() throws {
        // F=1, P=1: P_DIFF|N bytes follow the layer indices; N=1 means another one follows.
        let payload: [UInt8] = [0xd8, 0x05, 0x03, 0x04, 0xbb]
        let descriptor = try VP9.PayloadDescriptor(parsing: payload[...])
        #expect(descriptor.isFlexibleMode)
        #expect(descriptor.pictureID == 5)
        #expect(!descriptor.hasLongPictureID)
        #expect(descriptor.referenceDifferences == [1, 2])
        #expect(descriptor.tl0PictureIndex == nil)
        #expect(descriptor.size == 4)
        let rebuilt = VP9.PayloadDescriptor(isInterPicturePredicted: true, isStartOfFrame: true, isEndOfFrame: false,
                                            pictureID: 5, hasLongPictureID: false, referenceDifferences: [1, 2],
                                            isFlexibleMode: true)
        var wire: [UInt8] = []
        rebuilt.append(to: &wire)
        #expect(wire == [0xd8, 0x05, 0x03, 0x04])
    }

    @Test func rejectsMalformedDescriptors() {
        #expect(throws: CodecParseError.limitExceeded(field: "VP9 P_DIFF count", value: 4, limit: 3)) {
            try VP9.PayloadDescriptor(parsing: [0xd8, 0x05, 0x03, 0x03, 0x03, 0x02, 0xbb][...])
        }
        #expect(throws: CodecParseError.self) { try VP9.PayloadDescriptor(parsing: [0x58, 0x02, 0xbb][...]) }  // F without I
        #expect(throws: CodecParseError.truncated(field: "VP9 payload")) {
            try VP9.PayloadDescriptor(parsing: [0x88, 0x05][...])
        }
        #expect(throws: CodecParseError.truncated(field: "VP9 PictureID")) {
            try VP9.PayloadDescriptor(parsing: [0x88, 0x85][...])
        }
        #expect(throws: CodecParseError.truncated(field: "VP9 scalability structure")) {
            try VP9.PayloadDescriptor(parsing: [0x0a, 0x30, 0x01][...])
        }
    }

    @Test func scalabilityStructureHandBuilt() throws {
        // RFC 9628 §4.2.1: N_S=1 (two layers), Y=1, G=1; 320x180 and 640x360; N_G=2:
        // (TID 0, U 0, R 1, P_DIFF 2), (TID 1, U 1, R 1, P_DIFF 1).
        let ss: [UInt8] = [0x38, 0x01, 0x40, 0x00, 0xb4, 0x02, 0x80, 0x01, 0x68, 0x02, 0x04, 0x02, 0x34, 0x01]
        let payload: [UInt8] = [0x8e, 0x80, 0x00] + ss + [0x82]
        let descriptor = try VP9.PayloadDescriptor(parsing: payload[...])
        let structure = try #require(descriptor.scalabilityStructure)
        #expect(structure.spatialLayerCount == 2)
        #expect(structure.resolutions == [.init(width: 320, height: 180), .init(width: 640, height: 360)])
        #expect(structure.pictureGroup == [
            .init(temporalID: 0, isSwitchingUpPoint: false, referenceDifferences: [2]),
            .init(temporalID: 1, isSwitchingUpPoint: true, referenceDifferences: [1]),
        ])
        #expect(structure.size == ss.count)
        #expect(descriptor.size == payload.count - 1)
        var wire: [UInt8] = []
        VP9.ScalabilityStructure(spatialLayerCount: 2, resolutions: structure.resolutions,
                                 pictureGroup: structure.pictureGroup).append(to: &wire)
        #expect(wire == ss)
    }

    @Test func frameHeaderFields() throws {
        let key = try VP9.FrameHeader(parsing: vp9KeyframeHeader[...])
        #expect(key.isKeyframe && key.showFrame && key.profile == 0)
        #expect(key.width == 64 && key.height == 48)
        let inter = try VP9.FrameHeader(parsing: vp9InterHeader[...])
        #expect(!inter.isKeyframe && inter.width == nil)
        // Hidden non-key frame with intra_only = 1: 10 00 0 1 0 0 | 1.
        #expect(try VP9.FrameHeader(parsing: [0x84, 0x80][...]).isIntraOnly)
        #expect(try VP9.FrameHeader(parsing: [0x88][...]).showsExistingFrame)
        #expect(throws: CodecParseError.invalidValue(field: "frame_marker", value: 0)) {
            try VP9.FrameHeader(parsing: [0x02][...])
        }
    }
}

@Suite struct VP9DepacketizerTests {
    @Test func assemblesFrameByStartAndEndBits() {
        let frame = vp9Frame(key: true, size: 30)
        var depacketizer = VP9Depacketizer()
        let out = depacketizer.feed([
            TestPacket(payload: [0x8a, 0x80, 0x01, 0x10, 0x00, 0x40, 0x00, 0x30] + frame[0..<10], sequenceNumber: 1,
                       rtpTimestamp: 9, marker: false),
            TestPacket(payload: [0x80, 0x80, 0x01] + frame[10..<20], sequenceNumber: 2, rtpTimestamp: 9, marker: false),
            TestPacket(payload: [0x84, 0x80, 0x01] + frame[20..<30], sequenceNumber: 3, rtpTimestamp: 9, marker: true),
        ])
        #expect(out == [AccessUnit(payloads: [frame], rtpTimestamp: 9, isKeyframe: true)])
        #expect(depacketizer.scalabilityStructure?.resolutions == [.init(width: 64, height: 48)])
    }

    @Test func spatialLayersShareOnePicture() {
        // Two frames, SID 0 and SID 1 (D=1), same timestamp; marker on the last packet.
        let base = vp9Frame(key: true, size: 12)
        let upper = vp9Frame(key: false, size: 14)
        var depacketizer = VP9Depacketizer()
        let out = depacketizer.feed([
            TestPacket(payload: [0xac, 0x80, 0x07, 0x00, 0x00] + base, sequenceNumber: 1, rtpTimestamp: 0, marker: false),
            TestPacket(payload: [0xac, 0x80, 0x07, 0x03, 0x00] + upper, sequenceNumber: 2, rtpTimestamp: 0, marker: true),
        ])
        #expect(out == [AccessUnit(payloads: [base, upper], rtpTimestamp: 0, isKeyframe: true)])
    }

    @Test func interFramesAndInterLayerDependencyAreNotKeyframes() {
        var depacketizer = VP9Depacketizer()
        let out = depacketizer.feed([
            TestPacket(payload: [0x4c] + vp9Frame(key: false, size: 5), sequenceNumber: 1, rtpTimestamp: 0, marker: true),
            // P=0 but D=1: an upper layer arriving first is not a place to start.
            TestPacket(payload: [0x2c, 0x03, 0x00] + vp9Frame(key: true, size: 12), sequenceNumber: 2,
                       rtpTimestamp: 3000, marker: true),
        ])
        #expect(out.map(\.isKeyframe) == [false, false])
    }

    @Test func startWithoutPreviousEndBreaksThePicture() {
        var depacketizer = VP9Depacketizer()
        let out = depacketizer.feed([
            TestPacket(payload: [0x08, 0x82, 1], sequenceNumber: 1, rtpTimestamp: 0, marker: false),
            TestPacket(payload: [0x0c, 0x82, 2], sequenceNumber: 2, rtpTimestamp: 0, marker: true),
            TestPacket(payload: [0x04, 3], sequenceNumber: 3, rtpTimestamp: 3000, marker: true),  // no B
        ])
        #expect(out.isEmpty)
        #expect(depacketizer.droppedAccessUnits == 2)
        #expect(depacketizer.droppedPackets == 3)
    }

    @Test func lostPacketDropsPictureUntilNextKeyframe() {
        var packetizer = VP9Packetizer()
        let units = [
            AccessUnit(payloads: [vp9Frame(key: true, size: 3000)], rtpTimestamp: 0, isKeyframe: true),
            AccessUnit(payloads: [vp9Frame(key: false, size: 3000)], rtpTimestamp: 3000, isKeyframe: false),
            AccessUnit(payloads: [vp9Frame(key: false, size: 100)], rtpTimestamp: 6000, isKeyframe: false),
            AccessUnit(payloads: [vp9Frame(key: true, size: 2000)], rtpTimestamp: 9000, isKeyframe: true),
        ]
        var depacketizer = VP9Depacketizer()
        var packets = roundTrip([], packetizer: &packetizer, depacketizer: &depacketizer).packets
        var sequence: UInt16 = 0
        for unit in units {
            for packet in packetizer.packetize(unit, maxPayloadSize: 1200) {
                packets.append(TestPacket(payload: packet.payload, sequenceNumber: sequence,
                                          rtpTimestamp: unit.rtpTimestamp, marker: packet.marker))
                sequence &+= 1
            }
        }
        packets.remove(at: 4)  // the second packet of the second picture (3 + 3 + 1 + 2 packets)
        let out = depacketizer.feed(packets)
        #expect(out == [units[0], units[3]])
        #expect(depacketizer.droppedAccessUnits == 2)
    }

    @Test func byteLimitAtCapAndOnePast() {
        let frame = vp9Frame(key: true, size: 4000)
        for (cap, delivered) in [(4000, true), (3999, false)] {
            var packetizer = VP9Packetizer()
            var depacketizer = VP9Depacketizer(limits: DepacketizerLimits(maxAccessUnitBytes: cap))
            let unit = AccessUnit(payloads: [frame], rtpTimestamp: 0, isKeyframe: true)
            #expect(roundTrip([unit], packetizer: &packetizer, depacketizer: &depacketizer).delivered
                    == (delivered ? [unit] : []), "cap \(cap)")
        }
    }

    @Test func spatialLayerCountAtCapAndOnePast() {
        // At most eight frames (SID is three bits) per picture.
        for (count, delivered) in [(8, true), (9, false)] {
            var depacketizer = VP9Depacketizer()
            let packets = (0..<count).map { layer in
                TestPacket(payload: [0x0c, 0x82, UInt8(layer)], sequenceNumber: UInt16(layer), rtpTimestamp: 0,
                           marker: layer == count - 1)
            }
            #expect(depacketizer.feed(packets).count == (delivered ? 1 : 0), "\(count) frames")
        }
    }
}

@Suite struct VP9PacketizerTests {
    @Test func keyframeCarriesScalabilityStructure() {
        var packetizer = VP9Packetizer(initialPictureID: 0x7fff)
        let key = vp9Frame(key: true, size: 12)
        let packets = packetizer.packetize(AccessUnit(payloads: [key], rtpTimestamp: 0, isKeyframe: true),
                                           maxPayloadSize: 1200)
        // I|B|E|V, PictureID 0x7fff (M=1), SS: N_S=0 Y=1 G=0, 64 x 48.
        #expect(packets.map(\.payload) == [[0x8e, 0xff, 0xff, 0x10, 0x00, 0x40, 0x00, 0x30] + key])
        #expect(packets.map(\.marker) == [true])
        #expect(packetizer.nextPictureID == 0)
        let inter = vp9Frame(key: false, size: 4)
        let next = packetizer.packetize(AccessUnit(payloads: [inter], rtpTimestamp: 3000, isKeyframe: false),
                                        maxPayloadSize: 1200)
        #expect(next.map(\.payload) == [[0xcc, 0x80, 0x00] + inter])  // I|P|B|E, PictureID 0
    }

    @Test func unparsedFramesUseTheKeyframeFlag() {
        var packetizer = VP9Packetizer()
        let packets = packetizer.packetize(AccessUnit(payloads: [[1, 2, 3]], rtpTimestamp: 0, isKeyframe: true),
                                           maxPayloadSize: 100)
        #expect(packets.map(\.payload) == [[0x8c, 0x80, 0x00, 1, 2, 3]])  // P clear, no SS
        #expect(packetizer.packetize(AccessUnit(payloads: [[1]], rtpTimestamp: 0, isKeyframe: true),
                                     maxPayloadSize: 3).isEmpty)
    }

    @Test func spatialLayersGetLayerIndices() {
        var packetizer = VP9Packetizer()
        let base = vp9Frame(key: false, size: 6)
        let upper = vp9Frame(key: false, size: 7)
        let packets = packetizer.packetize(AccessUnit(payloads: [base, upper], rtpTimestamp: 0, isKeyframe: false),
                                           maxPayloadSize: 1200)
        #expect(packets.map(\.payload) == [[0xec, 0x80, 0x00, 0x00, 0x00] + base, [0xec, 0x80, 0x00, 0x03, 0x00] + upper])
        #expect(packets.map(\.marker) == [false, true])
        #expect(packetizer.nextTL0PictureIndex == 1)
    }

    @Test func roundTripsAtManySizes() {
        var packetizer = VP9Packetizer()
        var depacketizer = VP9Depacketizer()
        var units: [AccessUnit] = []
        var timestamp: UInt32 = 0
        for size in Array(1...40) + Array(stride(from: 41, through: 10_000, by: 29)) + [1191, 1192, 1193, 1197, 1198, 2390, 10_000] {
            let key = size % 5 == 0
            let frame = key ? vp9Frame(key: true, size: max(size, 9)) : (0..<size).map { UInt8(truncatingIfNeeded: $0 ^ size) }
            units.append(AccessUnit(payloads: [frame], rtpTimestamp: timestamp, isKeyframe: key))
            timestamp &+= 3000
        }
        let result = roundTrip(units, packetizer: &packetizer, depacketizer: &depacketizer, firstSequenceNumber: 65500)
        #expect(result.delivered == units)
        #expect(result.packets.allSatisfy { $0.payload.count <= 1200 })
        // Layered pictures too.
        var layered = VP9Depacketizer()
        let pictures = [300, 1500, 5000].map { size in
            AccessUnit(payloads: [vp9Frame(key: true, size: size), vp9Frame(key: false, size: size * 2)],
                       rtpTimestamp: UInt32(size), isKeyframe: true)
        }
        #expect(roundTrip(pictures, packetizer: &packetizer, depacketizer: &layered).delivered == pictures)
    }
}
