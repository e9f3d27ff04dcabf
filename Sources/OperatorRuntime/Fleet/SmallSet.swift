import HealthModel

/// A set that is usually one or two elements: the fleet index maps each gateway name, router ID
/// and group to the gateways (or leaves) behind it. Up to `arrayLimit` elements it is a sorted
/// array — a `Set`'s table for one element was ≈ 170 bytes, tens of thousands of them at 10,000
/// gateways — and beyond that a `Set`, so a group that holds the whole fleet (`default` can)
/// stays O(1) per change rather than O(members).
struct SmallSet<Element: Hashable & Comparable & Sendable>: Sendable, Sequence, ExpressibleByArrayLiteral {
    static var arrayLimit: Int { 16 }

    private enum Storage: Sendable {
        case sorted([Element])
        case hashed(Set<Element>)
    }

    private var storage = Storage.sorted([])

    init(arrayLiteral elements: Element...) {
        for element in elements { insert(element) }
    }

    var isEmpty: Bool {
        switch storage {
        case .sorted(let elements): elements.isEmpty
        case .hashed(let set): set.isEmpty
        }
    }

    var count: Int {
        switch storage {
        case .sorted(let elements): elements.count
        case .hashed(let set): set.count
        }
    }

    func contains(_ element: Element) -> Bool {
        switch storage {
        case .sorted(let elements):
            let i = Self.slot(of: element, in: elements)
            return i < elements.count && elements[i] == element
        case .hashed(let set):
            return set.contains(element)
        }
    }

    mutating func insert(_ element: Element) {
        switch storage {
        case .sorted(var elements):
            let i = Self.slot(of: element, in: elements)
            guard i == elements.count || elements[i] != element else { return }
            storage = .sorted([])  // let go of the old buffer so the insert below does not copy it
            elements.insert(element, at: i)
            storage = elements.count > Self.arrayLimit ? .hashed(Set(elements)) : .sorted(elements)
        case .hashed(var set):
            storage = .sorted([])
            set.insert(element)
            storage = .hashed(set)
        }
    }

    mutating func remove(_ element: Element) {
        switch storage {
        case .sorted(var elements):
            let i = Self.slot(of: element, in: elements)
            guard i < elements.count && elements[i] == element else { return }
            storage = .sorted([])
            elements.remove(at: i)
            storage = .sorted(elements)
        case .hashed(var set):
            storage = .sorted([])
            set.remove(element)
            // Back to an array only well below the limit, so a set at the edge does not flip-flop.
            storage = set.count <= Self.arrayLimit / 2 ? .sorted(set.sorted()) : .hashed(set)
        }
    }

    struct Iterator: IteratorProtocol {
        fileprivate var sorted: IndexingIterator<[Element]>?
        fileprivate var hashed: Set<Element>.Iterator?

        mutating func next() -> Element? { sorted != nil ? sorted?.next() : hashed?.next() }
    }

    func makeIterator() -> Iterator {
        switch storage {
        case .sorted(let elements): Iterator(sorted: elements.makeIterator())
        case .hashed(let set): Iterator(hashed: set.makeIterator())
        }
    }

    private static func slot(of element: Element, in elements: [Element]) -> Int {
        elements.lowerBound(of: element, by: { $0 })
    }
}
