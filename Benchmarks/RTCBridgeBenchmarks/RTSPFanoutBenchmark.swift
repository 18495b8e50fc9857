import Egress
import NIOCore
import RTCBase
import RTP
import Routing

/// RTSP server fan-out per reader packet, as `RTSPServerConnection` runs it for TCP-interleaved
/// readers: a media unit from the path → each reader's `RTSPServerPlayback` (track lookup,
/// `RTPStreamRewriter`, SR bookkeeping, `$`-framed header + payload appended to the connection's
/// batch) → the batch copied into a NIO `ByteBuffer` (what `channel.write` takes). Sockets excluded.
struct RTSPFanoutBenchmark {
    let readers: Int
    /// Distinct units (kept small so they stay in cache, as one live unit does while it fans out).
    let units = 300
    /// Passes over the units.
    let rounds: Int
    /// Video packets per unit (a 640x360 frame is a handful of 1188-byte packets).
    let packetsPerUnit = 4
    /// Units handled before each poll, like a drained reader batch.
    let batch = 8

    struct Result {
        var nanosecondsPerReaderPacket: Double
        var readerPacketsPerSecond: Double { 1e9 / nanosecondsPerReaderPacket }
        /// Bytes of `$`-framed RTP/RTCP handed to the connections, and the time it took.
        var bytesOut: Int
        var seconds: Double
        var gigabitsPerSecond: Double { Double(bytesOut) * 8 / seconds / 1e9 }
    }

    func run() throws -> Result {
        let start = Instant(nanoseconds: 1_000_000_000)
        let track = TrackInfo(id: 0, kind: .video, encodingName: "H264", clockRate: 90000, channels: nil,
                              fmtp: ["packetization-mode": "1"], payloadType: 96)
        var playbacks: [RTSPServerPlayback] = (0..<readers).map { _ in
            var playback = RTSPServerPlayback(
                tracks: [.init(mediaIndex: 0, kind: .video, encodingName: "H264", clockRate: 90000, payloadType: 96,
                               channels: (0, 1))],
                cname: "bench", wallClockAnchor: (start, 1_700_000_000))
            playback.handle(.tracks([track], sourceEpoch: 1), now: start)
            return playback
        }
        let payload = [UInt8](repeating: 0xAB, count: 1188)
        let events: [ReaderEvent] = (0..<units).map { u in
            let timestamp = UInt32(truncatingIfNeeded: u * 3000)
            let packets = (0..<packetsPerUnit).map { k in
                RTPPacket(payloadType: 96, sequenceNumber: UInt16(truncatingIfNeeded: u * packetsPerUnit + k),
                          timestamp: timestamp, ssrc: 0x1111_1111, marker: k == packetsPerUnit - 1, payload: payload)
            }
            return .unit(MediaUnit(trackID: 0, packets: packets, rtpTimestamp: timestamp, isKeyframe: true,
                                   arrival: start, sourceEpoch: 1))
        }
        let allocator = ByteBufferAllocator()
        var bytesOut = 0
        let now = start + .seconds(1)
        let elapsed = ContinuousClock().measure {
            for _ in 0..<rounds {
                for first in stride(from: 0, to: events.count, by: batch) {
                    let slice = events[first..<min(first + batch, events.count)]
                    for r in playbacks.indices { bytesOut &+= Self.deliver(slice, to: &playbacks[r], now: now, allocator: allocator) }
                }
            }
        }
        let sent = playbacks.reduce(0) { $0 + $1.stats.packetsSent }
        guard sent == rounds * readers * units * packetsPerUnit else {
            throw BenchmarkError("sent \(sent) packets, expected \(rounds * readers * units * packetsPerUnit)")
        }
        // Each RTP packet leaves as `$`, channel, length (4 bytes) + header (12) + payload.
        let rtpBytes = sent * (4 + 12 + payload.count)
        guard bytesOut >= rtpBytes else { throw BenchmarkError("wrote \(bytesOut) bytes, expected at least \(rtpBytes)") }
        return Result(nanosecondsPerReaderPacket: Double(elapsed.nanosecondsClamped) / Double(sent), bytesOut: bytesOut,
                      seconds: Double(elapsed.nanosecondsClamped) / 1e9)
    }

    /// One reader's share of a batch: handle the units, then write the coalesced frames.
    static func deliver(_ events: ArraySlice<ReaderEvent>, to playback: inout RTSPServerPlayback, now: Instant,
                        allocator: ByteBufferAllocator) -> Int {
        for event in events { playback.handle(event, now: now) }
        var bytes = 0
        while true {
            switch playback.poll() {
            case .interleaved(let frames): bytes &+= allocator.buffer(bytes: frames).readableBytes
            case .timeout: return bytes
            default: continue
            }
        }
    }
}
