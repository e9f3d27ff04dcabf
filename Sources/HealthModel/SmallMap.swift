/// A map of a few entries, kept as an array sorted by key. The health memory keeps one per
/// gateway for each counter family (its handful of VPCs and peerings, its BGP neighbours), and
/// every evaluation rebuilds them: a Dictionary's table for three entries is ≈ 300 bytes and
/// hashes every key, the array is a third of that and a few comparisons. Built whole from
/// pairs (`init(_:)`, one sort) it stays O(n log n) for a gateway with hundreds of peerings;
/// assigning keys one by one out of order would be O(n²).
public struct SmallMap<Value: Sendable & Equatable>: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    private struct Entry: Sendable, Equatable {
        var key: String
        var value: Value
    }

    private var entries: [Entry] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, Value)...) {
        for (key, value) in elements { self[key] = value }
    }

    /// From pairs in any order; of pairs with the same key the last wins, as assigning them in
    /// turn would.
    public init(_ pairs: [(String, Value)]) {
        // Pairs already in order (a collection's counters come in the order the previous one
        // left them) need no sort.
        if zip(pairs, pairs.dropFirst()).allSatisfy({ $0.0 < $1.0 }) {
            entries = pairs.map { Entry(key: $0.0, value: $0.1) }
            return
        }
        let ordered = pairs.enumerated().sorted { a, b in
            a.element.0 != b.element.0 ? a.element.0 < b.element.0 : a.offset < b.offset
        }
        entries.reserveCapacity(ordered.count)
        for (_, (key, value)) in ordered {
            if let last = entries.last, last.key == key {
                entries[entries.count - 1].value = value
            } else {
                entries.append(Entry(key: key, value: value))
            }
        }
    }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    public subscript(key: String) -> Value? {
        get {
            let i = slot(of: key)
            return i < entries.count && entries[i].key == key ? entries[i].value : nil
        }
        set {
            let i = slot(of: key)
            let found = i < entries.count && entries[i].key == key
            switch (newValue, found) {
            case (let value?, true): entries[i].value = value
            case (let value?, false): entries.insert(Entry(key: key, value: value), at: i)
            case (nil, true): entries.remove(at: i)
            case (nil, false): break
            }
        }
    }

    public func mapValues<T>(_ transform: (Value) throws -> T) rethrows -> [String: T] {
        var out: [String: T] = Dictionary(minimumCapacity: entries.count)
        for entry in entries { out[entry.key] = try transform(entry.value) }
        return out
    }

    public func makeIterator() -> some IteratorProtocol<(key: String, value: Value)> {
        entries.lazy.map { (key: $0.key, value: $0.value) }.makeIterator()
    }

    /// The entry under the key `"\(prefix):\(name)"`, found without building that key (the
    /// traffic memory is looked up per counter on every heartbeat); its key can be reused.
    /// Keys compare as `String`s do, so the search relies on `prefix` containing no `:` and no
    /// prefix in the map being a prefix of another (`vpc`, `peering`): then the keys sort by
    /// prefix, then by name. A key that does not follow that form is simply not found.
    public func entry(_ prefix: String, _ name: String) -> (key: String, value: Value)? {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if Self.compare(entries[mid].key, prefix, name) { low = mid + 1 } else { high = mid }
        }
        guard low < entries.count else { return nil }
        let key = entries[low].key
        guard let colon = key.utf8.firstIndex(of: UInt8(ascii: ":")),
              key[..<colon] == prefix, key[key.index(after: colon)...] == name else { return nil }
        return (key, entries[low].value)
    }

    /// Whether `key` sorts before `"\(prefix):\(name)"`, compared part by part.
    private static func compare(_ key: String, _ prefix: String, _ name: String) -> Bool {
        guard let colon = key.utf8.firstIndex(of: UInt8(ascii: ":")) else { return key < prefix }
        let keyPrefix = key[..<colon]
        if keyPrefix != prefix { return keyPrefix < prefix }
        return key[key.index(after: colon)...] < name
    }

    private func slot(of key: String) -> Int { entries.lowerBound(of: key, by: \.key) }
}

extension Array {
    /// The first index whose element's `keyOf` is not below `key`, in an array sorted by it
    /// (binary search: where `key` is, or would be inserted).
    public func lowerBound<Key: Comparable>(of key: Key, by keyOf: (Element) -> Key) -> Int {
        var low = 0, high = count
        while low < high {
            let mid = (low + high) / 2
            if keyOf(self[mid]) < key { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
