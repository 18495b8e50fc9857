/// The receiver's replay list for one SSRC (RFC 3711 §3.3.2): the highest index authenticated so
/// far and a bitmap of the `size` indices below it. An index is accepted when it is newer than the
/// highest, or inside the window and not yet seen; the window moves only after the packet
/// authenticated (`commit`), so a forged packet cannot advance it.
struct SRTPReplayWindow {
    enum Verdict: Equatable { case fresh, replayed, tooOld }

    let size: Int
    private(set) var highest: Int64 = -1
    private var words: [UInt64]

    /// - Parameter size: packets in the window, rounded up to a multiple of 64 (at least 64).
    init(size: Int) {
        let words = max(1, (size + 63) / 64)
        self.size = words * 64
        self.words = Array(repeating: 0, count: words)
    }

    var isEmpty: Bool { highest < 0 }

    func check(_ index: Int64) -> Verdict {
        guard !isEmpty, index <= highest else { return .fresh }
        let distance = highest - index
        guard distance < Int64(size) else { return .tooOld }
        return bit(Int(distance)) ? .replayed : .fresh
    }

    /// Records an authenticated `index` (which `check` found fresh).
    mutating func commit(_ index: Int64) {
        if isEmpty || index > highest {
            shift(by: isEmpty ? size : Int(min(index - highest, Int64(size))))
            highest = index
            setBit(0)
        } else {
            setBit(Int(highest - index))
        }
    }

    private func bit(_ distance: Int) -> Bool {
        words[distance / 64] & (1 << UInt64(distance % 64)) != 0
    }

    private mutating func setBit(_ distance: Int) {
        words[distance / 64] |= 1 << UInt64(distance % 64)
    }

    /// Moves every recorded distance `count` further away (bits past the window fall off).
    private mutating func shift(by count: Int) {
        guard count < size else {
            for i in words.indices { words[i] = 0 }
            return
        }
        let wordShift = count / 64, bitShift = UInt64(count % 64)
        for i in stride(from: words.count - 1, through: 0, by: -1) {
            let source = i - wordShift
            var value: UInt64 = source >= 0 ? words[source] << bitShift : 0
            if bitShift > 0, source - 1 >= 0 { value |= words[source - 1] >> (64 - bitShift) }
            words[i] = value
        }
    }
}
