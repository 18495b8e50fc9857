import ICE
import RTCBase

/// Virtual time: seconds since an arbitrary epoch of 1000 s (so nothing sits at zero).
func at(_ seconds: Double) -> Instant {
    Instant(nanoseconds: UInt64((1000 + seconds) * 1_000_000_000))
}

func address(_ last: UInt8, port: UInt16 = 50_000) -> TransportAddress {
    // Four address bytes always make a valid TransportAddress.
    TransportAddress(ip: [192, 0, 2, last], port: port)!
}

extension ICELiteAgent {
    /// Drains `poll()` up to and including the `.timeout`.
    mutating func drain() -> (outputs: [ICEOutput], deadline: Instant) {
        var outputs: [ICEOutput] = []
        while true {
            let output = poll()
            if case .timeout(let deadline) = output { return (outputs, deadline) }
            outputs.append(output)
        }
    }
}

extension [ICEOutput] {
    var events: [ICEEvent] {
        compactMap { if case .event(let event) = $0 { event } else { nil } }
    }

    var transmits: [(bytes: [UInt8], to: TransportAddress)] {
        compactMap { if case .transmit(let bytes, let to) = $0 { (bytes, to) } else { nil } }
    }
}

/// Deterministic pseudo-random bytes (64-bit LCG, Knuth's constants) for garbage inputs.
struct SeededBytes {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt8 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }

    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in next() } }
}
