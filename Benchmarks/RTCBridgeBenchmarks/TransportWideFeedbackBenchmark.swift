import RTCBase
import RTP

/// The receive side of transport-wide congestion control per received packet: the header
/// extension lookup, `record` (unwrap + append), and the feedback built every 50 ms of virtual
/// time and serialized to RTCP (amortized over the packets it reports). Packets arrive 1 ms
/// apart (1000 packets/s, ~10 Mbit/s of 1200-byte packets) with 1 % loss.
struct TransportWideFeedbackBenchmark {
    let packets: Int

    struct Result {
        var recordNanosecondsPerPacket: Double
        var totalNanosecondsPerPacket: Double
        var feedbackPackets: Int
        var feedbackBytes: Int
    }

    func run() -> Result {
        let extensionID: UInt8 = 3
        let headers = (0..<1024).map { index in
            RTPHeaderExtensionElements(elements: [
                .init(id: 1, data: [0x90]),   // audio level, as Chromium puts it first
                .init(id: extensionID, data: [UInt8(index >> 8), UInt8(index & 0xFF)]),
            ]).serialized()
        }
        let start = Instant(nanoseconds: 1_000_000_000)

        // 1. record only (with the extension lookup), no feedback built.
        var recordOnly = TransportWideFeedbackGenerator(configuration: {
            var configuration = TransportWideFeedbackGenerator.Configuration()
            configuration.maxTrackedPackets = packets
            return configuration
        }())
        let clock = ContinuousClock()
        let recordStart = clock.now
        for index in 0..<packets {
            guard let element = RTPHeaderExtensionElements.element(id: extensionID, in: headers[index & 1023]),
                  element.count >= 2 else { continue }
            let sequence = UInt16(element[element.startIndex]) << 8 | UInt16(element[element.startIndex + 1])
            recordOnly.record(sequenceNumber: sequence &+ UInt16(truncatingIfNeeded: index & ~1023),
                              arrival: start + .milliseconds(index))
        }
        let recordElapsed = clock.now - recordStart

        // 2. record + periodic feedback + serialization.
        var generator = TransportWideFeedbackGenerator()
        var feedbackPackets = 0
        var feedbackBytes = 0
        let totalStart = clock.now
        for index in 0..<packets {
            let now = start + .milliseconds(index)
            if index % 100 != 37,
               let element = RTPHeaderExtensionElements.element(id: extensionID, in: headers[index & 1023]),
               element.count >= 2 {
                let sequence = UInt16(element[element.startIndex]) << 8 | UInt16(element[element.startIndex + 1])
                generator.record(sequenceNumber: sequence &+ UInt16(truncatingIfNeeded: index & ~1023), arrival: now)
            }
            if generator.isDue(now: now) {
                let feedback = generator.makeFeedback(senderSSRC: 1, mediaSSRC: 2, now: now)
                let bytes = RTCPCompound.serialize(feedback.map { .transportWideFeedback($0) })
                feedbackPackets += feedback.count
                feedbackBytes += bytes.count
            }
        }
        let totalElapsed = clock.now - totalStart
        precondition(recordOnly.counters.packetsRecorded == packets)
        return Result(recordNanosecondsPerPacket: Double(recordElapsed.nanosecondsClamped) / Double(packets),
                      totalNanosecondsPerPacket: Double(totalElapsed.nanosecondsClamped) / Double(packets),
                      feedbackPackets: feedbackPackets, feedbackBytes: feedbackBytes)
    }
}
