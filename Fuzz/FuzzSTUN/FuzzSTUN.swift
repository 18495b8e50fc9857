// libFuzzer target for STUN (RFC 8489) parsing, MESSAGE-INTEGRITY/FINGERPRINT verification,
// USERNAME demultiplexing and the ICE-lite agent's Binding request handling (RFC 8445 §7.3).
//
// Single source file on purpose: a plain `swift build` compiles it as the executable's main file
// (an empty program), while `--sanitize=fuzzer` builds it as a library whose entry point is
// libFuzzer's driver calling `LLVMFuzzerTestOneInput`. See Fuzz/README.md.
import ICE
import RTCBase
import STUN

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    STUNFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Feeds the input to every STUN entry point and to an ICE-lite agent whose credentials are those
/// of RFC 5769 §2.1 (so the RFC's sample request, a seed, authenticates). A parsed Binding request
/// is also re-signed with the agent's password and fed again, so the fuzzer reaches the code
/// behind the integrity check. Traps when an invariant breaks.
enum STUNFuzzHarness {
    static let local = ICECredentials(ufrag: "evtj", password: "VOkJxbRl1RmTxUk/WvJxBt")
    static let remote = ICECredentials(ufrag: "h6vY", password: "remote-password-unused")
    static let key = STUNMessage.shortTermKey(password: local.password)
    static let source: TransportAddress = {
        guard let address = TransportAddress(ip: [192, 0, 2, 1], port: 32853) else {
            fatalError("harness constant is not an address")
        }
        return address
    }()

    static func run(_ bytes: [UInt8]) {
        let datagram = bytes[...]
        checkTURN(datagram)
        let integrityVerified = STUNMessage.verifyMessageIntegrity(datagram, key: key)
        _ = STUNMessage.verifyFingerprint(datagram)
        _ = STUNMessage.isSTUN(datagram)
        let demuxedUsername = STUNMessage.username(in: datagram)
        let message = try? STUNMessage(parsing: datagram)

        let accepted = checkAgent(datagram, expectsIntegrity: integrityVerified)
        guard let message else {
            if accepted { fatalError("agent accepted a datagram that does not parse") }
            return
        }
        guard demuxedUsername == message.username else {
            fatalError("username(in:) says \(String(describing: demuxedUsername)), the parsed message "
                       + "\(String(describing: message.username))")
        }
        checkReencoding(message)
        if message.type == .bindingRequest { checkSigned(message) }
    }

    /// Feeds the datagram to a fresh agent. An accepted request must have verified integrity and
    /// must be answered by a response that parses, keeps the transaction id and verifies.
    @discardableResult
    static func checkAgent(_ datagram: ArraySlice<UInt8>, expectsIntegrity: Bool) -> Bool {
        var agent = ICELiteAgent(local: local, remote: remote, now: .zero)
        let now = Instant(nanoseconds: 1_000_000)
        let accepted = agent.handleSTUN(datagram, from: source, now: now)
        var responses: [[UInt8]] = []
        while true {
            switch agent.poll() {
            case .transmit(let bytes, let destination):
                guard destination == source else { fatalError("response sent to \(destination), not \(source)") }
                responses.append(bytes)
                continue
            case .event:
                continue
            case .timeout:
                break
            }
            break
        }
        if accepted {
            guard expectsIntegrity else { fatalError("agent accepted a request whose MESSAGE-INTEGRITY fails") }
            guard responses.count == 1, let response = try? STUNMessage(parsing: responses[0]),
                  let request = try? STUNMessage(parsing: datagram),
                  response.transactionID == request.transactionID,
                  response.type == .bindingSuccess || response.type == .bindingError,
                  STUNMessage.verifyMessageIntegrity(responses[0][...], key: key),
                  STUNMessage.verifyFingerprint(responses[0][...]) else {
                fatalError("accepted request got \(responses.count) responses, or a bad one")
            }
            guard response.type == .bindingError || agent.isValidated(source) else {
                fatalError("a successful check did not validate its source")
            }
        } else {
            guard responses.isEmpty else { fatalError("dropped request was answered") }
            guard agent.droppedRequests == 1 else { fatalError("drop not counted") }
        }
        return accepted
    }

    /// Encoding a parsed message writes its attributes verbatim; that must parse back equal.
    static func checkReencoding(_ message: STUNMessage) {
        let encoded: [UInt8]
        do {
            encoded = try message.encoded()
        } catch {
            fatalError("parsed message does not encode: \(error)")
        }
        guard let reparsed = try? STUNMessage(parsing: encoded), reparsed == message else {
            fatalError("re-encoded message does not parse back equal: \(encoded.hexString)")
        }
    }

    /// Re-signs the request (integrity with the agent's password, fingerprint): both checks must
    /// pass, and the agent must accept it exactly when its USERNAME is "evtj:h6vY".
    static func checkSigned(_ message: STUNMessage) {
        var unsigned = message
        unsigned.attributes.removeAll {
            switch $0 {
            case .messageIntegrity, .messageIntegritySHA256, .fingerprint: true
            default: false
            }
        }
        guard let signed = try? unsigned.encoded(integrityKey: key, addFingerprint: true),
              signed.count <= STUNLimits().maxMessageSize else { return }
        guard STUNMessage.verifyMessageIntegrity(signed[...], key: key), STUNMessage.verifyFingerprint(signed[...]) else {
            fatalError("freshly signed message fails verification: \(signed.hexString)")
        }
        let accepted = checkAgent(signed[...], expectsIntegrity: true)
        let expected = unsigned.username == "\(local.ufrag):\(remote.ufrag)"
        guard accepted == expected else {
            fatalError("agent \(accepted ? "accepted" : "dropped") a signed request with USERNAME "
                       + "\(String(describing: unsigned.username))")
        }
    }
}

extension STUNFuzzHarness {
    /// ChannelData framing and a TURN client fed the input as if from its server: never traps,
    /// and a datagram that parses as neither is dropped.
    static func checkTURN(_ datagram: ArraySlice<UInt8>) {
        let channelData = TURNChannelData(parsing: datagram, maxDataLength: 4000)
        if let channelData, channelData.data.count > 4000 { fatalError("ChannelData over its cap") }
        var turn = TURNClient(server: source, credentials: STUNLongTermCredentials(username: "u", password: "p"))
        turn.allocate(now: Instant(nanoseconds: 1))
        let handled = turn.handleDatagram(datagram, from: source, now: Instant(nanoseconds: 2))
        if handled, channelData == nil, (try? STUNMessage(parsing: datagram, limits: turn.configuration.stunLimits)) == nil {
            fatalError("TURN client accepted a datagram that is neither ChannelData nor STUN")
        }
        for _ in 0..<64 {
            if case .timeout = turn.poll() { break }
        }
    }
}
