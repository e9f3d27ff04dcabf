import Foundation

/// A binary min-heap of timed entries: the work queue's delayed keys and the fabric simulator's
/// schedule. Push and pop are O(log n), so ten thousand gateways cost no more per deadline than
/// ten. Entries due at the same instant come out in the order they were pushed. Entries are never
/// removed from the middle: an owner that reschedules keeps the authoritative deadline itself and
/// skips stale entries when they surface.
public struct DeadlineHeap<Payload> {
    public struct Entry {
        public let due: Date
        public let payload: Payload
        fileprivate let sequence: UInt64
    }

    private var heap: [Entry] = []
    private var pushed: UInt64 = 0

    public init() {}

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }
    /// The earliest entry.
    public var first: Entry? { heap.first }
    public var nextDue: Date? { heap.first?.due }

    public mutating func push(_ payload: Payload, at due: Date) {
        pushed += 1
        heap.append(Entry(due: due, payload: payload, sequence: pushed))
        siftUp(heap.count - 1)
    }

    /// Removes and returns the earliest entry.
    @discardableResult
    public mutating func popFirst() -> Entry? {
        guard let first = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return first
    }

    /// Removes and returns the earliest entry if it is due at or before `limit`.
    public mutating func popDue(notAfter limit: Date) -> Entry? {
        guard let first = heap.first, first.due <= limit else { return nil }
        return popFirst()
    }

    public mutating func removeAll() { heap.removeAll() }

    private func earlier(_ a: Int, _ b: Int) -> Bool {
        heap[a].due != heap[b].due ? heap[a].due < heap[b].due : heap[a].sequence < heap[b].sequence
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard earlier(child, parent) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < heap.count, earlier(left, best) { best = left }
            if right < heap.count, earlier(right, best) { best = right }
            if best == parent { return }
            heap.swapAt(parent, best)
            parent = best
        }
    }
}

extension DeadlineHeap: Sendable where Payload: Sendable {}
extension DeadlineHeap.Entry: Sendable where Payload: Sendable {}
