import Testing
@testable import Codecs

/// Descriptor layouts from RFC 7741 §4.2 (figure "VP8 Payload Descriptor"), built bit by bit.
@Suite struct VP8Tests {
    @Test func minimalDescriptor() throws {
        // X=0 R=0 N=0 S=1 R=0 PID=000, then one payload byte.
        let descriptor = try VP8.PayloadDescriptor(parsing: [0x10, 0x9c][...])
        #expect(descriptor.size == 1)
        #expect(descriptor.isStartOfPartition)
        #expect(descriptor.partitionIndex == 0)
        #expect(descriptor.pictureID == nil)
        #expect(descriptor.startsFrame)
        #expect(descriptor.serialized() == [0x10])
    }

    @Test func sevenBitPictureID() throws {
        // X=1 N=1 S=0 PID=3; I=1; M=0 PictureID=0x55.
        let descriptor = try VP8.PayloadDescriptor(parsing: [0xa3, 0x80, 0x55, 0x00][...])
        #expect(descriptor.size == 3)
        #expect(descriptor.isNonReference)
        #expect(!descriptor.isStartOfPartition)
        #expect(descriptor.partitionIndex == 3)
        #expect(descriptor.pictureID == 0x55)
        #expect(!descriptor.hasLongPictureID)
        #expect(!descriptor.startsFrame)
        #expect(descriptor.serialized() == [0xa3, 0x80, 0x55])
    }

    @Test func allExtensionFields() throws {
        // X=1 S=1; I L T K; M=1 PictureID=0x1234; TL0PICIDX=0x07; TID=2 Y=1 KEYIDX=0x11.
        let bytes: [UInt8] = [0x90, 0xf0, 0x92, 0x34, 0x07, 0xb1, 0xff]
        let descriptor = try VP8.PayloadDescriptor(parsing: bytes[...])
        #expect(descriptor.size == 6)
        #expect(descriptor.pictureID == 0x1234)
        #expect(descriptor.hasLongPictureID)
        #expect(descriptor.tl0PictureIndex == 7)
        #expect(descriptor.temporalLayerIndex == 2)
        #expect(descriptor.isLayerSync)
        #expect(descriptor.keyIndex == 0x11)
        #expect(descriptor.serialized() == Array(bytes.prefix(6)))
        let rebuilt = VP8.PayloadDescriptor(isStartOfPartition: true, pictureID: 0x1234, tl0PictureIndex: 7,
                                            temporalLayerIndex: 2, isLayerSync: true, keyIndex: 0x11)
        #expect(rebuilt == descriptor)
    }

    @Test func keyIndexWithoutTemporalLayer() throws {
        // X=1; K only: the TID/Y/KEYIDX byte is present, TID and Y ignored.
        let descriptor = try VP8.PayloadDescriptor(parsing: [0x80, 0x10, 0xc5, 0x01][...])
        #expect(descriptor.size == 3)
        #expect(descriptor.keyIndex == 5)
        #expect(descriptor.temporalLayerIndex == nil)
    }

    @Test func truncatedDescriptors() {
        let cases: [[UInt8]] = [[], [0x80], [0x80, 0x80], [0x80, 0x80, 0x80], [0x80, 0x40], [0x80, 0x20],
                                [0x10], [0x90, 0x80, 0x80, 0x01]]
        for bytes in cases {
            #expect(throws: CodecParseError.self, "\(bytes)") { try VP8.PayloadDescriptor(parsing: bytes[...]) }
        }
    }

    @Test func keyframePacket() {
        // Key frame header: P bit (bit 0 of the first payload byte) clear.
        let keyframe: [UInt8] = [0x90, 0x80, 0x80, 0x01, 0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]
        #expect(VP8.isKeyframePacket(keyframe[...]))
        #expect(VP8.keyframeDimensions(keyframe.dropFirst(4)).map { [$0.width, $0.height] } == [640, 360])
        #expect(!VP8.isKeyframePacket([0x90, 0x80, 0x80, 0x01, 0x51][...]))   // inter frame
        #expect(!VP8.isKeyframePacket([0x80, 0x80, 0x80, 0x01, 0x50][...]))   // S=0
        #expect(!VP8.isKeyframePacket([0x11, 0x50][...]))                     // PID=1
        #expect(!VP8.isKeyframePacket([0x90][...]))
    }

    @Test func packetizerDescriptorAndPictureIDWrap() throws {
        var packetizer = VP8Packetizer(initialPictureID: 0x7fff)
        let frame = Array(repeating: UInt8(0x51), count: 2500)
        let first = packetizer.packetize(AccessUnit(payloads: [frame], rtpTimestamp: 0, isKeyframe: false),
                                         maxPayloadSize: 1200)
        try #require(first.count == 3)
        #expect(first.map(\.payload.count) == [838, 837, 837])
        #expect(Array(first[0].payload.prefix(4)) == [0x90, 0x80, 0xff, 0xff])
        #expect(Array(first[1].payload.prefix(4)) == [0x80, 0x80, 0xff, 0xff])
        #expect(first.map(\.marker) == [false, false, true])
        let second = packetizer.packetize(AccessUnit(payloads: [[0x50, 1, 2]], rtpTimestamp: 3000, isKeyframe: true),
                                          maxPayloadSize: 1200)
        #expect(second.map(\.payload) == [[0x90, 0x80, 0x80, 0x00, 0x50, 1, 2]])
        #expect(packetizer.nextPictureID == 1)
    }

    @Test func roundTrip() {
        var packetizer = VP8Packetizer(initialPictureID: 100)
        var depacketizer = VP8Depacketizer()
        var sequence: UInt16 = 65530
        var units: [AccessUnit] = []
        var out: [AccessUnit] = []
        for index in 0..<12 {
            let key = index % 6 == 0
            var frame = [UInt8(key ? 0x50 : 0x51)]
            frame += (0..<(index * 400 + 10)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) }
            let unit = AccessUnit(payloads: [frame], rtpTimestamp: UInt32(index * 3000), isKeyframe: key)
            units.append(unit)
            for packet in packetizer.packetize(unit, maxPayloadSize: 1200) {
                out += depacketizer.push(payload: packet.payload[...], sequenceNumber: sequence,
                                         rtpTimestamp: unit.rtpTimestamp, marker: packet.marker)
                sequence &+= 1
            }
        }
        #expect(out == units)
        #expect(depacketizer.droppedPackets == 0)
    }

    @Test func lossDropsFrameUntilKeyframe() {
        var packetizer = VP8Packetizer()
        var packets: [TestPacket] = []
        var sequence: UInt16 = 0
        for index in 0..<4 {
            let key = index == 0 || index == 3
            let frame = [UInt8(key ? 0x50 : 0x51)] + Array(repeating: UInt8(index), count: 2000)
            for packet in packetizer.packetize(AccessUnit(payloads: [frame], rtpTimestamp: UInt32(index * 3000),
                                                          isKeyframe: key), maxPayloadSize: 1200) {
                packets.append(TestPacket(payload: packet.payload, sequenceNumber: sequence,
                                          rtpTimestamp: UInt32(index * 3000), marker: packet.marker))
                sequence += 1
            }
        }
        packets.remove(at: 3)  // second packet of frame 1
        var depacketizer = VP8Depacketizer()
        let out = depacketizer.feed(packets)
        #expect(out.map(\.rtpTimestamp) == [0, 9000])
        #expect(depacketizer.droppedAccessUnits == 2)
        #expect(depacketizer.droppedPackets == 3)
    }

    /// Bandwidth probes (Chromium with transport-cc): padding-only packets on the video SSRC,
    /// carrying the last frame's timestamp, between frames. They must not break delivery until
    /// the next keyframe (a WHIP recording kept one video frame before this).
    @Test func paddingOnlyPacketsBetweenFramesAreSkipped() {
        var packetizer = VP8Packetizer()
        var packets: [TestPacket] = []
        var sequence: UInt16 = 65533
        for index in 0..<4 {
            let key = index == 0
            let frame = [UInt8(key ? 0x50 : 0x51)] + Array(repeating: UInt8(index), count: 1500)
            let timestamp = UInt32(index * 3000)
            for packet in packetizer.packetize(AccessUnit(payloads: [frame], rtpTimestamp: timestamp,
                                                          isKeyframe: key), maxPayloadSize: 1200) {
                packets.append(TestPacket(payload: packet.payload, sequenceNumber: sequence,
                                          rtpTimestamp: timestamp, marker: packet.marker))
                sequence &+= 1
            }
            for _ in 0..<2 {  // probes after the frame, with its timestamp
                packets.append(TestPacket(payload: [], sequenceNumber: sequence, rtpTimestamp: timestamp, marker: false))
                sequence &+= 1
            }
        }
        var depacketizer = VP8Depacketizer()
        let out = depacketizer.feed(packets)
        #expect(out.map(\.rtpTimestamp) == [0, 3000, 6000, 9000])
        #expect(depacketizer.droppedAccessUnits == 0)
        #expect(depacketizer.droppedPackets == 0)
    }

    @Test func frameSizeCapAtLimitAndOnePast() {
        let limits = DepacketizerLimits(maxAccessUnitBytes: 3000)
        for (size, delivered) in [(3000, true), (3001, false)] {
            var packetizer = VP8Packetizer()
            var depacketizer = VP8Depacketizer(limits: limits)
            let unit = AccessUnit(payloads: [[0x50] + Array(repeating: 9, count: size - 1)], rtpTimestamp: 0,
                                  isKeyframe: true)
            var out: [AccessUnit] = []
            for (index, packet) in packetizer.packetize(unit, maxPayloadSize: 1200).enumerated() {
                out += depacketizer.push(payload: packet.payload[...], sequenceNumber: UInt16(index),
                                         rtpTimestamp: 0, marker: packet.marker)
            }
            #expect(out == (delivered ? [unit] : []))
        }
    }
}
