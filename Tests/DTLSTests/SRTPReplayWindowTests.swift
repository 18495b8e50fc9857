@testable import SRTP
import Testing

/// The per-SSRC replay list (RFC 3711 §3.3.2) against a plain set of seen indices: fresh,
/// replayed and too old agree for every index, through jumps that shift by part of a word,
/// whole words and more than the window.
@Suite struct SRTPReplayWindowTests {
    @Test func agreesWithASetOfSeenIndices() {
        var window = SRTPReplayWindow(size: 256)
        var seen: Set<Int64> = []
        var highest: Int64 = -1
        var generator = XorShift(state: 0x9E37_79B9_7F4A_7C15)   // fixed seed: the same run every time
        var next: Int64 = 1000
        for step in 0..<5000 {
            // Mostly forward, sometimes back inside or past the window, sometimes a big jump.
            let move: Int64 = switch step % 10 {
            case 0: -Int64.random(in: 0...300, using: &generator)
            case 1: Int64.random(in: 60...70, using: &generator)
            case 2 where step % 500 == 2: 1000
            default: Int64.random(in: 1...3, using: &generator)
            }
            next = max(0, next + move)
            let expected: SRTPReplayWindow.Verdict =
                highest >= 0 && next <= highest - 256 ? .tooOld : (seen.contains(next) ? .replayed : .fresh)
            #expect(window.check(next) == expected, "index \(next), highest \(highest)")
            if expected == .fresh {
                window.commit(next)
                seen.insert(next)
                highest = max(highest, next)
            }
        }
        #expect(window.highest == highest)
    }

    @Test func sizeRoundsUpToWords() {
        #expect(SRTPReplayWindow(size: 1).size == 64)
        #expect(SRTPReplayWindow(size: 1024).size == 1024)
        #expect(SRTPReplayWindow(size: 1025).size == 1088)
    }
}

/// A fixed-seed xorshift64 generator, so the walk above is the same on every run.
struct XorShift: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
