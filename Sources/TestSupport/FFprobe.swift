import Foundation

/// Runs the system ffprobe on bytes written to a temporary file; tests that need it are enabled
/// only when it is installed.
public enum FFprobe {
    public static let executable = ["/usr/bin/ffprobe", "/usr/local/bin/ffprobe"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    public static var isAvailable: Bool { executable != nil }

    public struct Stream: Decodable, Sendable {
        public var codec_name: String?
        public var width: Int?
        public var height: Int?
        public var duration: String?
        public var seconds: Double? { duration.flatMap(Double.init) }
    }

    private struct Output: Decodable { var streams: [Stream] }

    public struct Failed: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// The streams ffprobe reports for `bytes` saved as a file with `fileExtension`.
    public static func streams(of bytes: [UInt8], fileExtension: String) throws -> [Stream] {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("rtcbridge-probe-\(UUID().uuidString).\(fileExtension)")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try streams(ofFile: url.path)
    }

    public static func streams(ofFile path: String) throws -> [Stream] {
        guard let executable else { throw Failed(description: "ffprobe not installed") }
        let (data, _) = try run(executable, ["-v", "error", "-show_entries", "stream=codec_name,width,height,duration",
                                             "-of", "json", path])
        return try JSONDecoder().decode(Output.self, from: data).streams
    }

    /// Runs a tool (ffprobe, ffmpeg) to completion: its standard output and error; throws with
    /// the error text when it exits non-zero.
    public static func run(_ executable: String, _ arguments: [String]) throws -> (output: Data, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failed(description: "\(URL(fileURLWithPath: executable).lastPathComponent) failed: \(errors)")
        }
        return (data, errors)
    }
}
