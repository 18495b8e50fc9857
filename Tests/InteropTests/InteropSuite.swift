import Testing

/// The interop tests: the real `rtcbridge` binary against real third-party peers (headless
/// Chromium's WebRTC stack, ffmpeg as an RTP camera, curl), each test in its own loopback-only
/// network namespace. Every nested suite is serialized: Chromium is heavy and the machine small.
///
/// Prerequisites (root, iproute2, ffmpeg, Chromium + chromedriver, the selenium venv, the built
/// binary) are checked per test; a missing one makes the test *skipped* with the reason and the
/// fix (`scripts/install-deps.sh --test`, `swift build`, `RTCBRIDGE_BIN=…`). Logs of every process
/// stay in `$TMPDIR/rtcbridge-interop/<namespace>/`.
@Suite("Interop", .serialized)
enum InteropSuite {}
