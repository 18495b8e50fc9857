// libFuzzer target for data channel establishment messages (RFC 8832 §5) and for SCTP packets
// handed to the association engine (usrsctp parses them; the engine must survive anything).
//
// Single source file on purpose: a plain `swift build` compiles it as the executable's main file
// (an empty program), while `--sanitize=fuzzer` builds it as a library whose entry point is
// libFuzzer's driver calling `LLVMFuzzerTestOneInput`. See Fuzz/README.md.
import RTCBase
import SCTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    DCEPFuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Parses the input as a DCEP message (a parsed one must serialize back to the same value) and
/// feeds it as one SCTP packet to a connecting association, draining its outputs.
enum DCEPFuzzHarness {
    nonisolated(unsafe) static var association: SCTPAssociation? = {
        let association = try? SCTPAssociation(now: .zero)
        association?.start(now: .zero)
        return association
    }()

    static func run(_ bytes: [UInt8]) {
        if let message = try? DataChannelMessage(parsing: bytes) {
            guard (try? DataChannelMessage(parsing: message.bytes)) == message else {
                fatalError("DCEP message does not survive a round trip: \(message)")
            }
        }
        guard let association else { return }
        association.handle(packet: bytes, now: .zero)
        for _ in 0..<1_000 {
            if case .timeout = association.poll() { break }
        }
    }
}
