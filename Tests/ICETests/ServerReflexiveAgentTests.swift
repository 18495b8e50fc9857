import ICE
import RTCBase
import STUN
import Testing

/// The STUN binding client behind the gateway's `srflx` candidate, on virtual time.
@Suite struct ServerReflexiveAgentTests {
    let server = TransportAddress(host: "192.0.2.10", port: 3478)!
    let mapped = TransportAddress(host: "203.0.113.7", port: 40000)!

    func at(_ milliseconds: UInt64) -> Instant { Instant(nanoseconds: milliseconds * 1_000_000) }

    /// Drains the agent: what it sent, what it reported, and its next deadline.
    func drain(_ agent: inout ServerReflexiveAgent) -> (sent: [[UInt8]], events: [ServerReflexiveEvent], deadline: Instant) {
        var sent: [[UInt8]] = [], events: [ServerReflexiveEvent] = []
        for _ in 0..<100 {
            switch agent.poll() {
            case .transmit(let bytes, let to):
                #expect(to == server)
                sent.append(bytes)
            case .event(let event): events.append(event)
            case .timeout(let deadline): return (sent, events, deadline)
            }
        }
        Issue.record("poll never returned a timeout")
        return (sent, events, .distantFuture)
    }

    func answer(to request: [UInt8], type: STUNMessageType = .bindingSuccess,
                attributes: [STUNAttribute]? = nil) throws -> [UInt8] {
        let id = try STUNMessage(parsing: request).transactionID
        return try STUNMessage(type: type, transactionID: id, attributes: attributes ?? [.xorMappedAddress(mapped)]).encoded()
    }

    @Test func learnsTheMappedAddressAndRefreshes() throws {
        var agent = ServerReflexiveAgent(server: server, now: at(0))
        let first = drain(&agent)
        #expect(first.sent.count == 1 && first.deadline == at(500))
        let request = try STUNMessage(parsing: first.sent[0])
        #expect(request.type == .bindingRequest)
        let reply = try answer(to: first.sent[0])
        #expect(agent.isAnswer(reply[...]))
        agent.handleDatagram(reply[...], from: server, now: at(20))
        let learned = drain(&agent)
        #expect(learned.events == [.mapped(mapped)] && agent.mappedAddress == mapped)
        #expect(learned.deadline == at(20) + .seconds(300))
        // The next round: the same address is no news, a new one is.
        agent.handleTimeout(now: learned.deadline)
        let second = drain(&agent)
        #expect(second.sent.count == 1 && second.sent[0] != first.sent[0])
        #expect(!agent.isAnswer(reply[...]), "the old transaction is over")
        agent.handleDatagram(try answer(to: second.sent[0])[...], from: server, now: learned.deadline + .milliseconds(5))
        #expect(drain(&agent).events.isEmpty)
        agent.handleTimeout(now: learned.deadline + .seconds(301))
        let third = drain(&agent)
        let moved = TransportAddress(host: "203.0.113.7", port: 40001)!
        agent.handleDatagram(try answer(to: third.sent[0], attributes: [.xorMappedAddress(moved)])[...], from: server,
                             now: learned.deadline + .seconds(302))
        #expect(drain(&agent).events == [.mapped(moved)])
        #expect(agent.requestsSent == 3 && agent.droppedDatagrams == 0)
    }

    /// RFC 8489 §6.2.1 with RTO 500 ms and Rc = 7: sends at 0, 500, 1500, 3500, 7500, 15500,
    /// 31500 ms, gives up at 39500 ms; the next round 30 s later.
    @Test func retransmitsThenFailsAndRetries() {
        var agent = ServerReflexiveAgent(server: server, now: at(0))
        var sendTimes: [UInt64] = []
        var now = at(0)
        var events: [ServerReflexiveEvent] = []
        for _ in 0..<20 {
            let result = drain(&agent)
            if !result.sent.isEmpty { sendTimes.append(now.nanoseconds / 1_000_000) }
            events += result.events
            if !events.isEmpty { break }
            now = result.deadline
            agent.handleTimeout(now: now)
        }
        #expect(sendTimes == [0, 500, 1500, 3500, 7500, 15500, 31500])
        #expect(events == [.failed] && now == at(39500) && agent.requestsSent == 7)
        #expect(drain(&agent).deadline == at(69500))
    }

    @Test func dropsWhatIsNotTheAnswer() throws {
        var agent = ServerReflexiveAgent(server: server, now: at(0))
        let request = drain(&agent).sent[0]
        let good = try answer(to: request)
        let other = TransportAddress(host: "192.0.2.11", port: 3478)!
        agent.handleDatagram(good[...], from: other, now: at(1))                        // wrong source
        let foreign = try STUNMessage(type: .bindingSuccess, transactionID: .random(),
                                      attributes: [.xorMappedAddress(mapped)]).encoded()
        agent.handleDatagram(foreign[...], from: server, now: at(2))                    // other transaction
        agent.handleDatagram(request[...], from: server, now: at(3))                    // a request, not an answer
        agent.handleDatagram(Array(good.prefix(19))[...], from: server, now: at(4))     // truncated
        var broken = good
        broken[3] = 0xff                                                                // length past the end
        agent.handleDatagram(broken[...], from: server, now: at(5))
        agent.handleDatagram(try answer(to: request, attributes: [])[...], from: server, now: at(6))  // no address
        #expect(agent.droppedDatagrams == 6 && agent.mappedAddress == nil)
        #expect(drain(&agent).events.isEmpty)
        agent.handleDatagram(good[...], from: server, now: at(7))
        #expect(drain(&agent).events == [.mapped(mapped)])
    }

    @Test func errorAnswerFailsTheRoundAndForgetsTheAddress() throws {
        var agent = ServerReflexiveAgent(server: server, now: at(0))
        agent.handleDatagram(try answer(to: drain(&agent).sent[0])[...], from: server, now: at(10))
        #expect(drain(&agent).events == [.mapped(mapped)])
        agent.handleTimeout(now: at(10) + .seconds(300))
        let request = drain(&agent).sent[0]
        let error = try answer(to: request, type: .bindingError, attributes: [.errorCode(.badRequest)])
        agent.handleDatagram(error[...], from: server, now: at(10) + .seconds(301))
        let result = drain(&agent)
        #expect(result.events == [.failed] && agent.mappedAddress == nil)
        #expect(result.deadline == at(10) + .seconds(331))
    }
}
