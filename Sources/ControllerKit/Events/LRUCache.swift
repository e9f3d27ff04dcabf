/// A fixed-capacity least-recently-used map: reads and writes refresh an entry; inserting past
/// capacity evicts the stalest. Nodes live in an array linked by index, so it is O(1) and has no
/// reference cycles.
struct LRUCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Node: Sendable {
        var key: Key
        var value: Value
        var prev: Int?
        var next: Int?
    }

    let capacity: Int
    private var nodes: [Node] = []
    private var index: [Key: Int] = [:]
    private var head: Int?  // most recent
    private var tail: Int?  // least recent

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var count: Int { index.count }

    mutating func get(_ key: Key) -> Value? {
        guard let i = index[key] else { return nil }
        moveToFront(i)
        return nodes[i].value
    }

    func peek(_ key: Key) -> Value? { index[key].map { nodes[$0].value } }

    mutating func set(_ key: Key, _ value: Value) {
        if let i = index[key] {
            nodes[i].value = value
            moveToFront(i)
            return
        }
        let slot: Int
        if index.count >= capacity, let last = tail {
            // Reuse the evicted node's slot.
            index.removeValue(forKey: nodes[last].key)
            unlink(last)
            nodes[last] = Node(key: key, value: value)
            slot = last
        } else {
            nodes.append(Node(key: key, value: value))
            slot = nodes.count - 1
        }
        index[key] = slot
        linkFront(slot)
    }

    private mutating func moveToFront(_ i: Int) {
        guard head != i else { return }
        unlink(i)
        linkFront(i)
    }

    private mutating func unlink(_ i: Int) {
        let prev = nodes[i].prev, next = nodes[i].next
        if let prev { nodes[prev].next = next } else { head = next }
        if let next { nodes[next].prev = prev } else { tail = prev }
        nodes[i].prev = nil
        nodes[i].next = nil
    }

    private mutating func linkFront(_ i: Int) {
        nodes[i].prev = nil
        nodes[i].next = head
        if let head { nodes[head].prev = i }
        head = i
        if tail == nil { tail = i }
    }
}
