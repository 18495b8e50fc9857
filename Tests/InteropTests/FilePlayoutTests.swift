import Foundation
import Testing

extension InteropSuite {
    /// Media files as path sources (`--path clip=movie.mp4`, `clip.ivf`, `clip.h265`): the real
    /// binary reads files ffmpeg made in the test's directory, loops them in real time, and
    /// third-party readers decode them — Chromium over WHEP (MP4 H.264 + Opus, IVF VP8),
    /// ffprobe/ffmpeg over RTSP (Annex-B H.265, which Chromium may not decode; MP4 H.264 with
    /// B-frames, which Chromium's WebRTC decoder does not reorder).
    @Suite("File playout")
    struct FilePlayoutTests {
        /// Runs ffmpeg to make a file in the scope's directory; its path.
        static func make(_ scope: InteropScope, _ name: String, _ arguments: [String]) async throws -> String {
            let ffmpeg = try #require(scope.environment.ffmpeg)
            let path = scope.file(name)
            let process = try scope.start("ffmpeg-make", [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
                                          + arguments + [path])
            let status = try await process.waitForExit(timeout: .seconds(60))
            try #require(status == 0, "ffmpeg could not make \(name): \(process.logTail())")
            return path
        }

        static let pattern = ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=2"]

        @Test("MP4 (H.264 + Opus) and IVF (VP8) files → Chromium WHEP, looping",
              .requires(InteropTool.browserAgainstGateway + [.ffmpeg, .curl]), .timeLimit(.minutes(3)))
        func mp4AndIVFToChromium() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let mp4 = try await Self.make(scope, "movie.mp4", Self.pattern + [
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2",
                "-c:v", "libx264", "-profile:v", "main", "-bf", "0", "-g", "30", "-pix_fmt", "yuv420p", "-b:v", "800k",
                "-c:a", "libopus", "-b:a", "48k",
            ])
            let ivf = try await Self.make(scope, "clip.ivf", Self.pattern + [
                "-c:v", "libvpx", "-g", "30", "-b:v", "800k", "-deadline", "realtime", "-cpu-used", "8",
            ])
            let gateway = try await scope.startGateway(["--path", "movie=\(mp4)", "--path", "clip=\(ivf)"])
            try await scope.waitUntilReady(gateway, path: "movie")
            try await scope.waitUntilReady(gateway, path: "clip")

            // 4 s of a 2 s file: the second loop plays on (timestamps and sequence numbers continue).
            let movie = try await scope.runBrowser(["whep", gateway.url("/movie/whep"), "--seconds", "4"])
            print("movie.mp4 → WHEP: firstFrameMs=\(movie.firstFrameMs.map(String.init) ?? "nil") "
                + "codec=\(movie.codec ?? "nil") framesDecoded=\(movie.framesDecoded ?? 0) audioPackets=\(movie.audioPackets ?? 0)")
            #expect(movie.ok, "\(movie.json)")
            #expect(movie.codec == "video/H264" && movie.audioCodec == "audio/opus", "\(movie.json)")
            #expect((movie.framesDecoded ?? 0) > 60, "\(movie.json)")
            #expect((movie.audioPackets ?? 0) > 100, "\(movie.json)")
            #expect(movie.width == 640 && movie.height == 360, "\(movie.json)")

            let clip = try await scope.runBrowser(["whep", gateway.url("/clip/whep"), "--seconds", "4"])
            print("clip.ivf → WHEP: firstFrameMs=\(clip.firstFrameMs.map(String.init) ?? "nil") "
                + "codec=\(clip.codec ?? "nil") framesDecoded=\(clip.framesDecoded ?? 0)")
            #expect(clip.ok, "\(clip.json)")
            #expect(clip.codec == "video/VP8", "\(clip.json)")
            #expect((clip.framesDecoded ?? 0) > 60, "\(clip.json)")
            #expect(clip.width == 640 && clip.height == 360, "\(clip.json)")
            #expect(gateway.process.isRunning)
        }

        @Test("Annex-B H.265 file → ffprobe and ffmpeg read hevc over RTSP",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(2)))
        func h265ToRTSP() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let h265 = try await Self.make(scope, "clip.h265", Self.pattern + [
                "-c:v", "libx265", "-pix_fmt", "yuv420p", "-x265-params", "keyint=30:bframes=0:log-level=error",
                "-f", "hevc",
            ])
            let gateway = try await scope.startGateway(["--path", "hevc=\(h265)"])
            try await scope.waitUntilReady(gateway, path: "hevc")

            let probe = try await scope.ffprobe("rtsp://127.0.0.1:8554/hevc", transport: "tcp")
            #expect(probe.status == 0, "\(probe.log)")
            #expect(probe.streams.contains("codec_name=hevc|codec_type=video|width=640|height=360"), "\(probe.log)")
            let decoded = try await scope.ffmpegDecode("rtsp://127.0.0.1:8554/hevc", transport: "tcp", seconds: 3)
            print("clip.h265 → RTSP: frames=\(decoded.frames) status=\(decoded.status)")
            #expect(decoded.status == 0, "\(decoded.log)")
            #expect(decoded.frames > 30, "\(decoded.log)")
            #expect(gateway.process.isRunning)
        }

        /// Frames go out in decode order stamped with their presentation time: decoded by ffmpeg,
        /// B-frames included, they come out in presentation order 3000 ticks (1/30 s) apart.
        @Test("MP4 with B-frames → ffprobe over RTSP: frames in presentation order, 1/30 s apart",
              .requires(.root, .ip, .ffmpeg, .gateway, .curl), .timeLimit(.minutes(2)))
        func bFramesOverRTSP() async throws {
            let scope = try InteropScope()
            defer { scope.tearDown() }
            let mp4 = try await Self.make(scope, "bframes.mp4", Self.pattern + [
                "-c:v", "libx264", "-profile:v", "main", "-bf", "2", "-g", "30", "-pix_fmt", "yuv420p", "-b:v", "800k",
            ])
            let gateway = try await scope.startGateway(["--path", "movie=\(mp4)"])
            try await scope.waitUntilReady(gateway, path: "movie")
            let ffprobe = URL(fileURLWithPath: try #require(scope.environment.ffmpeg)).deletingLastPathComponent()
                .appendingPathComponent("ffprobe").path
            let probe = try scope.start("ffprobe-frames", [
                ffprobe, "-v", "error", "-timeout", "10000000", "-rtsp_transport", "tcp", "-select_streams", "v:0",
                "-read_intervals", "%+3", "-show_entries", "frame=pts,pict_type", "-of", "csv=p=0",
                "rtsp://127.0.0.1:8554/movie",
            ])
            let status = try await probe.waitForExit(timeout: .seconds(30))
            let frames = probe.text(.stdout).split(separator: "\n").compactMap { line -> (pts: Int, type: String)? in
                let fields = line.split(separator: ",")
                guard fields.count >= 2, let pts = Int(fields[0]) else { return nil }
                return (pts, String(fields[1]))
            }
            let steps = zip(frames, frames.dropFirst()).map { $1.pts - $0.pts }
            print("bframes.mp4 → RTSP: frames=\(frames.count) B=\(frames.filter { $0.type == "B" }.count) "
                + "steps=\(Set(steps).sorted())")
            #expect(status == 0, "\(probe.logTail())")
            #expect(frames.count > 30, "\(probe.logTail())")
            #expect(frames.contains { $0.type == "B" }, "no B-frames decoded")
            #expect(steps.allSatisfy { $0 == 3000 }, "presentation steps \(steps)")
            #expect(gateway.process.isRunning)
        }
    }
}
