/// A set of a few elements, kept as a sorted array. The fleet index maps each gateway name,
/// router ID and group to the one or two gateways (or leaves) behind it: a `Set`'s table for one
/// element was ≈ 170 bytes (tens of thousands of them at 10,000 gateways), the array is a third.
struct SmallSet<Element: Comparable & Sendable>: Sendable, Sequence, ExpressibleByArrayLiteral {
    private var elements: [Element] = []

    init(arrayLiteral elements: Element...) {
        for element in elements { insert(element) }
    }

    var isEmpty: Bool { elements.isEmpty }

    func contains(_ element: Element) -> Bool {
        let i = slot(of: element)
        return i < elements.count && elements[i] == element
    }

    mutating func insert(_ element: Element) {
        let i = slot(of: element)
        if i == elements.count || elements[i] != element { elements.insert(element, at: i) }
    }

    mutating func remove(_ element: Element) {
        let i = slot(of: element)
        if i < elements.count && elements[i] == element { elements.remove(at: i) }
    }

    func makeIterator() -> IndexingIterator<[Element]> { elements.makeIterator() }

    /// The first index whose element is not below `element`.
    private func slot(of element: Element) -> Int {
        var low = 0, high = elements.count
        while low < high {
            let mid = (low + high) / 2
            if elements[mid] < element { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
