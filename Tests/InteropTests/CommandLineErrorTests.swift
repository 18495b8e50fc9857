import Foundation
import Testing

extension InteropSuite {
    /// Mistakes on the command line or in the config file end `rtcbridge serve` at once, with a
    /// non-zero status and a message that names the culprit. No namespace: nothing should start;
    /// every run still gets loopback, ephemeral ports and a 10 s limit in case it does.
    @Suite("Command-line and config errors")
    struct CommandLineErrorTests {
        /// Harmless listen options added to every `serve` run that is not about them.
        static let safePorts = ["--http", "127.0.0.1:0", "--webrtc-udp", "0", "--ice-host", "127.0.0.1"]

        /// Runs `rtcbridge serve <arguments>`, expects a non-zero exit and `needle` on stderr.
        static func expectRefusal(_ arguments: [String], mentioning needle: String,
                                  sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let run = try await GatewayCommand.run(["serve"] + arguments)
            #expect(run.status != 0, "`serve \(arguments.joined(separator: " "))` exited 0", sourceLocation: sourceLocation)
            let stdout = run.stdout.isEmpty ? "" : "\nstdout:\n\(run.stdout)"
            #expect(run.stderr.contains(needle),
                    "`serve \(arguments.joined(separator: " "))`: stderr does not mention \(needle):\n\(run.stderr)\(stdout)",
                    sourceLocation: sourceLocation)
        }

        @Test("--path without '=': non-zero, says NAME=SOURCE", .requires(.gateway), .timeLimit(.minutes(1)))
        func pathWithoutEquals() async throws {
            try await Self.expectRefusal(["--path", "nope"] + Self.safePorts, mentioning: "NAME=SOURCE")
        }

        @Test("--path to a missing .sdp file: non-zero, names the file", .requires(.gateway), .timeLimit(.minutes(1)))
        func missingSDPFile() async throws {
            try await Self.expectRefusal(["--path", "cam=/nonexistent/x.sdp"] + Self.safePorts,
                                         mentioning: "/nonexistent/x.sdp")
        }

        @Test("--config of a missing file: non-zero, names the file", .requires(.gateway), .timeLimit(.minutes(1)))
        func missingConfigFile() async throws {
            try await Self.expectRefusal(["--config", "/nonexistent.yml"] + Self.safePorts, mentioning: "/nonexistent.yml")
        }

        @Test("A config file with a string for webrtc.udpPort: non-zero, names udpPort",
              .requires(.gateway), .timeLimit(.minutes(1)))
        func configTypeError() async throws {
            let folder = InteropEnvironment.current.logRoot + "/cli-\(getpid())"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let file = folder + "/bad-type.yml"
            try "webrtc: {udpPort: \"abc\"}\n".write(toFile: file, atomically: true, encoding: .utf8)
            // No port flags here: they would not hide the error, but the file's own keys are under test.
            try await Self.expectRefusal(["--config", file, "--http", "127.0.0.1:0"], mentioning: "udpPort")
        }

        @Test("--webrtc-udp 70000: non-zero", .requires(.gateway), .timeLimit(.minutes(1)))
        func portOutOfRange() async throws {
            try await Self.expectRefusal(["--webrtc-udp", "70000", "--http", "127.0.0.1:0", "--ice-host", "127.0.0.1"],
                                         mentioning: "70000")
        }

        @Test("--log-level loud: non-zero", .requires(.gateway), .timeLimit(.minutes(1)))
        func unknownLogLevel() async throws {
            try await Self.expectRefusal(["--log-level", "loud"] + Self.safePorts, mentioning: "loud")
        }

        @Test("--help exits 0 and lists serve", .requires(.gateway), .timeLimit(.minutes(1)))
        func help() async throws {
            let run = try await GatewayCommand.run(["--help"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("serve"), "\(run.stdout)")
        }
    }
}
