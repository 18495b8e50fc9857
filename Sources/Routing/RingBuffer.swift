/// A growable FIFO over one array with a head index: appends and pops allocate nothing once the
/// storage has grown to the working size, which keeps per-reader fan-out allocation-free.
struct RingBuffer<Element> {
    private var storage: [Element?] = []
    private var head = 0
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    mutating func append(_ element: Element) {
        if count == storage.count { grow() }
        storage[physical(count)] = element
        count += 1
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = head + 1 == storage.count ? 0 : head + 1
        count -= 1
        if count == 0 { head = 0 }
        return element
    }

    /// How many elements match `predicate`.
    func count(where predicate: (Element) -> Bool) -> Int {
        var matches = 0
        for offset in 0..<count {
            if let element = storage[physical(offset)], predicate(element) { matches += 1 }
        }
        return matches
    }

    /// Removes the elements matching `shouldRemove`, keeping the others in order, in place.
    /// Returns how many were removed.
    @discardableResult
    mutating func removeAll(where shouldRemove: (Element) -> Bool) -> Int {
        var kept = 0
        for offset in 0..<count {
            let index = physical(offset)
            guard let element = storage[index] else { continue }
            storage[index] = nil
            if !shouldRemove(element) {
                storage[physical(kept)] = element
                kept += 1
            }
        }
        let removed = count - kept
        count = kept
        if count == 0 { head = 0 }
        return removed
    }

    /// Slots allocated (grown by doubling from 16).
    var capacity: Int { storage.count }

    /// Gives back storage grown for a burst (a new reader's backlog) once the buffer is empty and
    /// holds more than `capacity` slots; the next append starts small again. A buffer that stays
    /// within `capacity` keeps its storage, so steady traffic allocates nothing.
    mutating func shrinkIfEmpty(keepingUpTo capacity: Int) {
        guard count == 0, storage.count > capacity else { return }
        storage = []
        head = 0
    }

    mutating func removeAll() {
        for offset in 0..<count { storage[physical(offset)] = nil }
        head = 0
        count = 0
    }

    private func physical(_ offset: Int) -> Int {
        let index = head + offset
        return index >= storage.count ? index - storage.count : index
    }

    private mutating func grow() {
        let newCapacity = Swift.max(16, storage.count * 2)
        var grown = [Element?](repeating: nil, count: newCapacity)
        for offset in 0..<count { grown[offset] = storage[physical(offset)] }
        storage = grown
        head = 0
    }
}
