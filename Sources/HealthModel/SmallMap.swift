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
    /// The search compares UTF-8 bytes, which order ASCII keys (every Kubernetes name) as
    /// `String` does; a name with other characters is looked up by its composed key instead.
    public func entry(_ prefix: String, _ name: String) -> (key: String, value: Value)? {
        // Read in place: copying the two strings (and each key compared) to take their bytes
        // was a retain and a release apiece on every counter of every heartbeat.
        let found: Int? = prefix.utf8.withContiguousStorageIfAvailable { p in
            name.utf8.withContiguousStorageIfAvailable { n -> Int? in
                guard n.allSatisfy({ $0 < 0x80 }) && p.allSatisfy({ $0 < 0x80 }) else { return nil }
                return entries.withUnsafeBufferPointer { entries -> Int? in
                    var low = 0, high = entries.count
                    while low < high {
                        let mid = (low + high) / 2
                        guard let order = Self.compare(entries[mid].key, p, n) else { return nil }
                        if order < 0 { low = mid + 1 } else { high = mid }
                    }
                    guard low < entries.count else { return -1 }
                    guard let order = Self.compare(entries[low].key, p, n) else { return nil }
                    return order == 0 ? low : -1
                }
            } ?? nil
        } ?? nil
        guard let found else {
            let key = "\(prefix):\(name)"
            return self[key].map { (key, $0) }
        }
        return found < 0 ? nil : (entries[found].key, entries[found].value)
    }

    /// The value of the entry at `index` (in key order) when its key is `"\(prefix):\(name)"`
    /// byte for byte, else nil (also when `index` is out of range). Keys with the same
    /// characters in other bytes (another normalisation) are not matched: a caller that needs
    /// `String`'s equality looks the key up with `entry`.
    public func value(at index: Int, ifKeyIs prefix: String, _ name: String) -> Value? {
        guard index >= 0, index < entries.count else { return nil }
        let same: Bool? = prefix.utf8.withContiguousStorageIfAvailable { p in
            name.utf8.withContiguousStorageIfAvailable { n in
                entries.withUnsafeBufferPointer { Self.compare($0[index].key, p, n) == 0 }
            }
        } ?? nil
        return same == true ? entries[index].value : nil
    }

    /// The place (in key order) of the entry under `key`, nil when there is none.
    public func index(of key: String) -> Int? {
        let i = slot(of: key)
        return i < entries.count && entries[i].key == key ? i : nil
    }

    /// The value of the entry at `index` (in key order), whatever its key; nil out of range.
    public func value(at index: Int) -> Value? {
        index >= 0 && index < entries.count ? entries[index].value : nil
    }

    /// Replaces the value of the entry at `index` (in key order); its key stays.
    public mutating func setValue(_ value: Value, at index: Int) {
        entries[index].value = value
    }

    /// `key` against `prefix:name`, byte by byte: negative, zero or positive; nil when the key's
    /// bytes are not at hand (a bridged string: the caller composes the key instead).
    private static func compare(_ key: String, _ prefix: UnsafeBufferPointer<UInt8>, _ name: UnsafeBufferPointer<UInt8>) -> Int? {
        key.utf8.withContiguousStorageIfAvailable { k in
            let total = prefix.count + 1 + name.count
            for i in 0..<Swift.min(k.count, total) {
                let b = i < prefix.count ? prefix[i] : i == prefix.count ? UInt8(ascii: ":") : name[i - prefix.count - 1]
                if k[i] != b { return Int(k[i]) - Int(b) }
            }
            return k.count - total
        }
    }

    // A closure, not `\.key`: a key path into this generic type is instantiated at run time on
    // every call (it was most of the quiet heartbeat's peering check).
    private func slot(of key: String) -> Int { entries.lowerBound(of: key, by: { $0.key }) }
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
