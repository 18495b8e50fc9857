import Testing
@testable import Codecs

@Suite struct H264PacketizerTests {
    func roundTrip(_ units: [AccessUnit], maxPayloadSize: Int = 1200)
        -> (packets: [[(payload: [UInt8], marker: Bool)]], out: [AccessUnit]) {
        var packetizer = H264Packetizer()
        var depacketizer = H264Depacketizer()
        var all: [[(payload: [UInt8], marker: Bool)]] = []
        var out: [AccessUnit] = []
        var sequence: UInt16 = 40000
        for unit in units {
            let packets = packetizer.packetize(unit, maxPayloadSize: maxPayloadSize)
            all.append(packets)
            for packet in packets {
                #expect(packet.payload.count <= maxPayloadSize)
                out += depacketizer.push(payload: packet.payload[...], sequenceNumber: sequence,
                                         rtpTimestamp: unit.rtpTimestamp, marker: packet.marker)
                sequence &+= 1
            }
        }
        #expect(depacketizer.droppedPackets == 0)
        return (all, out)
    }

    @Test func singleNALWhenItFits() throws {
        let unit = AccessUnit(payloads: [pSlice(size: 1200)], rtpTimestamp: 3000, isKeyframe: false)
        let (packets, out) = roundTrip([unit])
        try #require(packets[0].count == 1)
        #expect(packets[0][0].payload == pSlice(size: 1200))
        #expect(packets[0][0].marker)
        #expect(out == [unit])
    }

    @Test func stapAAggregatesParameterSets() throws {
        // 1 + (2 + 25) + (2 + 4) + (2 + 1180) > 1200, so the slice goes alone.
        let unit = AccessUnit(payloads: [demoSPS, demoPPS, idrSlice(size: 1180)], rtpTimestamp: 0, isKeyframe: true)
        let (packets, out) = roundTrip([unit])
        try #require(packets[0].count == 2)
        let expectedSTAP: [UInt8] = [0x67 & 0xe0 | 24, 0x00, UInt8(demoSPS.count)] + demoSPS + [0x00, 0x04] + demoPPS
        #expect(packets[0][0].payload == expectedSTAP)
        #expect(!packets[0][0].marker)
        #expect(packets[0][1].payload == idrSlice(size: 1180))
        #expect(packets[0][1].marker)
        #expect(out == [unit])
    }

    @Test func fuAOver1200() throws {
        let nal = idrSlice(size: 5000)
        let unit = AccessUnit(payloads: [nal], rtpTimestamp: 90_000, isKeyframe: true)
        let (packets, out) = roundTrip([unit])
        // 4999 body bytes in fragments of at most 1198: five fragments, sizes 1000 each.
        try #require(packets[0].count == 5)
        #expect(packets[0].map(\.payload.count) == [1002, 1002, 1002, 1002, 1001])
        #expect(packets[0][0].payload.prefix(2) == [0x7c, 0x85])
        #expect(packets[0][1].payload.prefix(2) == [0x7c, 0x05])
        #expect(packets[0][4].payload.prefix(2) == [0x7c, 0x45])
        #expect(packets[0].map(\.marker) == [false, false, false, false, true])
        #expect(out == [unit])
    }

    @Test func manySlicesPerFrame() {
        // Like x264 zerolatency with sliced threads: several slices, some tiny, some fragmented.
        var units: [AccessUnit] = []
        for frame in 0..<10 {
            let idr = frame % 5 == 0
            var nals: [[UInt8]] = idr ? [demoSPS, demoPPS] : []
            for slice in 0..<8 {
                let size = [30, 900, 2500, 60, 1500, 10, 1199, 1201][slice]
                nals.append(idr ? idrSlice(first: slice == 0, size: size, fill: UInt8(frame))
                                : pSlice(first: slice == 0, size: size, fill: UInt8(frame)))
            }
            units.append(AccessUnit(payloads: nals, rtpTimestamp: UInt32(frame * 3000), isKeyframe: idr))
        }
        let (packets, out) = roundTrip(units)
        #expect(out == units)
        for framePackets in packets {
            #expect(framePackets.filter(\.marker).count == 1)
            #expect(framePackets.last?.marker == true)
        }
    }

    @Test func roundTripsAcrossPayloadSizes() {
        let unit = AccessUnit(payloads: [demoSPS, demoPPS, idrSlice(size: 777), pSlice(first: false, size: 5)],
                              rtpTimestamp: 1, isKeyframe: true)
        for size in [3, 4, 5, 10, 31, 100, 576, 1200, 1500, 9000] {
            let (_, out) = roundTrip([unit], maxPayloadSize: size)
            #expect(out == [unit], "maxPayloadSize \(size)")
        }
    }

    @Test func tooSmallPayloadSizeYieldsNothing() {
        var packetizer = H264Packetizer()
        let unit = AccessUnit(payloads: [pSlice()], rtpTimestamp: 0, isKeyframe: false)
        #expect(packetizer.packetize(unit, maxPayloadSize: 2).isEmpty)
        #expect(packetizer.packetize(AccessUnit(payloads: [], rtpTimestamp: 0, isKeyframe: false),
                                     maxPayloadSize: 1200).isEmpty)
    }
}
