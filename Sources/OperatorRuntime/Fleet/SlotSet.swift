import ControllerKit
import HealthModel

/// A gateway's (or a leaf's) place in the fleet index's per-object arrays (`SlotTable`): the
/// key → slot table is read once per change, and every other table holds 4-byte slots rather
/// than 32-byte `ObjectKey`s.
typealias Slot = Int32

/// The slots behind one entry of the fleet index's tables (a gateway name, a router ID, an
/// address, a group): usually one, held inline (no allocation: tens of thousands of entries at
/// 10,000 gateways), otherwise a sorted array. One word, so a table's value slot stays 8 bytes
/// (a second case with a `Set` cost a ninth byte, 16 with padding, in every table's slot). A
/// group of the whole fleet is an array too: a change to it moves at most 4 bytes a member
/// (40 KB at 10,000), and slots are handed out in order, so a fleet that grows appends.
struct SlotSet: Sendable, Sequence, Equatable, ExpressibleByArrayLiteral {
    private enum Storage: Sendable, Equatable {
        case one(Slot)
        case sorted([Slot])
    }

    private var storage = Storage.sorted([])

    init(arrayLiteral elements: Slot...) {
        for element in elements { insert(element) }
    }

    var isEmpty: Bool {
        if case .sorted(let elements) = storage { return elements.isEmpty }
        return false
    }

    var count: Int {
        switch storage {
        case .one: 1
        case .sorted(let elements): elements.count
        }
    }

    func contains(_ element: Slot) -> Bool {
        switch storage {
        case .one(let only):
            return only == element
        case .sorted(let elements):
            let i = Self.slot(of: element, in: elements)
            return i < elements.count && elements[i] == element
        }
    }

    mutating func insert(_ element: Slot) {
        switch storage {
        case .one(let only):
            guard only != element else { return }
            storage = .sorted(only < element ? [only, element] : [element, only])
        case .sorted(var elements):
            if elements.isEmpty {
                storage = .one(element)
                return
            }
            let i = Self.slot(of: element, in: elements)
            guard i == elements.count || elements[i] != element else { return }
            storage = .sorted([])  // let go of the old buffer so the insert below does not copy it
            elements.insert(element, at: i)
            storage = .sorted(elements)
        }
    }

    mutating func remove(_ element: Slot) {
        switch storage {
        case .one(let only):
            if only == element { storage = .sorted([]) }
        case .sorted(var elements):
            let i = Self.slot(of: element, in: elements)
            guard i < elements.count && elements[i] == element else { return }
            storage = .sorted([])
            elements.remove(at: i)
            storage = elements.count == 1 ? .one(elements[0]) : .sorted(elements)
        }
    }

    struct Iterator: IteratorProtocol {
        fileprivate var one: Slot?
        fileprivate var sorted: IndexingIterator<[Slot]>?

        mutating func next() -> Slot? {
            if let only = one {
                one = nil
                return only
            }
            return sorted?.next()
        }
    }

    func makeIterator() -> Iterator {
        switch storage {
        case .one(let only): Iterator(one: only)
        case .sorted(let elements): Iterator(sorted: elements.makeIterator())
        }
    }

    private static func slot(of element: Slot, in elements: [Slot]) -> Int {
        elements.lowerBound(of: element, by: { $0 })
    }
}

/// Objects of one kind by a dense slot: `ObjectKey` → slot once, at the edge of each change;
/// the entries are an array indexed by slot. A slot freed when its object goes is handed out
/// again (the free list), so the arrays stay as long as the largest fleet seen. The keys are
/// not stored a second time: an entry's views carry their namespace and name (`FleetIndex.key(at:)`).
struct SlotTable<Entry: Sendable>: Sendable {
    private var slots: [ObjectKey: Slot] = [:]
    private(set) var entries: [Entry] = []
    private var free: [Slot] = []
    /// What a slot holds while free.
    private let vacant: Entry

    init(vacant: Entry) {
        self.vacant = vacant
    }

    /// Occupied slots.
    var count: Int { slots.count }

    func slot(of key: ObjectKey) -> Slot? { slots[key] }

    /// The key's slot, taken (holding `vacant`) when it has none.
    mutating func slot(making key: ObjectKey) -> Slot {
        if let slot = slots[key] { return slot }
        let slot: Slot
        if let reused = free.popLast() {
            slot = reused
        } else {
            slot = Slot(entries.count)
            entries.append(vacant)
        }
        slots[key] = slot
        return slot
    }

    /// Frees the key's slot; its entry goes back to `vacant`.
    mutating func release(_ key: ObjectKey) {
        guard let slot = slots.removeValue(forKey: key) else { return }
        entries[Int(slot)] = vacant
        free.append(slot)
    }

    subscript(slot: Slot) -> Entry {
        // Read in place: `gateways[slot].agent` then copies the agent alone, not the entry
        // (a retain and a release of each of its views, per group peer on every heartbeat).
        _read { yield entries[Int(slot)] }
        _modify { yield &entries[Int(slot)] }
    }

    /// Every occupied slot (in no particular order) and every key.
    var occupied: Dictionary<ObjectKey, Slot>.Values { slots.values }
    var keys: Dictionary<ObjectKey, Slot>.Keys { slots.keys }
}
