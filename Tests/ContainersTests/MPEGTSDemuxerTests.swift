import Testing
import Codecs
@testable import Containers

/// Builds small transport streams by hand: PAT, PMT and PES packets split into 188-byte packets.
struct TSBuilder {
    var counters: [UInt16: UInt8] = [:]

    mutating func packets(pid: UInt16, payload: [UInt8], start: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        var rest = payload[...]
        var first = start
        repeat {
            let counter = counters[pid, default: 0]
            counters[pid] = (counter + 1) & 0x0F
            let chunk = rest.prefix(184)
            rest = rest.dropFirst(chunk.count)
            var packet: [UInt8] = [0x47, (first ? 0x40 : 0) | UInt8(pid >> 8), UInt8(pid & 0xFF)]
            if chunk.count < 184 {
                let stuffing = 184 - chunk.count - 1   // adaptation field length byte
                packet.append(0x30 | counter)
                packet.append(UInt8(stuffing))
                if stuffing > 0 { packet += [0x00] + [UInt8](repeating: 0xFF, count: stuffing - 1) }
            } else {
                packet.append(0x10 | counter)
            }
            packet += chunk
            out += packet
            first = false
        } while !rest.isEmpty
        return out
    }

    static func section(tableID: UInt8, id: UInt16, body: [UInt8]) -> [UInt8] {
        let length = 5 + body.count + 4
        var section: [UInt8] = [tableID, 0xB0 | UInt8(length >> 8), UInt8(length & 0xFF), UInt8(id >> 8), UInt8(id & 0xFF), 0xC1, 0, 0]
        section += body
        let crc = OggCRC.update(0xFFFF_FFFF, section)
        section += [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
        return section
    }

    mutating func pat(programs: Int = 1, pmtPID: UInt16 = 0x1000) -> [UInt8] {
        var body: [UInt8] = []
        for n in 0..<programs { body += [0, UInt8(n + 1), 0xE0 | UInt8(pmtPID >> 8), UInt8(pmtPID & 0xFF)] }
        return packets(pid: 0, payload: [0] + Self.section(tableID: 0, id: 1, body: body))
    }

    /// `streams`: (stream_type, pid, descriptors).
    mutating func pmt(_ streams: [(UInt8, UInt16, [UInt8])], pmtPID: UInt16 = 0x1000) -> [UInt8] {
        var body: [UInt8] = [0xE1, 0x00, 0xF0, 0x00]
        for (type, pid, descriptors) in streams {
            body += [type, 0xE0 | UInt8(pid >> 8), UInt8(pid & 0xFF), 0xF0, UInt8(descriptors.count)] + descriptors
        }
        return packets(pid: pmtPID, payload: [0] + Self.section(tableID: 2, id: 1, body: body))
    }

    static func pes(streamID: UInt8 = 0xE0, pts: UInt64?, payload: [UInt8], bounded: Bool = false) -> [UInt8] {
        var header: [UInt8] = []
        if let pts {
            header = [0x21 | UInt8(pts >> 29 & 0x0E), UInt8(pts >> 22 & 0xFF), UInt8(pts >> 14 & 0xFE) | 1,
                      UInt8(pts >> 7 & 0xFF), UInt8(pts << 1 & 0xFE) | 1]
        }
        let optional: [UInt8] = [0x80, pts == nil ? 0 : 0x80, UInt8(header.count)] + header
        let length = bounded ? optional.count + payload.count : 0
        return [0, 0, 1, streamID, UInt8(length >> 8), UInt8(length & 0xFF)] + optional + payload
    }
}

@Suite struct MPEGTSDemuxerTests {
    /// Pushes `bytes` in datagram-sized chunks, then flushes.
    static func demux(_ bytes: [UInt8], limits: MPEGTSDemuxer.Limits = .init(), chunk: Int = 1316)
        -> (events: [MPEGTSDemuxer.Event], demuxer: MPEGTSDemuxer) {
        var demuxer = MPEGTSDemuxer(limits: limits)
        var events: [MPEGTSDemuxer.Event] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunk, bytes.count)
            events += demuxer.push(bytes[offset..<end])
            offset = end
        }
        events += demuxer.flush()
        return (events, demuxer)
    }

    static func units(_ events: [MPEGTSDemuxer.Event], pid: UInt16) -> [MPEGTSDemuxer.Unit] {
        events.compactMap { if case .unit(let unit) = $0, unit.pid == pid { unit } else { nil } }
    }

    @Test func ffmpegH264AAC() throws {
        // ffmpeg: 0.5 s of testsrc2 160x96 10 fps, libx264 baseline GOP 5 + sine AAC mono 48 kHz.
        let (events, demuxer) = Self.demux(try Fixtures.fixture("tiny-h264-aac.ts"))
        #expect(demuxer.streams.map(\.format) == [.h264, .aac])
        #expect(demuxer.streams.map(\.pid) == [0x100, 0x101])
        #expect(demuxer.stats.continuityErrors == 0 && demuxer.stats.badSections == 0 && demuxer.stats.malformedUnits == 0)
        #expect(demuxer.stats.resyncs == 0 && demuxer.stats.damagedUnits == 0)
        let video = Self.units(events, pid: 0x100)
        #expect(video.count == 5)
        #expect(video.map(\.isKeyframe) == [true, false, false, false, false])
        #expect(zip(video, video.dropFirst()).allSatisfy { $1.rtpTimestamp &- $0.rtpTimestamp == 9000 })
        let types = video[0].payloads.map { H264.nalType($0[0]) }
        #expect(types.contains(H264.NALType.sps) && types.contains(H264.NALType.pps) && types.contains(H264.NALType.idrSlice))
        let h264 = try #require(demuxer.streams.first)
        #expect(h264.isReady && h264.clockRate == 90_000)
        #expect(h264.fmtp["sprop-parameter-sets"] != nil)
        #expect(h264.fmtp["profile-level-id"]?.hasPrefix("42") == true)
        let audio = Self.units(events, pid: 0x101)
        #expect(audio.count >= 20)
        #expect(zip(audio, audio.dropFirst()).allSatisfy { $1.rtpTimestamp &- $0.rtpTimestamp == 1024 })
        let aac = demuxer.streams[1]
        #expect(aac.clockRate == 48_000 && aac.channels == 1 && aac.isReady)
        #expect(aac.fmtp["config"] == "1188")   // AAC LC, 48 kHz, mono
        #expect(aac.fmtp["mode"] == "AAC-hbr")
        // Audio and video share the PTS timeline: the first audio frame is near the first frame.
        let firstVideoPTS = try #require(video[0].pts), firstAudioPTS = try #require(audio[0].pts)
        #expect(abs(firstVideoPTS - firstAudioPTS) < 90_000)
        #expect(events.filter { if case .streamReady = $0 { true } else { false } }.count == 2)
    }

    @Test func ffmpegH265Opus() throws {
        // ffmpeg: the same pictures with libx265 GOP 5, audio libopus 20 ms.
        let (events, demuxer) = Self.demux(try Fixtures.fixture("tiny-h265-opus.ts"))
        #expect(demuxer.streams.map(\.format) == [.h265, .opus])
        #expect(demuxer.stats.malformedUnits == 0 && demuxer.stats.continuityErrors == 0)
        let video = Self.units(events, pid: demuxer.streams[0].pid)
        #expect(video.count == 5)
        #expect(video.first?.isKeyframe == true)
        let types = Set(video[0].payloads.map { H265.nalType($0[0]) })
        #expect(types.isSuperset(of: [H265.vps, H265.sps, H265.pps]))
        let audio = Self.units(events, pid: demuxer.streams[1].pid)
        #expect(audio.count >= 20)
        #expect(zip(audio, audio.dropFirst()).allSatisfy { $1.rtpTimestamp &- $0.rtpTimestamp == 960 })
        #expect(audio.allSatisfy { (try? Opus.sampleCount($0.payloads[0][...])) == 960 })
        #expect(demuxer.streams[1].clockRate == 48_000 && demuxer.streams[1].channels == 1)
    }

    @Test func oneByteChunksGiveTheSameUnits() throws {
        let bytes = try Fixtures.fixture("tiny-h264-aac.ts")
        let whole = Self.demux(bytes).events
        let split = Self.demux(bytes, chunk: 1).events
        #expect(whole == split)
    }

    @Test func garbageBetweenPacketsIsSkippedAndCounted() throws {
        let bytes = try Fixtures.fixture("tiny-h264-aac.ts")
        var dirty: [UInt8] = []
        for (n, offset) in stride(from: 0, to: bytes.count, by: 188).enumerated() {
            if n % 10 == 3 { dirty += [0x47, 0x00, 0x47, 0x12, 0x34] }
            dirty += bytes[offset..<min(offset + 188, bytes.count)]
        }
        let clean = Self.demux(bytes)
        let (events, demuxer) = Self.demux(dirty)
        #expect(events == clean.events)
        let insertions = (bytes.count / 188 + 6) / 10
        #expect(demuxer.stats.resyncs == insertions)
        #expect(demuxer.stats.skippedBytes == insertions * 5)
    }

    @Test func strayDatagramsDoNotShiftTheNextOnes() throws {
        let bytes = try Fixtures.fixture("tiny-h264-aac.ts")
        var clean = MPEGTSDemuxer(), hostile = MPEGTSDemuxer()
        var expected: [MPEGTSDemuxer.Event] = [], events: [MPEGTSDemuxer.Event] = []
        var generator = SystemRandomNumberGenerator()
        for offset in stride(from: 0, to: bytes.count, by: 1316) {
            let datagram = bytes[offset..<min(offset + 1316, bytes.count)]
            expected += clean.pushDatagram(datagram)
            // Another sender's datagram of odd size, without a sync byte, in between.
            let stray = (0..<(100 + offset % 300)).map { _ in UInt8.random(in: 0...0x46, using: &generator) }
            events += hostile.pushDatagram(stray)
            events += hostile.pushDatagram(datagram)
        }
        #expect(events == expected)
        #expect(Self.units(events, pid: 0x100).count == 4)
        #expect(hostile.stats.skippedBytes > 0 && hostile.stats.units == clean.stats.units)
    }

    @Test func continityGapDropsTheDamagedUnit() throws {
        let bytes = try Fixtures.fixture("tiny-h264-aac.ts")
        let clean = Self.demux(bytes)
        // Remove the second packet of the first video PES (PID 0x100, no payload_unit_start).
        var seen = 0
        var cut: [UInt8] = []
        for offset in stride(from: 0, to: bytes.count, by: 188) {
            let pid = UInt16(bytes[offset + 1] & 0x1F) << 8 | UInt16(bytes[offset + 2])
            if pid == 0x100 {
                seen += 1
                if seen == 2 { continue }
            }
            cut += bytes[offset..<(offset + 188)]
        }
        let (events, demuxer) = Self.demux(cut)
        #expect(demuxer.stats.continuityErrors == 1)
        #expect(demuxer.stats.damagedUnits == 1)
        #expect(Self.units(events, pid: 0x100).count == 4)
        #expect(Self.units(events, pid: 0x101) == Self.units(clean.events, pid: 0x101))
    }

    @Test func badCRCDropsTheSection() {
        var builder = TSBuilder()
        var pat = builder.pat()
        pat[182] ^= 0x01   // the program's PMT PID: the CRC no longer matches
        let (events, demuxer) = Self.demux(pat + builder.pmt([(0x1B, 0x100, [])]))
        #expect(demuxer.stats.badSections == 1)
        #expect(events.isEmpty)
        #expect(demuxer.streams.isEmpty)
    }

    @Test func programAndStreamCaps() {
        var builder = TSBuilder()
        let pat = builder.pat(programs: 3)
        let pmt = builder.pmt([(0x1B, 0x100, []), (0x0F, 0x101, [])])
        let atCap = Self.demux(pat + pmt, limits: .init(maxPrograms: 3, maxStreams: 2)).demuxer
        #expect(atCap.streams.count == 2 && atCap.stats.badSections == 0)
        let pastPrograms = Self.demux(pat + pmt, limits: .init(maxPrograms: 2, maxStreams: 2)).demuxer
        #expect(pastPrograms.streams.isEmpty && pastPrograms.stats.badSections == 1)
        let pastStreams = Self.demux(pat + pmt, limits: .init(maxPrograms: 3, maxStreams: 1)).demuxer
        #expect(pastStreams.streams.isEmpty && pastStreams.stats.badSections == 1)
    }

    /// A stream of one H.264 keyframe with SPS/PPS, then a keyframe without them.
    static func h264Stream(_ builder: inout TSBuilder) -> [UInt8] {
        let sps: [UInt8] = [0x67, 0x42, 0xC0, 0x1E, 0x8C], pps: [UInt8] = [0x68, 0xCE, 0x3C, 0x80]
        let idr: [UInt8] = [0x65, 0x88, 0x84] + [UInt8](repeating: 0x11, count: 300)
        let start: [UInt8] = [0, 0, 0, 1]
        var ts = builder.pat() + builder.pmt([(0x1B, 0x100, [])])
        ts += builder.packets(pid: 0x100, payload: TSBuilder.pes(pts: 1000, payload: start + [0x09, 0xF0] + start + sps + start + pps + start + idr))
        ts += builder.packets(pid: 0x100, payload: TSBuilder.pes(pts: 4000, payload: start + [0x09, 0xF0] + start + idr))
        return ts
    }

    @Test func keyframesGetTheLatestParameterSets() {
        var builder = TSBuilder()
        let (events, demuxer) = Self.demux(Self.h264Stream(&builder))
        let units = Self.units(events, pid: 0x100)
        #expect(units.count == 2)
        #expect(units.map { $0.payloads.map { H264.nalType($0[0]) } } == [[9, 7, 8, 5], [9, 7, 8, 5]])
        #expect(units.map(\.rtpTimestamp) == [1000, 4000])
        #expect(demuxer.streams[0].fmtp["sprop-parameter-sets"] == "Z0LAHow=,aM48gA==")
    }

    @Test func pesSizeAndUnitCaps() {
        var builder = TSBuilder()
        let ts = Self.h264Stream(&builder)
        // The first PES is the larger: 6 + 3 + 5 header bytes, 4 NAL units with start codes.
        let largest = 14 + 4 * 4 + 2 + 5 + 4 + 303
        let atCap = Self.demux(ts, limits: .init(maxPESBytes: largest, maxUnitsPerPES: 4)).demuxer
        #expect(atCap.stats.units == 2 && atCap.stats.malformedUnits == 0)
        let pastSize = Self.demux(ts, limits: .init(maxPESBytes: largest - 1, maxUnitsPerPES: 4)).demuxer
        #expect(pastSize.stats.units == 1 && pastSize.stats.malformedUnits == 1)
        let pastUnits = Self.demux(ts, limits: .init(maxPESBytes: largest, maxUnitsPerPES: 3)).demuxer
        #expect(pastUnits.stats.units == 1 && pastUnits.stats.malformedUnits == 1)
    }

    @Test func opusControlHeaders() {
        var builder = TSBuilder()
        let descriptors: [UInt8] = [0x05, 4] + Array("Opus".utf8) + [0x7F, 2, 0x80, 2]
        let packet20ms: [UInt8] = [0xF8] + [UInt8](repeating: 0xAB, count: 299)   // config 31: 20 ms CELT
        var payload: [UInt8] = [0x7F, 0xE0, 0xFF, 45] + packet20ms
        payload += [0x7F, 0xF4, 0xFF, 45, 0x00, 0x10, 1, 0xEE] + packet20ms   // start trim, one extension byte
        var ts = builder.pat() + builder.pmt([(0x06, 0x101, descriptors)])
        ts += builder.packets(pid: 0x101, payload: TSBuilder.pes(streamID: 0xBD, pts: 90_000, payload: payload, bounded: true))
        let (events, demuxer) = Self.demux(ts)
        #expect(demuxer.streams.first?.format == .opus && demuxer.streams.first?.channels == 2)
        let units = Self.units(events, pid: 0x101)
        #expect(units.map(\.rtpTimestamp) == [48_000, 48_960])
        #expect(units.allSatisfy { $0.payloads == [packet20ms] })
        // A bad prefix is malformed: the packets before it stay.
        var bad = TSBuilder()
        var badTS = bad.pat() + bad.pmt([(0x06, 0x101, descriptors)])
        badTS += bad.packets(pid: 0x101, payload: TSBuilder.pes(streamID: 0xBD, pts: 0, payload: Array(payload.prefix(304)) + [0x12, 0x34], bounded: true))
        let broken = Self.demux(badTS)
        #expect(Self.units(broken.events, pid: 0x101).count == 1 && broken.demuxer.stats.malformedUnits == 1)
    }

    @Test func ptsWrapsAt33Bits() {
        let near = Int64(1 << 33) - 900
        #expect(MPEGTSDemuxer.unwrap(100, last: near) == Int64(1 << 33) + 100)
        #expect(MPEGTSDemuxer.unwrap(UInt64(near), last: Int64(1 << 33) + 100) == near)
        #expect(MPEGTSDemuxer.unwrap(5, last: nil) == 5)
        // RTP timestamps keep going across the wrap: 1000 ticks at 90 kHz either side.
        let before = MPEGTSDemuxer.rtpTimestamp(near, clockRate: 90_000)
        let after = MPEGTSDemuxer.rtpTimestamp(Int64(1 << 33) + 100, clockRate: 90_000)
        #expect(after &- before == 1000)
        let audioBefore = MPEGTSDemuxer.rtpTimestamp(near, clockRate: 48_000)
        let audioAfter = MPEGTSDemuxer.rtpTimestamp(Int64(1 << 33) + 100, clockRate: 48_000)
        #expect(audioAfter &- audioBefore == 533 || audioAfter &- audioBefore == 534)
        #expect(MPEGTSDemuxer.rtpTimestamp(90_000, clockRate: 48_000) == 48_000)
        // A stream that steps back before its first PTS keeps wrapping at 90 kHz.
        #expect(MPEGTSDemuxer.rtpTimestamp(-10, clockRate: 90_000) == UInt32.max - 9)
    }
}
