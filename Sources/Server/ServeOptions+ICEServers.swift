import ICE
import RTCBase
import Runtime

extension ServeOptions {
    /// ICE servers at most (each is one `Link` header on every answer).
    public static let maxICEServers = 16

    /// STUN refresh intervals accepted (`webrtc.stunRefresh`): 10 s to one day.
    public static let stunRefreshRange: ClosedRange<Duration> = .seconds(10) ... .seconds(86_400)

    static func stunRefresh(_ text: String, _ source: String) throws -> Duration {
        guard let value = Duration(configText: text), stunRefreshRange.contains(value) else {
            throw ConfigError("\(source) '\(text)' must be a duration from 10s to 24h, like \"5m\"")
        }
        return value
    }

    /// The file's `webrtc.tcp*` keys.
    static func applyTCP(_ section: ConfigFile.WebRTC?, to settings: inout WebRTCTCPSettings, file: String) throws {
        guard let section else { return }
        func ranged(_ value: Int?, _ key: String, _ range: ClosedRange<Int>, _ apply: (Int) -> Void) throws {
            guard let value else { return }
            guard range.contains(value) else {
                throw ConfigError("\(file): webrtc.\(key) must be from \(range.lowerBound) to \(range.upperBound)")
            }
            apply(value)
        }
        try ranged(section.tcpPort, "tcpPort", 0...65535) { settings.port = $0 }
        try ranged(section.tcpMaxConnections, "tcpMaxConnections", 1...1_000_000) { settings.maxConnections = $0 }
        try ranged(section.tcpMaxFrameBytes, "tcpMaxFrameBytes", WebRTCTCPSettings.frameBytesRange) { settings.maxFrameBytes = $0 }
        try ranged(section.tcpMaxBufferedBytes, "tcpMaxBufferedBytes", WebRTCTCPSettings.bufferedBytesRange) {
            settings.maxBufferedBytes = $0
        }
    }

    /// Parses `--ice-server` values (or the file's `http.iceServers`); errors name `source`.
    static func iceServers(_ texts: [String], _ source: String) throws -> [ICEServer] {
        guard texts.count <= maxICEServers else { throw ConfigError("\(source): at most \(maxICEServers) ICE servers") }
        return try texts.map { text in
            do { return try ICEServer(parsing: text) } catch { throw ConfigError("\(source): \(error)") }
        }
    }
}
