import DTLS
import Foundation
import RTCBase
import SRTP

/// A real Chromium 156 recvonly offer (Tests/SDPTests/Vectors), read from the source tree.
let chromiumOffer: String? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try? String(contentsOf: root.appendingPathComponent("Tests/SDPTests/Vectors/chromium-recvonly.sdp"), encoding: .utf8)
}()

// Release-build benchmarks for RTCBridge's hot paths. Run:
//   swift build -c release --product RTCBridgeBenchmarks && .build/release/RTCBridgeBenchmarks
// Prints one line per case; numbers go into issue notes. BENCH_ONLY=memory (or a comma-separated
// list of forwarding, relay, setup, memory, rtsp, rtsp-udp, transcode, twcc, simulcast, metrics, data, data-e2e) runs only those sections.

let onlySections = ProcessInfo.processInfo.environment["BENCH_ONLY"].map { Set($0.split(separator: ",").map(String.init)) }
func runs(_ section: String) -> Bool { onlySections?.contains(section) ?? true }

if runs("forwarding") {
    let totalViewerPackets = Int(ProcessInfo.processInfo.environment["BENCH_VIEWER_PACKETS"] ?? "") ?? 400_000
    print("forwarding hot path (unit → rewrite → SRTP protect in place into the send arena), 1188-byte payloads, one core")
    for profile in [SRTPProtectionProfile.aeadAES128GCM, .aes128CMHMACSHA1_80] {
        for viewers in [1, 100, 1000] {
            let packets = max(totalViewerPackets / viewers, 50)
            do {
                let result = try ForwardingBenchmark(viewers: viewers, profile: profile, packets: packets).run()
                print(String(format: "  %@ viewers=%4d: %.2f µs/viewer-packet, %.0f viewer-packets/s",
                             "\(profile)", viewers, result.nanosecondsPerViewerPacket / 1000, result.viewerPacketsPerSecond))
            } catch {
                print("  \(profile) viewers=\(viewers): failed: \(error)")
            }
        }
    }
}

if runs("relay") {
    print("WHIP → WHEP relay, gateway part (SRTP in → unit → fan-out → SRTP out), per video frame of 3 packets")
    for viewers in [1, 50] {
        do {
            let result = try RelayLatencyBenchmark(viewers: viewers, frames: 3000).run()
            print(String(format: "  viewers=%2d: p50 %.1f µs, p99 %.1f µs (frame's last packet in → last viewer's packet out; %d packets out)",
                         viewers, result.p50.secondsDouble * 1e6, result.p99.secondsDouble * 1e6, result.packets))
        } catch {
            print("  viewers=\(viewers): failed: \(error)")
        }
    }
}

if runs("setup") {
    print("WHEP session setup on the gateway (offer → answer → ICE → DTLS connected), one core")
    if let offer = chromiumOffer {
        do {
            let rate = try SessionSetupBenchmark(sessions: 300, offer: offer).run()
            print(String(format: "  %.0f sessions/s", rate))
        } catch {
            print("  failed: \(error)")
        }
    }
}

if runs("memory") {
    print("heap per gateway WebRTC session (mallinfo2), 300 sessions")
    do {
        let result = try SessionMemoryBenchmark(sessions: 300).run()
        print(String(format: "  connected: %.1f KiB; with full send histories (2 × 512 packets): %.1f KiB",
                     result.connectedBytes / 1024, result.withHistoryBytes / 1024))
        let browserLike = try SessionMemoryBenchmark(sessions: 300, audioNACK: false, packetInterval: .microseconds(2_500)).run()
        print(String(format: "  as browsers negotiate (NACK for video only), 200 video packets/s for 3 s: connected %.1f KiB; with the video history: %.1f KiB",
                     browserLike.connectedBytes / 1024, browserLike.withHistoryBytes / 1024))
    } catch {
        print("  failed: \(error)")
    }
    do {
        let parts = try SessionMemoryBreakdown(instances: 200).run()
        print(String(format: "  parts: DTLS after handshake %.1f KiB as server, %.1f KiB as client; SRTP contexts %.1f KiB (GCM), %.1f KiB (AES-CM); ICE-lite agent %.1f KiB",
                     parts.dtlsServerBytes / 1024, parts.dtlsClientBytes / 1024, parts.srtpGCMBytes / 1024,
                     parts.srtpAESCMBytes / 1024, parts.iceAgentBytes / 1024))
    } catch {
        print("  parts failed: \(error)")
    }
}

if runs("rtsp") {
    print("RTSP server fan-out to TCP-interleaved readers (path unit → rewrite → $-framed bytes → ByteBuffer), 1188-byte payloads, one core")
    for readers in [1, 100, 1000] {
        do {
            let result = try RTSPFanoutBenchmark(readers: readers, rounds: max(200 / readers, 2)).run()
            print(String(format: "  readers=%3d: %.0f ns/reader-packet, %.0f reader-packets/s per core (%.1f Gbit/s of framed bytes written)",
                         readers, result.nanosecondsPerReaderPacket, result.readerPacketsPerSecond,
                         result.gigabitsPerSecond))
        } catch {
            print("  readers=\(readers): failed: \(error)")
        }
    }
}

if runs("rtsp-udp") {
    let packets = Int(ProcessInfo.processInfo.environment["BENCH_RTSP_UDP_PACKETS"] ?? "") ?? 200_000
    print("RTSP-over-UDP ingest (publisher datagram → server UDP port → its connection's loop → path), 1000-byte payloads, loopback, 2 server loops")
    for run in 1...3 {
        do {
            let result = try RTSPUDPIngestBenchmark(packets: packets).run()
            print(String(format: "  run %d: %.0f ns/packet wall, %.0f ns/packet CPU (whole process), %.0f packets/s (%d delivered)",
                         run, result.nanosecondsPerPacket, result.cpuNanosecondsPerPacket, result.packetsPerSecond, result.delivered))
        } catch {
            print("  run \(run): failed: \(error)")
        }
    }
}

if runs("transcode") {
    print("AAC → Opus for WebRTC viewers (libavcodec + libswresample + libopus 64 kbit/s), one stream, one core")
    for fixture in ["sine440-48k-mono.aac", "sine440-44k1-stereo.aac"] {
        do {
            let result = try TranscodeBenchmark(fixture: fixture, repeats: 60).run()
            print(String(format: "  %@: %.1f µs CPU per 20 ms Opus frame (%.1f µs wall), %.2f %% of a core per stream (%d frames)",
                         fixture, result.microsecondsPerOpusFrame, result.wallMicrosecondsPerOpusFrame,
                         result.coreShare * 100, result.opusFrames))
        } catch {
            print("  \(fixture): failed: \(error)")
        }
    }
}

if runs("twcc") {
    print("transport-wide cc receive side (extension lookup → record; feedback every 50 ms, serialized), 1000 packets/s, 1 % loss, one core")
    for run in 1...3 {
        let result = TransportWideFeedbackBenchmark(packets: 2_000_000).run()
        print(String(format: "  run %d: record %.1f ns/packet; record + feedback %.1f ns/packet (%d feedback packets, %.1f bytes each)",
                     run, result.recordNanosecondsPerPacket, result.totalNanosecondsPerPacket, result.feedbackPackets,
                     Double(result.feedbackBytes) / Double(max(result.feedbackPackets, 1))))
    }
}

if runs("simulcast") {
    print("simulcast per viewer (estimator books the packet, selector decides; TWCC feedback + reselection every 50 ms, amortized), one core")
    for run in 1...3 {
        let nanoseconds = SimulcastSelectionBenchmark(packets: 2_000_000).run()
        print(String(format: "  run %d: %.1f ns/viewer-packet", run, nanoseconds))
    }
}

if runs("metrics") {
    print("/metrics render (MetricsExporter: per-session series as text, the rest swift-metrics → swift-prometheus), 10 paths, one core")
    for sessions in [100, 1000] {
        let result = MetricsBenchmark(sessions: sessions, paths: 10, scrapes: 20).run()
        print(String(format: "  sessions=%4d: first scrape %.1f ms, later scrapes p50 %.1f ms, max %.1f ms (%d KiB of text)",
                     sessions, result.firstRender.secondsDouble * 1000, result.p50.secondsDouble * 1000,
                     result.max.secondsDouble * 1000, result.bytes / 1024))
        print(String(format: "                 thread CPU: first scrape %.1f ms, later scrapes p50 %.1f ms, max %.1f ms",
                     result.firstRenderCPU * 1000, result.p50CPU * 1000, result.maxCPU * 1000))
        if sessions == 1000 {
            // Viewers of a 2 Mbit/s stream get ~200 packets/s each; per scrape interval that is
            // sessions × 200 × interval viewer-packets, and the scrape's cost is shared by them.
            for interval in [1.0, 15.0] {
                let packets = Double(sessions) * 200 * interval
                print(String(format: "  metrics cost per viewer-packet, scraped every %2.0f s at 200 packets/s per viewer: %.3f µs (p50 render / %.0f viewer-packets)",
                             interval, result.p50.secondsDouble * 1e6 / packets, packets))
            }
        }
    }
}

if runs("data") {
    print("data channels: one session gateway → browser stand-in (SCTP in DTLS, both ends), 200-byte binary messages, one core")
    do {
        let result = try DataChannelBenchmark.session(messages: 50_000)
        print(String(format: "  %.0f messages/s (%.1f Mbit/s of payload)", result.messagesPerSecond,
                     result.messagesPerSecond * 200 * 8 / 1e6))
    } catch {
        print("  failed: \(error)")
    }
    print("data bus fan-out (publish → per-reader queues → drain), 200-byte messages, one core")
    for readers in [1, 100] {
        do {
            let result = try DataChannelBenchmark.bus(readers: readers, messages: 2_000_000 / readers)
            print(String(format: "  readers=%3d: %.0f reader-messages/s", readers, result.messagesPerSecond))
        } catch {
            print("  readers=\(readers): failed: \(error)")
        }
    }
}

if runs("data-e2e") {
    // BENCH_DATA_RATE: datagrams/s (default 1,000: 100,000 viewer-messages/s with 100 viewers).
    let rate = Int(ProcessInfo.processInfo.environment["BENCH_DATA_RATE"] ?? "") ?? 1_000
    print("data fan-out end to end: 200-byte datagrams → UDP device → bus → 100 viewer sessions (DCEP/SCTP/DTLS) → "
        + "in-process browser stand-ins, \(rate) datagrams/s for 5 s")
    for run in 1...3 {
        do {
            let result = try DataFanoutBenchmark(viewers: 100, datagramsPerSecond: rate, seconds: 5).run()
            print(String(format: "  run %d: %d of %d viewer-messages, %.0f/s wall, %.0f per CPU-second (whole process, "
                         + "%.2f CPU-s), latency p50 %.2f ms p99 %.2f ms max %.2f ms, bus drops %d", run,
                         result.viewerMessages, result.expected, result.perSecond, result.perCPUSecond, result.cpuSeconds,
                         result.p50Milliseconds, result.p99Milliseconds, result.maxMilliseconds, result.busDropped))
        } catch {
            print("  run \(run): failed: \(error)")
        }
    }
    // The browser end is the in-process stand-in: Chromium's SCTP is usrsctp too, so its sending
    // costs what Chromium's would, without the browser's process hops.
    print("data channel uplink: browser stand-in → gateway session, one channel, 16 KiB binary messages, one core (both ends)")
    for run in 1...3 {
        do {
            let result = try DataChannelBenchmark.session(messages: 5_000, size: 16_384, direction: .toGateway)
            print(String(format: "  run %d: %.1f Mbit/s of payload (%.2f s)", run,
                         result.messagesPerSecond * 16_384 * 8 / 1e6, result.seconds))
        } catch {
            print("  run \(run): failed: \(error)")
        }
    }
}
