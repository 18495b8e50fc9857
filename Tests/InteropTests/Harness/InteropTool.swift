import Testing

/// A prerequisite of an interop test: a privilege, a peer program or the gateway binary.
enum InteropTool: Sendable, CaseIterable {
    case root
    case ip
    case ffmpeg
    case curl
    case chromium
    case chromedriver
    /// The python venv with selenium that runs `Scripts/browser.py`.
    case selenium
    /// The venv's python, for the stdlib-only scripts in `Scripts/`.
    case python
    /// The `rtcbridge` binary under test.
    case gateway
    /// `RTCBridgeLoad`, the WHEP load generator (it sees RTCP BYE and DTLS close_notify).
    case loadGenerator
    /// The release `rtcbridge` and load generator (`RTCBRIDGE_RELEASE_BIN_DIR`), for the tests
    /// that measure delivery under load.
    case releaseGateway
    case releaseLoad

    /// Everything a test that drives Chromium against the gateway needs.
    static let browserAgainstGateway: [InteropTool] = [.root, .ip, .chromium, .chromedriver, .selenium, .gateway]
    /// Everything a test that loads the release gateway with `RTCBridgeLoad` viewers needs.
    static let loadAgainstReleaseGateway: [InteropTool] = [.root, .ip, .ffmpeg, .curl, .releaseGateway, .releaseLoad]
}

extension Trait where Self == ConditionTrait {
    /// Runs the test only when every tool is present; otherwise it is reported as skipped, with
    /// one line per missing prerequisite saying how to get it.
    static func requires(_ tools: InteropTool...) -> Self {
        requires(tools)
    }

    static func requires(_ tools: [InteropTool]) -> Self {
        let reasons = InteropEnvironment.current.missing(tools)
        return .enabled(if: reasons.isEmpty,
                        Comment(rawValue: "interop prerequisites missing: " + reasons.joined(separator: "; ")))
    }
}
