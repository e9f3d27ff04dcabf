import ControllerKit
import Testing
@testable import OperatorRuntime

@Suite struct SmallSetTests {
    /// Grows past the array limit and shrinks back, agreeing with a `Set` at every step.
    @Test func agreesWithASetAcrossTheArrayLimit() {
        var small: SmallSet<ObjectKey> = []
        var reference = Set<ObjectKey>()
        let limit = SmallSet<ObjectKey>.arrayLimit
        let keys = (0..<(3 * limit)).map { ObjectKey(namespace: $0 % 2 == 0 ? "fab" : nil, name: "gw-\(($0 * 7) % (3 * limit))") }
        func check(_ step: String) {
            #expect(small.count == reference.count, "\(step)")
            #expect(Set(small) == reference, "\(step)")
            #expect(small.isEmpty == reference.isEmpty)
        }
        for key in keys + keys.prefix(5) {  // the repeats must not count twice
            small.insert(key)
            reference.insert(key)
            check("insert \(key)")
        }
        #expect(keys.allSatisfy(small.contains))
        for key in keys.reversed() {
            small.remove(key)
            reference.remove(key)
            check("remove \(key)")
            #expect(!small.contains(key))
        }
        small.remove(ObjectKey(namespace: "fab", name: "never"))
        #expect(small.isEmpty)
    }

    @Test func smallSetsIterateInOrder() {
        var small: SmallSet<ObjectKey> = []
        for name in ["c", "a", "b", "a"] { small.insert(ObjectKey(namespace: "fab", name: name)) }
        #expect(small.map(\.name) == ["a", "b", "c"])
    }
}
