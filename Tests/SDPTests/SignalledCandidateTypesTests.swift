import SDP
import Testing

/// Naming the route a session runs over from what the peer signalled (metrics `candidate_type`).
@Suite struct SignalledCandidateTypesTests {
    static func candidate(_ text: String) throws -> SDPCandidate { try SDPCandidate(parsing: text) }

    @Test func addressesMatchTheirSignalledTypeAndOthersArePeerReflexive() throws {
        var table = SignalledCandidateTypes()
        table.add([
            try Self.candidate("candidate:1 1 udp 2122260223 10.0.0.5 50000 typ host"),
            try Self.candidate("candidate:2 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 10.0.0.5 rport 50000"),
            try Self.candidate("candidate:3 1 udp 41885439 198.51.100.9 3478 typ relay raddr 203.0.113.7 rport 61000"),
            try Self.candidate("candidate:4 1 tcp 1518280447 10.0.0.5 9 typ host tcptype active"),
            try Self.candidate("candidate:5 2 udp 2122260222 10.0.0.5 50001 typ host"),   // RTCP: not counted
            try Self.candidate("candidate:6 1 udp 2122262783 2001:DB8::1 50002 typ host"),
        ])
        #expect(table.count == 5)
        #expect(table.type(host: "10.0.0.5", port: 50000, tcp: false) == "host")
        #expect(table.type(host: "203.0.113.7", port: 61000, tcp: false) == "srflx")
        #expect(table.type(host: "198.51.100.9", port: 3478, tcp: false) == "relay")
        #expect(table.type(host: "10.0.0.5", port: 43210, tcp: true) == "host")      // TCP: the address alone
        #expect(table.type(host: "[2001:db8::1]", port: 50002, tcp: false) == "host")
        #expect(table.type(host: "10.0.0.5", port: 50001, tcp: false) == "prflx")
        #expect(table.type(host: "192.0.2.1", port: 50000, tcp: false) == "prflx")
    }

    @Test func capacityAtTheLimitAndOnePast() throws {
        var table = SignalledCandidateTypes(capacity: 2)
        table.add([
            try Self.candidate("candidate:1 1 udp 1 10.0.0.1 1000 typ host"),
            try Self.candidate("candidate:2 1 udp 1 10.0.0.2 1000 typ relay"),
            try Self.candidate("candidate:3 1 udp 1 10.0.0.3 1000 typ srflx"),   // one past: not kept
            try Self.candidate("candidate:4 1 udp 1 10.0.0.1 1000 typ srflx"),   // known address: updated
        ])
        #expect(table.count == 2)
        #expect(table.type(host: "10.0.0.2", port: 1000, tcp: false) == "relay")
        #expect(table.type(host: "10.0.0.3", port: 1000, tcp: false) == "prflx")
        #expect(table.type(host: "10.0.0.1", port: 1000, tcp: false) == "srflx")
    }
}
