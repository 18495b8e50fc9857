import Codecs
import Testing

/// Inputs FuzzCodecs found (Fuzz/README.md), cut down to what triggers each bug.
@Suite struct AACDepacketizerFuzzRegressionTests {
    /// An empty AU-header section and no AU data with the marker: the packet was counted twice
    /// as dropped (once as part of the fragment, once as the bad packet).
    @Test func emptyPayloadWithMarkerIsDroppedOnce() {
        var depacketizer = AACDepacketizer()
        #expect(depacketizer.push(payload: [0x00, 0x00][...], sequenceNumber: 1, rtpTimestamp: 0, marker: true).isEmpty)
        #expect(depacketizer.droppedPackets == 1)
        // After one empty fragment without the marker, the empty end drops both packets once each.
        #expect(depacketizer.push(payload: [0x00, 0x00][...], sequenceNumber: 2, rtpTimestamp: 90, marker: false).isEmpty)
        #expect(depacketizer.push(payload: [0x00, 0x00][...], sequenceNumber: 3, rtpTimestamp: 90, marker: true).isEmpty)
        #expect(depacketizer.droppedPackets == 3)
        // The depacketizer still delivers the next AU.
        let units = depacketizer.push(payload: [0x00, 0x10, 0x00, 0x10, 0xAB, 0xCD][...], sequenceNumber: 4,
                                      rtpTimestamp: 1024, marker: true)
        #expect(units == [AccessUnit(payloads: [[0xAB, 0xCD]], rtpTimestamp: 1024, isKeyframe: true)])
    }
}
