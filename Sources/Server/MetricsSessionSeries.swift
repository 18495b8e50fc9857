import RTCBase

/// The per-session families of `/metrics` (`rtcbridge_webrtc_session_*`), written straight into
/// the Prometheus text format (version 0.0.4) instead of through swift-prometheus: there, every
/// new label set copies its family's dictionary (`MetricFamily.adding`), so the first scrape of
/// 1,000 sessions × 15 families cost 0.2–0.4 s. A session's counters only grow while it lives,
/// so each sample is simply the session's current value; its series go when it leaves the
/// snapshot. Each family is written once (its `# TYPE` line, then one sample per session), and
/// these names are never registered with swift-prometheus, so no family appears twice.
enum MetricsSessionSeries {
    enum Value: Sendable {
        case count(Int)
        /// A monotonic total that is not a whole number (seconds).
        case total(Double)
        case level(Double)
    }

    struct Family: Sendable {
        var name: String
        var type: String
        var value: @Sendable (MetricsSnapshot.SessionSample) -> Value?
    }

    static func counter(_ name: String, _ value: @escaping @Sendable (MetricsSnapshot.SessionSample) -> Int) -> Family {
        Family(name: name, type: "counter") { .count(max(value($0), 0)) }
    }

    static func gauge(_ name: String, _ value: @escaping @Sendable (MetricsSnapshot.SessionSample) -> Double?) -> Family {
        Family(name: name, type: "gauge") { value($0).map(Value.level) }
    }

    /// Every per-session family but `rtcbridge_webrtc_session_info` (written first, with its own labels).
    static let families: [Family] = [
        counter("rtcbridge_webrtc_session_packets_sent_total") { $0.counters.packetsSent },
        counter("rtcbridge_webrtc_session_bytes_sent_total") { $0.counters.bytesSent },
        counter("rtcbridge_webrtc_session_packets_received_total") { $0.counters.packetsReceived },
        counter("rtcbridge_webrtc_session_nacks_received_total") { $0.counters.nacksReceived },
        counter("rtcbridge_webrtc_session_nacks_sent_total") { $0.counters.nacksSent },
        counter("rtcbridge_webrtc_session_keyframe_requests_received_total") { $0.counters.keyframeRequestsReceived },
        counter("rtcbridge_webrtc_session_retransmissions_total") { $0.counters.retransmissions },
        counter("rtcbridge_webrtc_session_reader_dropped_units_total") { $0.readerDroppedUnits },
        gauge("rtcbridge_webrtc_session_rtt_seconds") { $0.roundTripSeconds },
        gauge("rtcbridge_webrtc_session_jitter_seconds") { $0.jitterSeconds },
        gauge("rtcbridge_webrtc_session_fraction_lost") { $0.fractionLost },
        gauge("rtcbridge_webrtc_session_packets_lost") { $0.packetsLost.map(Double.init) },
        gauge("rtcbridge_webrtc_session_keyframe_wait_seconds") { $0.keyframeWaitSeconds },
        Family(name: "rtcbridge_webrtc_session_freezes_total", type: "counter") { $0.freezes.map { .count($0.freezes) } },
        Family(name: "rtcbridge_webrtc_session_frozen_seconds_total", type: "counter") {
            $0.freezes.map { .total($0.frozen.secondsDouble) }
        },
        Family(name: "rtcbridge_webrtc_session_keyframe_waiting_seconds_total", type: "counter") {
            $0.freezes.map { .total($0.keyframeWaiting.secondsDouble) }
        },
    ]

    /// Appends the families of `sessions` to `buffer`; a family no session has a value for is left out.
    static func append(_ sessions: [MetricsSnapshot.SessionSample], into buffer: inout [UInt8]) {
        guard !sessions.isEmpty else { return }
        let labels = sessions.map { session -> [UInt8] in
            var text: [UInt8] = []
            text.reserveCapacity(48)
            appendLabel("path", session.path, into: &text)
            text.append(UInt8(ascii: ","))
            appendLabel("session", session.id, into: &text)
            return text
        }
        appendType("rtcbridge_webrtc_session_info", "gauge", into: &buffer)
        for (session, label) in zip(sessions, labels) {
            buffer.append(contentsOf: "rtcbridge_webrtc_session_info{".utf8)
            buffer.append(contentsOf: label)
            for (name, value) in [("role", session.role), ("srtp_profile", session.srtpProfile ?? ""),
                                  ("candidate_type", session.candidateType)] {
                buffer.append(UInt8(ascii: ","))
                appendLabel(name, value, into: &buffer)
            }
            buffer.append(contentsOf: "} 1.0\n".utf8)
        }
        for family in families {
            var typed = false
            for (session, label) in zip(sessions, labels) {
                guard let value = family.value(session) else { continue }
                if !typed {
                    appendType(family.name, family.type, into: &buffer)
                    typed = true
                }
                buffer.append(contentsOf: family.name.utf8)
                buffer.append(UInt8(ascii: "{"))
                buffer.append(contentsOf: label)
                buffer.append(contentsOf: "} ".utf8)
                switch value {
                case .count(let count): buffer.append(contentsOf: String(count).utf8)
                case .total(let level), .level(let level): buffer.append(contentsOf: "\(level)".utf8)
                }
                buffer.append(UInt8(ascii: "\n"))
            }
        }
    }

    static func appendType(_ name: String, _ type: String, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: "# TYPE ".utf8)
        buffer.append(contentsOf: name.utf8)
        buffer.append(UInt8(ascii: " "))
        buffer.append(contentsOf: type.utf8)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// `name="value"`, the value escaped as the text format requires (backslash, quote, line feed).
    static func appendLabel(_ name: String, _ value: String, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: name.utf8)
        buffer.append(contentsOf: "=\"".utf8)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\""): buffer.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\n"): buffer.append(contentsOf: #"\n"#.utf8)
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}
