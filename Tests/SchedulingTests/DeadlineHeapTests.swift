import Foundation
import Testing
import Scheduling

@Suite struct DeadlineHeapTests {
    @Test func popsInTimeThenInsertionOrder() {
        var heap = DeadlineHeap<Int>()
        var state: UInt64 = 3
        let base = Date(timeIntervalSince1970: 0)
        var expected: [(Date, Int)] = []
        for i in 0..<500 {
            state = state &* 6364136223846793005 &+ 1442695040888963407  // a fixed sequence, many ties
            let due = base.addingTimeInterval(Double((state >> 33) % 50))
            heap.push(i, at: due)
            expected.append((due, i))
        }
        expected.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        #expect(heap.count == 500)
        #expect(heap.popDue(notAfter: base.addingTimeInterval(-1)) == nil)
        #expect(heap.count == 500)
        var popped: [Int] = []
        while let entry = heap.popDue(notAfter: base.addingTimeInterval(100)) { popped.append(entry.payload) }
        #expect(popped == expected.map(\.1))
        #expect(heap.nextDue == nil)
        #expect(heap.isEmpty)
    }

    /// `moveFirst(to:)` orders exactly as popping the earliest entry and pushing it again.
    @Test func moveFirstIsAPopAndAPush() throws {
        var moved = DeadlineHeap<Int>()
        var reference = DeadlineHeap<Int>()
        var state: UInt64 = 11
        func next(_ bound: UInt64) -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double((state >> 33) % bound)
        }
        let base = Date(timeIntervalSince1970: 0)
        for i in 0..<300 {
            let due = base.addingTimeInterval(next(40))
            moved.push(i, at: due)
            reference.push(i, at: due)
        }
        for _ in 0..<200 {
            let top = try #require(moved.first)
            let later = top.due.addingTimeInterval(next(30))  // often the same instant: ties
            moved.moveFirst(to: later)
            let taken = reference.popFirst()
            let popped = try #require(taken)
            reference.push(popped.payload, at: later)
        }
        var order: [Int] = [], expected: [Int] = []
        while let entry = moved.popFirst() { order.append(entry.payload) }
        while let entry = reference.popFirst() { expected.append(entry.payload) }
        #expect(order == expected)
        #expect(order.count == 300)
    }

    @Test func popFirstIgnoresTheDeadlineAndRemoveAllEmpties() {
        var heap = DeadlineHeap<String>()
        let base = Date(timeIntervalSince1970: 1000)
        heap.push("late", at: base.addingTimeInterval(60))
        heap.push("early", at: base)
        #expect(heap.first?.payload == "early")
        #expect(heap.nextDue == base)
        #expect(heap.popFirst()?.payload == "early")
        #expect(heap.popDue(notAfter: base) == nil)
        #expect(heap.popFirst()?.payload == "late")
        #expect(heap.popFirst() == nil)
        heap.push("x", at: base)
        heap.removeAll()
        #expect(heap.isEmpty && heap.first == nil)
    }
}
