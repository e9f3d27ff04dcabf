import Foundation
import KubeAPI
import Locking
@testable import ControllerKit
import Testing
import TestSupport

let gatewayAgent = ObjectReference(apiVersion: "gwint.githedgehog.com/v1alpha1", kind: "GatewayAgent",
                                   name: "gw-1", namespace: "fab", uid: "u-1")

func recorder(_ sink: MemoryEventSink, clock: ManualClock, options: EventRecorderOptions = EventRecorderOptions(retryInterval: .zero)) -> EventRecorder {
    EventRecorder(sink: sink, component: "gateway-medic", host: "pod-1", clock: clock, options: options)
}

@Suite struct EventRecorderTests {
    @Test func theSameEventRaised100TimesIsOneObjectWithCount100() async throws {
        let sink = MemoryEventSink()
        let clock = ManualClock()
        let events = recorder(sink, clock: clock)
        let start = clock.now()
        for i in 0..<100 {
            clock.set(start.addingTimeInterval(Double(i)))
            await events.record(involved: gatewayAgent, type: .warning, reason: "KeepaliveFail", message: "BGP keepalive missed")
        }
        #expect(await sink.creates == 1)
        #expect(await sink.patches == 99)
        let stored = try #require(await sink.events.values.first)
        #expect(await sink.events.count == 1)
        #expect(stored.count == 100)
        #expect(stored.firstTimestamp == KubeTime.format(start))
        #expect(stored.lastTimestamp == KubeTime.format(start.addingTimeInterval(99)))
        #expect(stored.type == "Warning")
        #expect(stored.source?.component == "gateway-medic")
        #expect(stored.involvedObject == gatewayAgent)
        #expect(await events.droppedCount == 0)
    }

    @Test func spamFilterLimitsNewObjectsPerInvolvedObject() async {
        let sink = MemoryEventSink()
        let clock = ManualClock()
        let events = recorder(sink, clock: clock)
        var outcomes: [EventRecordOutcome] = []
        for i in 0..<30 {
            outcomes.append(await events.record(involved: gatewayAgent, type: .normal, reason: "Changed", message: "state \(i)"))
        }
        #expect(outcomes.filter { $0 == .dropped }.count == 5)
        #expect(await sink.creates == 25)
        #expect(await events.droppedCount == 5)
        // Another object has its own bucket.
        var other = gatewayAgent
        other.name = "gw-2"
        #expect(await events.record(involved: other, type: .normal, reason: "Changed", message: "x") != .dropped)
        // Repeats of a remembered Event still count while the bucket is empty.
        let repeated = await events.record(involved: gatewayAgent, type: .normal, reason: "Changed", message: "state 0")
        guard case .aggregated(_, _, let count) = repeated else { Issue.record("expected aggregation, got \(repeated)"); return }
        #expect(count == 2)
        // One token comes back every 300 s.
        clock.advance(by: 300)
        #expect(await events.record(involved: gatewayAgent, type: .normal, reason: "Changed", message: "new 1") != .dropped)
        #expect(await events.record(involved: gatewayAgent, type: .normal, reason: "Changed", message: "new 2") == .dropped)
    }

    @Test func evictedEventsAreCreatedAgain() async {
        let sink = MemoryEventSink()
        let events = recorder(sink, clock: ManualClock(), options: EventRecorderOptions(cacheSize: 2, retryInterval: .zero))
        for message in ["a", "b", "c", "a"] {
            await events.record(involved: gatewayAgent, type: .normal, reason: "R", message: message)
        }
        #expect(await sink.creates == 4)
        #expect(await sink.patches == 0)
    }

    @Test func anExpiredEventIsRecreatedWithItsCount() async throws {
        let sink = MemoryEventSink()
        let clock = ManualClock()
        let start = clock.now()
        let events = recorder(sink, clock: clock)
        let first = await events.record(involved: gatewayAgent, type: .normal, reason: "R", message: "m")
        guard case .created(let namespace, let name) = first else { Issue.record("not created: \(first)"); return }
        #expect(namespace == "fab")
        await sink.delete(namespace: namespace, name: name)
        clock.set(start.addingTimeInterval(60))
        let second = await events.record(involved: gatewayAgent, type: .normal, reason: "R", message: "m")
        guard case .created(_, let newName) = second else { Issue.record("not recreated: \(second)"); return }
        #expect(newName != name)
        #expect(await sink.events["fab/\(newName)"]?.count == 2)
        // It keeps its first occurrence (remembered as an instant, written as the same text).
        #expect(await sink.events["fab/\(newName)"]?.firstTimestamp == KubeTime.format(start))
        #expect(await sink.events["fab/\(newName)"]?.lastTimestamp == KubeTime.format(start.addingTimeInterval(60)))
    }

    @Test func transientFailuresAreRetriedABoundedNumberOfTimes() async {
        let sink = MemoryEventSink()
        let events = recorder(sink, clock: ManualClock())
        await sink.inject([Status(code: 503), Status(code: 500)])
        let retried = await events.record(involved: gatewayAgent, type: .normal, reason: "R", message: "m")
        guard case .created = retried else { Issue.record("expected success after retries, got \(retried)"); return }
        await sink.inject([Status(code: 503), Status(code: 503), Status(code: 503)])
        let exhausted = await events.record(involved: gatewayAgent, type: .normal, reason: "R", message: "other")
        guard case .failed = exhausted else { Issue.record("expected failure, got \(exhausted)"); return }
        await sink.inject([Status(message: "bad", code: 422)])
        let rejected = await events.record(involved: gatewayAgent, type: .normal, reason: "R", message: "third")
        guard case .failed = rejected else { Issue.record("422 must not be retried, got \(rejected)"); return }
        #expect(await sink.creates == 1)
        #expect(await events.failedCount == 2)
    }

    @Test func concurrentRepeatsNeverCreateTwoObjects() async {
        let sink = MemoryEventSink()
        let events = recorder(sink, clock: ManualClock())
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask { await events.record(involved: gatewayAgent, type: .normal, reason: "R", message: "m") }
            }
        }
        #expect(await sink.creates == 1)
        #expect(await sink.events.values.first?.count == 10)
    }

    @Test func oneObjectsSlowWriteDoesNotHoldUpAnotherObjectsEvent() async throws {
        let sink = HeldEventSink(holding: "gw-1")
        let slow = EventRecorder(sink: sink, component: "gateway-medic", clock: ManualClock())
        let other = ObjectReference(apiVersion: gatewayAgent.apiVersion, kind: "GatewayAgent", name: "gw-2", namespace: "fab", uid: "u-2")
        let held = Task { await slow.record(involved: gatewayAgent, type: .warning, reason: "Down", message: "m") }
        let repeatOfHeld = Task {
            await sink.waitUntilHeld()
            return await slow.record(involved: gatewayAgent, type: .warning, reason: "Down", message: "m")
        }
        await sink.waitUntilHeld()
        // gw-1's create is in flight and blocked; gw-2's Event goes through meanwhile. The bound
        // only decides failure (a recorder with one line for all objects would wait forever).
        let passed = await withTaskGroup(of: EventRecordOutcome?.self) { group in
            group.addTask { await slow.record(involved: other, type: .normal, reason: "Up", message: "m") }
            group.addTask { try? await Task.sleep(for: .seconds(30)); return nil }
            let first = await group.next() ?? nil
            if first == nil { await sink.release() }
            group.cancelAll()
            return first
        }
        guard case .created = passed else { Issue.record("gw-2's Event should be created while gw-1's is held, got \(String(describing: passed))"); return }
        #expect(await sink.completedNames == ["gw-2"])
        await sink.release()
        guard case .created = await held.value else { Issue.record("gw-1's first Event should be created"); return }
        // Whether the repeat waited for gw-1's turn or came after it, it is a count patch.
        guard case .aggregated(_, _, count: 2) = await repeatOfHeld.value else { Issue.record("the repeat should aggregate"); return }
        #expect(await sink.completedNames == ["gw-2", "gw-1"])
    }

    @Test func eventNamesAreTheObjectNameAndAHexSuffix() {
        let name = EventRecorder.eventName(for: "gw-1")
        let parts = name.split(separator: ".")
        #expect(parts.count == 2 && parts[0] == "gw-1")
        #expect(parts[1].count == 16 && parts[1].allSatisfy(\.isHexDigit))
        #expect(EventRecorder.eventName(for: String(repeating: "x", count: 400)).count <= 253)
        #expect(EventRecorder.eventName(for: nil).hasPrefix("event."))
    }

    @Test func dryRunSinkPrintsWhatItWouldWrite() async throws {
        let lines = Locked<[String]>([])
        let events = EventRecorder(sink: DryRunEventSink(write: { line in lines.withLock { $0.append(line) } }),
                                   component: "gateway-medic", clock: ManualClock())
        await events.record(involved: gatewayAgent, type: .warning, reason: "Down", message: "dataplane pod not ready")
        await events.record(involved: gatewayAgent, type: .warning, reason: "Down", message: "dataplane pod not ready")
        #expect(lines.current.count == 2)
        #expect(lines.current[0].contains("Warning Down on GatewayAgent/fab/gw-1"))
        #expect(lines.current[1].contains("count=2"))
    }

    @Test func tokenBucketRefills() {
        let start = Date(timeIntervalSince1970: 0)
        var bucket = TokenBucket(burst: 2, refillInterval: 300, now: start)
        let taken = [0, 0, 299, 300, 300].map { bucket.take(now: start.addingTimeInterval(Double($0))) }
        #expect(taken == [true, true, false, true, false])
    }

    @Test func lruEvictsTheLeastRecentlyUsed() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.set("a", 1)
        cache.set("b", 2)
        _ = cache.get("a")
        cache.set("c", 3)
        #expect(cache.peek("b") == nil)
        #expect(cache.peek("a") == 1 && cache.peek("c") == 3)
        #expect(cache.count == 2)
    }

    /// A key whose hash is chosen: keys with the same `bucket` collide in the cache's table.
    struct CollidingKey: Hashable, Sendable {
        var id: Int
        var bucket: Int
        func hash(into hasher: inout Hasher) { hasher.combine(bucket) }
    }

    /// The cache finds its nodes through its own open-addressed table: many sets, gets and
    /// evictions, with keys that collide and wrap around the table, agree with a plain list kept
    /// in recency order.
    @Test func lruAgreesWithAListInRecencyOrder() {
        for capacity in [1, 3, 8, 50] {
            var cache = LRUCache<CollidingKey, Int>(capacity: capacity)
            var model: [(key: CollidingKey, value: Int)] = []  // most recent first
            var seed: UInt64 = 0x9E37_79B9_7F4A_7C15 &* UInt64(capacity)
            func next(_ bound: Int) -> Int {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int((seed >> 33) % UInt64(bound))
            }
            for step in 0..<4_000 {
                let key = CollidingKey(id: next(capacity * 3), bucket: next(4))
                if next(3) == 0 {
                    let expected = model.firstIndex { $0.key == key }.map { model[$0].value }
                    #expect(cache.get(key) == expected, "capacity \(capacity), step \(step)")
                    if let at = model.firstIndex(where: { $0.key == key }) { model.insert(model.remove(at: at), at: 0) }
                } else {
                    cache.set(key, step)
                    if let at = model.firstIndex(where: { $0.key == key }) { model.remove(at: at) }
                    model.insert((key, step), at: 0)
                    if model.count > capacity { model.removeLast() }
                }
                #expect(cache.count == model.count)
            }
            for id in 0..<(capacity * 3) {
                for bucket in 0..<4 {
                    let key = CollidingKey(id: id, bucket: bucket)
                    #expect(cache.peek(key) == model.first { $0.key == key }?.value, "capacity \(capacity), \(key)")
                }
            }
        }
    }
}

/// Holds every create about `holding` until `release()`; other objects' creates complete at once.
actor HeldEventSink: EventSink {
    private let holding: String
    private var released = false
    private var heldWaiters: [CheckedContinuation<Void, Never>] = []
    private var releaseWaiters: [CheckedContinuation<Void, Never>] = []
    private var isHolding = false
    private(set) var completedNames: [String] = []

    init(holding: String) { self.holding = holding }

    func create(_ event: Event) async throws -> Event {
        if event.involvedObject.name == holding && !released {
            isHolding = true
            heldWaiters.forEach { $0.resume() }
            heldWaiters = []
            await withCheckedContinuation { releaseWaiters.append($0) }
        }
        completedNames.append(event.involvedObject.name ?? "")
        return event
    }

    func patchCount(namespace: String, name: String, count: Int, lastTimestamp: String) async throws {}

    func waitUntilHeld() async {
        if isHolding { return }
        await withCheckedContinuation { heldWaiters.append($0) }
    }

    func release() {
        released = true
        releaseWaiters.forEach { $0.resume() }
        releaseWaiters = []
    }
}
