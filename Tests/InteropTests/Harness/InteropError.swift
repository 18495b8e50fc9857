import Foundation

/// Why an interop harness step failed; each description is one line plus, where useful, the
/// tail of the log that explains it.
enum InteropError: Error, CustomStringConvertible {
    case commandFailed(command: String, status: Int32, output: String)
    case timedOut(what: String, seconds: Double, log: String)
    case exitedEarly(label: String, status: Int32, log: String)
    case unexpectedOutput(what: String, output: String)

    var description: String {
        switch self {
        case let .commandFailed(command, status, output):
            return "`\(command)` exited with \(status): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
        case let .timedOut(what, seconds, log):
            return "timed out after \(seconds) s waiting for \(what)\n\(log)"
        case let .exitedEarly(label, status, log):
            return "\(label) exited early with status \(status)\n\(log)"
        case let .unexpectedOutput(what, output):
            return "unexpected \(what): \(output.prefix(2000))"
        }
    }
}
