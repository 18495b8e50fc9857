/// The FIFO behind every engine's `poll()`: outputs are appended as inputs produce them and taken
/// in order. Taking is O(1) (a moving head); storage is reused once the queue runs empty.
public struct OutputQueue<Element> {
    private var items: [Element] = []
    private var head = 0

    public init() {}

    public var isEmpty: Bool { head >= items.count }
    public var count: Int { items.count - head }

    public mutating func append(_ element: Element) { items.append(element) }

    public mutating func append(contentsOf elements: some Sequence<Element>) { items.append(contentsOf: elements) }

    /// The oldest element, removed; nil when empty.
    public mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let element = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return element
    }
}

extension OutputQueue: Sendable where Element: Sendable {}
