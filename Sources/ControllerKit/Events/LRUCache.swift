/// A fixed-capacity least-recently-used map: reads and writes refresh an entry; inserting past
/// capacity evicts the stalest. Nodes live in an array linked by index, so it is O(1) and has no
/// reference cycles.
///
/// The nodes are found through an open-addressed table of their indices (linear probing, at most
/// half full) rather than a `[Key: Int]`: a dictionary keeps a second copy of every key, and the
/// Event recorder's keys (an object reference, a reason and a message, ≈ 150 bytes inline) made
/// its two caches of 4,096 entries ≈ 2.3 MB of index; the table is 4 bytes a slot.
struct LRUCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Node: Sendable {
        var key: Key
        var value: Value
        /// `key.hashValue`, kept so that moving entries in the table does not hash keys again.
        var hash: Int
        var prev: Int32
        var next: Int32
    }

    private static var none: Int32 { -1 }

    let capacity: Int
    private var nodes: [Node] = []
    /// Slot → the index of the node there, plus one (0: an empty slot). Its count is a power of two.
    private var slots: [Int32] = []
    private var head: Int32 = -1  // most recent (-1: none)
    private var tail: Int32 = -1  // least recent

    init(capacity: Int) { self.capacity = min(max(1, capacity), Int(Int32.max / 4)) }

    var count: Int { nodes.count }

    mutating func get(_ key: Key) -> Value? {
        guard let i = find(key, hash: key.hashValue) else { return nil }
        moveToFront(i)
        return nodes[Int(i)].value
    }

    func peek(_ key: Key) -> Value? { find(key, hash: key.hashValue).map { nodes[Int($0)].value } }

    mutating func set(_ key: Key, _ value: Value) {
        let hash = key.hashValue
        if let i = find(key, hash: hash) {
            nodes[Int(i)].value = value
            moveToFront(i)
            return
        }
        let slot: Int32
        if nodes.count >= capacity, tail != Self.none {
            // Reuse the evicted node's slot.
            let last = tail
            removeFromTable(last)
            unlink(last)
            nodes[Int(last)] = Node(key: key, value: value, hash: hash, prev: Self.none, next: Self.none)
            slot = last
            insertIntoTable(slot)
        } else {
            nodes.append(Node(key: key, value: value, hash: hash, prev: Self.none, next: Self.none))
            slot = Int32(nodes.count - 1)
            if nodes.count * 2 > slots.count { grow() } else { insertIntoTable(slot) }
        }
        linkFront(slot)
    }

    // MARK: The table

    private var mask: Int { slots.count - 1 }

    private func find(_ key: Key, hash: Int) -> Int32? {
        guard !slots.isEmpty else { return nil }
        var at = hash & mask
        while slots[at] != 0 {
            let i = slots[at] - 1
            if nodes[Int(i)].hash == hash && nodes[Int(i)].key == key { return i }
            at = (at + 1) & mask
        }
        return nil
    }

    /// Puts node `i` (not in the table) in the first empty slot from its hash on.
    private mutating func insertIntoTable(_ i: Int32) {
        var at = nodes[Int(i)].hash & mask
        while slots[at] != 0 { at = (at + 1) & mask }
        slots[at] = i + 1
    }

    /// Takes node `i` out of the table, moving back the entries after it that would otherwise
    /// no longer be reached from their hash (no tombstones: the table never fills with them).
    private mutating func removeFromTable(_ i: Int32) {
        var hole = nodes[Int(i)].hash & mask
        while slots[hole] != i + 1 { hole = (hole + 1) & mask }
        var at = hole
        while true {
            at = (at + 1) & mask
            guard slots[at] != 0 else { break }
            let home = nodes[Int(slots[at] - 1)].hash & mask
            // The entry at `at` stays when its home lies cyclically in (hole, at].
            let stays = hole <= at ? (hole < home && home <= at) : (hole < home || home <= at)
            if !stays {
                slots[hole] = slots[at]
                hole = at
            }
        }
        slots[hole] = 0
    }

    /// Doubles the table (at least 16 slots) and puts every node in it.
    private mutating func grow() {
        slots = [Int32](repeating: 0, count: max(16, slots.count * 2))
        for i in nodes.indices { insertIntoTable(Int32(i)) }
    }

    // MARK: The recency list

    private mutating func moveToFront(_ i: Int32) {
        guard head != i else { return }
        unlink(i)
        linkFront(i)
    }

    private mutating func unlink(_ i: Int32) {
        let prev = nodes[Int(i)].prev, next = nodes[Int(i)].next
        if prev != Self.none { nodes[Int(prev)].next = next } else { head = next }
        if next != Self.none { nodes[Int(next)].prev = prev } else { tail = prev }
        nodes[Int(i)].prev = Self.none
        nodes[Int(i)].next = Self.none
    }

    private mutating func linkFront(_ i: Int32) {
        nodes[Int(i)].prev = Self.none
        nodes[Int(i)].next = head
        if head != Self.none { nodes[Int(head)].prev = i }
        head = i
        if tail == Self.none { tail = i }
    }
}
