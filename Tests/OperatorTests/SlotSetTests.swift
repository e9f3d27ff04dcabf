import ControllerKit
import Testing
@testable import OperatorRuntime

@Suite struct SlotSetTests {
    /// Grows from one (inline) to many and shrinks back, agreeing with a `Set` at every step.
    @Test func agreesWithASetFromOneToMany() {
        var small: SlotSet = []
        var reference = Set<Slot>()
        let slots = (0..<100).map { Slot(($0 * 37) % 100) }
        func check(_ step: String) {
            #expect(small.count == reference.count, "\(step)")
            #expect(Set(small) == reference, "\(step)")
            #expect(Array(small) == reference.sorted(), "\(step): in order")
            #expect(small.isEmpty == reference.isEmpty)
        }
        for slot in slots + slots.prefix(5) {  // the repeats must not count twice
            small.insert(slot)
            reference.insert(slot)
            check("insert \(slot)")
        }
        #expect(slots.allSatisfy(small.contains))
        for slot in slots.reversed() {
            small.remove(slot)
            reference.remove(slot)
            check("remove \(slot)")
            #expect(!small.contains(slot))
        }
        small.remove(7)
        #expect(small.isEmpty)
        small.insert(3)
        small.remove(4)
        #expect(Array(small) == [3] && small.contains(3) && !small.contains(4))
    }

    /// One word: a table's value slot stays 8 bytes, and a set of one takes no allocation.
    @Test func aSlotSetIsOneWord() {
        #expect(MemoryLayout<SlotSet>.size == 8)
        #expect(MemoryLayout<SlotSet?>.size == 8)
    }

    /// A freed slot is handed out again; the table's count is of occupied slots.
    @Test func slotTableReusesFreedSlots() {
        var table = SlotTable<String?>(vacant: nil)
        let a = ObjectKey(namespace: "fab", name: "a"), b = ObjectKey(namespace: "fab", name: "b")
        let c = ObjectKey(namespace: nil, name: "c")
        let slotA = table.slot(making: a)
        table[slotA] = "a"
        #expect(table.slot(making: a) == slotA)
        let slotB = table.slot(making: b)
        #expect(slotB != slotA && table.count == 2)
        table.release(a)
        #expect(table.slot(of: a) == nil && table.count == 1)
        let slotC = table.slot(making: c)
        #expect(slotC == slotA, "the freed slot is reused")
        #expect(table[slotC] == nil, "a reused slot starts vacant")
        #expect(Set(table.keys) == [b, c])
    }
}
