import Foundation

/// A binary min-heap of timed entries: the simulator's schedule. Push and pop are O(log n),
/// so ten thousand gateways cost no more per heartbeat than ten. Entries due at the same time
/// come out in the order they were pushed.
struct EventQueue<Payload> {
    struct Entry {
        var due: Date
        var sequence: UInt64
        var payload: Payload
    }

    private var heap: [Entry] = []
    private var pushed: UInt64 = 0

    var count: Int { heap.count }
    var nextDue: Date? { heap.first?.due }

    mutating func push(_ payload: Payload, at due: Date) {
        pushed += 1
        heap.append(Entry(due: due, sequence: pushed, payload: payload))
        siftUp(heap.count - 1)
    }

    /// Removes and returns the earliest entry if it is due at or before `limit`.
    mutating func popDue(notAfter limit: Date) -> Entry? {
        guard let first = heap.first, first.due <= limit else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return first
    }

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
