import Foundation

/// Where the interop tests find the gateway binary, the peer programs and their own scripts.
///
/// Everything is resolved once, from the environment and fixed Debian 12 paths:
/// - `RTCBRIDGE_BIN`: the gateway (default `<package root>/.build/debug/rtcbridge`);
/// - `RTCBRIDGE_LOAD_BIN`: the load generator, a WHEP client with its own DTLS/SRTP (default
///   `<package root>/.build/debug/RTCBridgeLoad`);
/// - `RTCBRIDGE_RELEASE_BIN_DIR`: the release `rtcbridge` and `RTCBridgeLoad`, for the tests that
///   measure delivery under load (default `<package root>/.build/release`; scripts/test.sh builds
///   both and exports it);
/// - `RTCBRIDGE_PYTHON`: a python with selenium (default `/root/.cache/rtcbridge-venv/bin/python`,
///   made by `scripts/install-deps.sh --test`);
/// - `RTCBRIDGE_CHROMIUM`, `RTCBRIDGE_CHROMEDRIVER`: Debian's Chromium and its driver;
/// - `ffmpeg`, `curl` and `ip` are looked up on `PATH` (plus `/usr/sbin`, `/sbin`).
///
/// The package root is found by walking up from this file (`#filePath`) to the first folder that
/// holds a `Package.swift`, so the tests never depend on the working directory.
struct InteropEnvironment: Sendable {
    /// The environment of this test process, resolved on first use.
    static let current = InteropEnvironment(
        environment: ProcessInfo.processInfo.environment, sourceFile: #filePath)

    let packageRoot: String
    let scriptsDirectory: String
    let gatewayBinary: String
    let loadGenerator: String
    /// The release builds of the gateway and of the load generator (`Benchmarks/RTCBridgeLoad`).
    let releaseGatewayBinary: String
    let releaseLoadBinary: String
    let python: String
    let chromium: String
    let chromedriver: String
    let ffmpeg: String?
    let curl: String?
    let ip: String?
    /// Where each scope keeps the logs of the processes it started.
    let logRoot: String
    let isRoot: Bool
    /// Whether `python` imports selenium (checked once, when the environment is resolved).
    let pythonHasSelenium: Bool

    init(environment: [String: String], sourceFile: String) {
        let root = Self.packageRoot(startingAt: sourceFile)
        packageRoot = root
        scriptsDirectory = root + "/Tests/InteropTests/Scripts"
        gatewayBinary = environment["RTCBRIDGE_BIN"] ?? root + "/.build/debug/rtcbridge"
        loadGenerator = environment["RTCBRIDGE_LOAD_BIN"] ?? root + "/.build/debug/RTCBridgeLoad"
        let releaseDirectory = environment["RTCBRIDGE_RELEASE_BIN_DIR"] ?? root + "/.build/release"
        releaseGatewayBinary = releaseDirectory + "/rtcbridge"
        releaseLoadBinary = releaseDirectory + "/RTCBridgeLoad"
        let python = environment["RTCBRIDGE_PYTHON"] ?? "/root/.cache/rtcbridge-venv/bin/python"
        self.python = python
        chromium = environment["RTCBRIDGE_CHROMIUM"] ?? "/usr/lib/chromium/chromium"
        chromedriver = environment["RTCBRIDGE_CHROMEDRIVER"] ?? "/usr/bin/chromedriver"
        let searchPath = (environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        ffmpeg = Self.which("ffmpeg", in: searchPath)
        curl = Self.which("curl", in: searchPath)
        ip = Self.which("ip", in: searchPath)
        logRoot = (environment["TMPDIR"] ?? "/tmp") + "/rtcbridge-interop"
        isRoot = geteuid() == 0
        pythonHasSelenium = FileManager.default.isExecutableFile(atPath: python)
            && Self.imports(python: python, module: "selenium")
    }

    /// One reason per missing prerequisite, phrased as a fix; empty when all of `tools` are there.
    func missing(_ tools: [InteropTool]) -> [String] {
        let files = FileManager.default
        var reasons: [String] = []
        for tool in tools {
            switch tool {
            case .root where !isRoot:
                reasons.append("needs root (network namespaces); run the tests as root")
            case .ip where ip == nil:
                reasons.append("`ip` (iproute2) not found; run scripts/install-deps.sh --test")
            case .ffmpeg where ffmpeg == nil:
                reasons.append("ffmpeg not found; run scripts/install-deps.sh --test")
            case .curl where curl == nil:
                reasons.append("curl not found; run scripts/install-deps.sh --test")
            case .chromium where !files.isExecutableFile(atPath: chromium):
                reasons.append("Chromium not found at \(chromium); run scripts/install-deps.sh --test "
                    + "or set RTCBRIDGE_CHROMIUM")
            case .chromedriver where !files.isExecutableFile(atPath: chromedriver):
                reasons.append("chromedriver not found at \(chromedriver); run scripts/install-deps.sh "
                    + "--test or set RTCBRIDGE_CHROMEDRIVER")
            case .selenium where !files.isExecutableFile(atPath: python), .python where !files.isExecutableFile(atPath: python):
                reasons.append("python venv not found at \(python); run scripts/install-deps.sh --test "
                    + "or set RTCBRIDGE_PYTHON")
            case .selenium where !pythonHasSelenium:
                reasons.append("\(python) cannot import selenium; run scripts/install-deps.sh --test")
            case .gateway where !files.isExecutableFile(atPath: gatewayBinary):
                reasons.append("rtcbridge binary not found at \(gatewayBinary); build it with "
                    + "`swift build --product rtcbridge` or set RTCBRIDGE_BIN")
            case .loadGenerator where !files.isExecutableFile(atPath: loadGenerator):
                reasons.append("RTCBridgeLoad not found at \(loadGenerator); build it with "
                    + "`swift build --product RTCBridgeLoad` or set RTCBRIDGE_LOAD_BIN")
            case .releaseGateway where !files.isExecutableFile(atPath: releaseGatewayBinary):
                reasons.append("release rtcbridge not found at \(releaseGatewayBinary); build it with "
                    + "`swift build -c release --product rtcbridge` and export "
                    + "RTCBRIDGE_RELEASE_BIN_DIR=$(swift build -c release --show-bin-path) (scripts/test.sh does both)")
            case .releaseLoad where !files.isExecutableFile(atPath: releaseLoadBinary):
                reasons.append("release RTCBridgeLoad not found at \(releaseLoadBinary); build it with "
                    + "`swift build -c release --product RTCBridgeLoad` and export "
                    + "RTCBRIDGE_RELEASE_BIN_DIR=$(swift build -c release --show-bin-path) (scripts/test.sh does both)")
            default:
                break
            }
        }
        return reasons
    }

    /// The path of a file in `Tests/InteropTests/Scripts`.
    func script(_ relativePath: String) -> String {
        scriptsDirectory + "/" + relativePath
    }

    private static func packageRoot(startingAt file: String) -> String {
        var directory = URL(fileURLWithPath: file).deletingLastPathComponent()
        for _ in 0..<12 {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                return directory.path
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        return FileManager.default.currentDirectoryPath
    }

    private static func which(_ name: String, in searchPath: String) -> String? {
        for directory in searchPath.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func imports(python: String, module: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import \(module)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
