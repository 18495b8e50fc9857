import ICE
import RTCBase
import STUN
import Testing

/// TURN over TCP framing (RFC 8656 §12.5): STUN and padded ChannelData back to back, cut anywhere.
@Suite struct TURNStreamFramerTests {
    let stun: [UInt8] = (try? STUNMessage(type: .bindingRequest, transactionID: .random(),
                                          attributes: [.software("framer")]).encoded()) ?? []
    let channel: [UInt8] = TURNChannelData(channel: 0x4001, data: [1, 2, 3, 4, 5][...]).encoded(padded: true) ?? []

    @Test func messagesSplitAtEveryByteBoundaryComeOutWhole() {
        let stream = stun + channel + stun
        for chunk in 1...stream.count {
            var framer = TURNStreamFramer()
            var messages: [[UInt8]] = []
            var offset = 0
            while offset < stream.count {
                let end = min(stream.count, offset + chunk)
                messages += framer.append(stream[offset..<end])
                offset = end
            }
            #expect(messages == [stun, Array(channel.prefix(9)), stun], "chunk \(chunk)")
            #expect(framer.bufferedCount == 0 && !framer.isBroken)
        }
    }

    @Test func frameSizeCapAtTheLimitAndOnePast() {
        var atCap = TURNStreamFramer(maxMessageSize: stun.count)
        let whole = atCap.append(stun)
        #expect(whole == [stun])
        var belowCap = TURNStreamFramer(maxMessageSize: stun.count - 1)
        let refused = belowCap.append(stun)
        #expect(refused.isEmpty && belowCap.isBroken)
        let afterwards = belowCap.append(stun)
        #expect(afterwards.isEmpty)
    }

    @Test func aByteThatStartsNoFrameBreaksTheStream() {
        var framer = TURNStreamFramer()
        let messages = framer.append(stun + [0x80, 0, 0, 0] + stun)
        #expect(messages == [stun])
        #expect(framer.isBroken && framer.bufferedCount == 0)
    }

    @Test func paddedChannelDataOverTCPFromTheClient() throws {
        var configuration = TURNConfiguration()
        configuration.padChannelData = true
        var server = FakeTURNServer()
        var turn = TURNClient(server: server.address, credentials: server.credentials, configuration: configuration)
        turn.allocate(now: at(0))
        let peer = host(192, 0, 2, 5, port: 9)
        var transmitted: [[UInt8]] = []
        for step in 0..<3 {
            if step == 1 { turn.bindChannel(peer, now: at(1)) }
            if step == 2 { turn.send([7, 7, 7][...], to: peer, now: at(2)) }
            for _ in 0..<20 {
                let output = turn.poll()
                if case .timeout = output { break }
                guard case .transmit(let bytes, _) = output else { continue }
                transmitted.append(bytes)
                for reply in server.handle(bytes, from: host(10, 0, 0, 2, port: 5000)) {
                    turn.handleDatagram(reply[...], from: server.address, now: at(Double(step)))
                }
            }
        }
        #expect(transmitted.last == [0x40, 0x00, 0x00, 0x03, 7, 7, 7, 0])
    }
}
