import DTLS
import RTCBase
import RTP
import Testing
import WebRTC
import WebRTCTestSupport

/// A receiving session (a WHIP publisher's peer) tells the sender what gets through:
/// transport-wide feedback for every packet carrying the transport-wide sequence number, and REMB
/// (the configured cap alongside transport-wide feedback; a receive-side estimate without it).
@Suite struct BandwidthFeedbackTests {
    static let extensionID: UInt8 = 3
    static let ssrc: UInt32 = 0x5EED

    static func connectedPair(configure: (inout WebRTCSession.Configuration) -> Void = { _ in }) throws -> PeerPairDriver {
        var dtls = DTLSConfiguration()
        dtls.initialRetransmitTimeout = .milliseconds(25)
        var pair = try PeerPairDriver.make(dtls: dtls, gatewayAddress: WebRTCSessionTests.gatewayAddress,
                                           browserAddress: WebRTCSessionTests.browserAddress,
                                           start: Instant(nanoseconds: 5_000_000_000), configure: configure)
        #expect(pair.run { $0.gateway.isConnected && $0.browser.isConnected })
        pair.gateway.expectInbound(payloadType: 96, clockRate: 90000)
        return pair
    }

    /// The browser sends one RTP packet of `payloadBytes` (with the transport-wide sequence number
    /// when given), then time moves on by `gap`.
    static func send(_ pair: inout PeerPairDriver, sequenceNumber: UInt16, transportSequence: UInt16?,
                     payloadBytes: Int = 100, gap: Duration = .milliseconds(5)) throws {
        let header = transportSequence.map {
            RTPHeaderExtensionElements(elements: [.init(id: extensionID, data: [UInt8($0 >> 8), UInt8($0 & 0xFF)])]).serialized()
        }
        let rtp = RTPPacket(payloadType: 96, sequenceNumber: sequenceNumber, timestamp: UInt32(sequenceNumber) * 3000,
                            ssrc: ssrc, marker: true, payload: [UInt8](repeating: 0x41, count: payloadBytes),
                            headerExtension: header)
        let datagram = try #require(pair.browser.protectRTP(rtp))
        pair.inject(datagram, from: WebRTCSessionTests.browserAddress, to: WebRTCSessionTests.gatewayAddress)
        pair.advance(to: pair.now + gap)
    }

    static func transportWideFeedback(_ pair: PeerPairDriver) -> [RTCPTransportWideFeedback] {
        pair.browser.receivedRTCP.compactMap { if case .transportWideFeedback(let f) = $0 { return f } else { return nil } }
    }

    static func rembs(_ pair: PeerPairDriver) -> [RTCPREMB] {
        pair.browser.receivedRTCP.compactMap { if case .remb(let r) = $0 { return r } else { return nil } }
    }

    @Test func everyPacketIsReportedAndREMBCarriesTheCap() throws {
        var pair = try Self.connectedPair { $0.bandwidth.remb.maxBitrate = 5_000_000 }
        pair.gateway.enableBandwidthFeedback(transportSequenceExtensionID: Self.extensionID, transportCC: true, remb: true)
        let lost: Set<UInt16> = [1010, 1011, 1050]
        for index in UInt16(0)..<200 where !lost.contains(1000 + index) {
            try Self.send(&pair, sequenceNumber: index, transportSequence: 1000 + index)
        }
        pair.advance(to: pair.now + .milliseconds(1200))
        let feedback = Self.transportWideFeedback(pair)
        // ~1 s of packets, one feedback per 50 ms.
        #expect(feedback.count >= 15 && feedback.count <= 25, "\(feedback.count) feedback packets")
        #expect(pair.gateway.counters.transportWideFeedbackSent == feedback.count)
        #expect(feedback.map(\.feedbackCount) == (0..<feedback.count).map { UInt8($0) })
        var received = Set<UInt16>(), reportedLost = Set<UInt16>()
        var previousArrival: Int64?
        for packet in feedback {
            #expect(packet.senderSSRC == pair.gateway.configuration.feedbackSSRC && packet.mediaSSRC == Self.ssrc)
            var time = packet.referenceTimeMicroseconds
            for status in packet.packets {
                guard let delta = status.deltaMicroseconds else { reportedLost.insert(status.sequenceNumber); continue }
                received.insert(status.sequenceNumber)
                time += delta
                // Lost packets were never sent: received ones arrived 5 ms apart.
                if let previousArrival { #expect(time - previousArrival == 5_000, "seq \(status.sequenceNumber)") }
                previousArrival = time
            }
        }
        #expect(received == Set(UInt16(1000)..<1200).subtracting(lost))
        #expect(reportedLost == lost)
        #expect(pair.gateway.transportWideFeedbackCounters?.packetsRecorded == 197)
        // REMB only caps a sender that estimates for itself.
        let rembs = Self.rembs(pair)
        #expect(!rembs.isEmpty && rembs.allSatisfy { $0.bitrate == 5_000_000 && $0.ssrcs == [Self.ssrc] })
        #expect(pair.gateway.rembEstimate == 5_000_000)
    }

    @Test func packetsWithoutTheExtensionAreNotReported() throws {
        var pair = try Self.connectedPair()
        pair.gateway.enableBandwidthFeedback(transportSequenceExtensionID: Self.extensionID, transportCC: true, remb: false)
        for index in UInt16(0)..<20 { try Self.send(&pair, sequenceNumber: index, transportSequence: nil) }
        pair.advance(to: pair.now + .milliseconds(500))
        #expect(Self.transportWideFeedback(pair).isEmpty && Self.rembs(pair).isEmpty)
        #expect(pair.gateway.counters.packetsReceived == 20)
        // Nothing negotiated: nothing sent.
        var off = try Self.connectedPair()
        off.gateway.enableBandwidthFeedback(transportSequenceExtensionID: Self.extensionID, transportCC: false, remb: false)
        for index in UInt16(0)..<20 { try Self.send(&off, sequenceNumber: index, transportSequence: index) }
        off.advance(to: off.now + .seconds(2))
        #expect(Self.transportWideFeedback(off).isEmpty && Self.rembs(off).isEmpty)
        #expect(off.gateway.transportWideFeedbackCounters == nil && off.gateway.rembEstimate == nil)
    }

    @Test func rembAloneGrowsWithWhatArrivesAndBacksOffOnLoss() throws {
        var pair = try Self.connectedPair {
            $0.bandwidth.remb.startBitrate = 1_000_000
            $0.bandwidth.remb.maxBitrate = 3_000_000
        }
        pair.gateway.enableBandwidthFeedback(transportSequenceExtensionID: nil, transportCC: false, remb: true)
        // 1,000-byte packets (12-byte header + 988) every 10 ms: 800 kbit/s.
        var sequence: UInt16 = 0
        for _ in 0..<300 {
            try Self.send(&pair, sequenceNumber: sequence, transportSequence: nil, payloadBytes: 988, gap: .milliseconds(10))
            sequence &+= 1
        }
        let clean = Self.rembs(pair).map(\.bitrate)
        #expect(clean.count >= 2)
        // incoming × 1.5, never above the cap.
        #expect(clean.allSatisfy { (1_100_000...1_300_000).contains($0) }, "\(clean)")
        #expect(Self.transportWideFeedback(pair).isEmpty)
        // Now a quarter of the packets are lost: the receiver report's loss backs the estimate off.
        pair.browser.clearReceived()
        for index in 0..<400 {
            if index % 4 != 0 {
                try Self.send(&pair, sequenceNumber: sequence, transportSequence: nil, payloadBytes: 988, gap: .milliseconds(10))
            } else {
                pair.advance(to: pair.now + .milliseconds(10))
            }
            sequence &+= 1
        }
        let lossy = Self.rembs(pair).map(\.bitrate)
        #expect(lossy.count >= 3)
        // 600 kbit/s arrive with 25 % loss: 600k × (1 − 0.125) = 525k.
        #expect((450_000...600_000).contains(lossy.last ?? 0), "\(lossy)")
        #expect(pair.gateway.rembEstimate == lossy.last)
    }
}
