import DTLS
import SRTP
import Foundation

// Release-build benchmarks for RTCBridge's hot paths. Run:
//   swift build -c release --product RTCBridgeBenchmarks && .build/release/RTCBridgeBenchmarks
// Prints one line per case; numbers go into issue notes.

let totalViewerPackets = Int(ProcessInfo.processInfo.environment["BENCH_VIEWER_PACKETS"] ?? "") ?? 400_000
print("forwarding hot path (RTP in → rewrite → SRTP protect → ByteBuffer), 1188-byte payloads, one core")
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
