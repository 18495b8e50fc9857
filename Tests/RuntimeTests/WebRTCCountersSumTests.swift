@testable import Runtime
import Testing
import WebRTC

/// `/api/stats` sums every session's counters with `WebRTCCounters.add`: a field missing there
/// reads 0 (nacksSent did). Every stored counter must be summed.
@Suite struct WebRTCCountersSumTests {
    static var fields: [WritableKeyPath<WebRTCCounters, Int>] { [
        \.droppedDatagrams, \.stunRejected, \.srtpAuthFailures, \.srtpReplays, \.rtcpMalformed, \.packetsSent,
        \.bytesSent, \.nacksReceived, \.nacksSent, \.packetsReceived, \.retransmissions, \.retransmissionsRefused,
        \.retransmissionsOnRTX, \.retransmissionsReceived, \.retransmissionsUnmatched, \.retransmissionsRedundant,
        \.keyframeRequestsReceived, \.transportWideFeedbackSent, \.rembSent, \.goodbyesSent, \.iceAddressChanges,
        \.iceProbesSent, \.iceMovesRefused, \.iceProbesSuppressed, \.dataChannelPacketsUnsent,
    ] }

    @Test func everyFieldIsSummed() {
        // The list above names every stored field: a new field fails here until it is listed.
        #expect(Mirror(reflecting: WebRTCCounters()).children.count == Self.fields.count)
        var one = WebRTCCounters()
        for (index, field) in Self.fields.enumerated() { one[keyPath: field] = index + 1 }
        var sum = WebRTCCounters()
        sum.add(one)
        sum.add(one)
        for (index, field) in Self.fields.enumerated() {
            #expect(sum[keyPath: field] == 2 * (index + 1), "field \(index) (\(field))")
        }
    }
}
