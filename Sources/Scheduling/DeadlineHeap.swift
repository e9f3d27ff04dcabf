import Foundation

/// A binary min-heap of timed entries: the work queue's delayed keys and the fabric simulator's
/// schedule. Push and pop are O(log n), so ten thousand gateways cost no more per deadline than
/// ten. Entries due at the same instant come out in the order they were pushed. Entries are never
/// removed from the middle: an owner that reschedules keeps the authoritative deadline itself and
/// skips stale entries when they surface (or moves them: `moveFirst`).
///
/// The order is kept apart from the payloads (`DeadlineOrder`: deadline, push number and the
/// payload's slot, plain values): sifting compares and swaps those whatever the payload is. A
/// heap of whole entries, used from generic code (the work queue's), copied each entry's payload
/// — a key's strings, retained and released — at every comparison and swap.
public struct DeadlineHeap<Payload> {
    public struct Entry {
        public let due: Date
        public let payload: Payload
        fileprivate let sequence: UInt64
    }

    private var order = DeadlineOrder()
    /// The payloads by slot; a popped entry's slot is reused (`freeSlots`).
    private var payloads: [Payload?] = []
    private var freeSlots: [Int] = []
    private var pushed: UInt64 = 0

    public init() {}

    public var count: Int { order.nodes.count }
    public var isEmpty: Bool { order.nodes.isEmpty }
    /// The earliest entry.
    public var first: Entry? {
        guard let node = order.nodes.first, let payload = payloads[node.slot] else { return nil }
        return Entry(due: node.due, payload: payload, sequence: node.sequence)
    }
    public var nextDue: Date? { order.nodes.first?.due }

    public mutating func push(_ payload: Payload, at due: Date) {
        pushed += 1
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            payloads[slot] = payload
        } else {
            slot = payloads.count
            payloads.append(payload)
        }
        order.push(DeadlineOrder.Node(due: due, sequence: pushed, slot: slot))
    }

    /// Removes and returns the earliest entry.
    @discardableResult
    public mutating func popFirst() -> Entry? {
        guard let node = order.popFirst(), let payload = payloads[node.slot] else { return nil }
        payloads[node.slot] = nil
        freeSlots.append(node.slot)
        return Entry(due: node.due, payload: payload, sequence: node.sequence)
    }

    /// Moves the earliest entry to `due`, no earlier than it was: the same as popping it and
    /// pushing it again at `due`, with one re-ordering instead of two and its payload left where
    /// it is (an owner that postpones lazily moves a stale entry this way when it surfaces).
    public mutating func moveFirst(to due: Date) {
        guard let first = order.nodes.first else { return }
        precondition(due >= first.due, "an entry moves only later")
        pushed += 1
        order.moveFirst(to: due, sequence: pushed)
    }

    /// Removes and returns the earliest entry if it is due at or before `limit`.
    public mutating func popDue(notAfter limit: Date) -> Entry? {
        guard let first = order.nodes.first, first.due <= limit else { return nil }
        return popFirst()
    }

    public mutating func removeAll() {
        order.nodes.removeAll()
        payloads.removeAll()
        freeSlots.removeAll()
    }
}

/// The order of a `DeadlineHeap`: a binary min-heap by deadline, then push number, of nodes
/// naming their payload's slot. Not generic, so its sifting is compiled for these plain values.
struct DeadlineOrder {
    struct Node {
        var due: Date
        var sequence: UInt64
        var slot: Int
    }

    var nodes: [Node] = []

    mutating func push(_ node: Node) {
        nodes.append(node)
        siftUp(nodes.count - 1)
    }

    mutating func popFirst() -> Node? {
        guard let first = nodes.first else { return nil }
        let last = nodes.removeLast()
        if !nodes.isEmpty {
            nodes[0] = last
            siftDown(0)
        }
        return first
    }

    /// The first node due at `due` instead, as pushed now (`sequence`).
    mutating func moveFirst(to due: Date, sequence: UInt64) {
        nodes[0].due = due
        nodes[0].sequence = sequence
        siftDown(0)
    }

    private func earlier(_ a: Int, _ b: Int) -> Bool {
        nodes[a].due != nodes[b].due ? nodes[a].due < nodes[b].due : nodes[a].sequence < nodes[b].sequence
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard earlier(child, parent) else { return }
            nodes.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < nodes.count, earlier(left, best) { best = left }
            if right < nodes.count, earlier(right, best) { best = right }
            if best == parent { return }
            nodes.swapAt(parent, best)
            parent = best
        }
    }
}

extension DeadlineHeap: Sendable where Payload: Sendable {}
extension DeadlineHeap.Entry: Sendable where Payload: Sendable {}
extension DeadlineOrder: Sendable {}
extension DeadlineOrder.Node: Sendable {}
