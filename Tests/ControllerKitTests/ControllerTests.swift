import Foundation
import Testing
import TestSupport
@testable import ControllerKit

/// Counts reconciles and the largest number of concurrent runs per key.
actor ReconcileLog {
    private(set) var runs: [String: Int] = [:]
    private var active: [String: Int] = [:]
    private(set) var maxConcurrentPerKey = 0

    func begin(_ key: String) {
        runs[key, default: 0] += 1
        active[key, default: 0] += 1
        maxConcurrentPerKey = max(maxConcurrentPerKey, active[key, default: 0])
    }

    func end(_ key: String) { active[key, default: 0] -= 1 }
    func count(_ key: String) -> Int { runs[key, default: 0] }
}

@Suite struct ControllerTests {
    @Test func workersProcessEveryKeyAndStopOnShutdown() async {
        let queue = WorkQueue<String>(name: "c", clock: ManualClock())
        let controller = Controller(name: "c", queue: queue, clock: ManualClock())
        let log = ReconcileLog()
        for i in 0..<20 { await queue.add("k\(i)") }
        let run = Task {
            await controller.run(workers: 3) { key in
                await log.begin(key)
                await log.end(key)
                return .done
            }
        }
        #expect(await eventually { await log.runs.count == 20 })
        await queue.shutDown()
        await run.value
        #expect(await log.runs.values.allSatisfy { $0 == 1 })
    }

    @Test func aKeyIsNeverReconciledConcurrently() async {
        let queue = WorkQueue<String>(name: "c", clock: ManualClock())
        let controller = Controller(name: "c", queue: queue, clock: ManualClock())
        let log = ReconcileLog()
        let run = Task {
            await controller.run(workers: 4) { key in
                await log.begin(key)
                for _ in 0..<5 { await Task.yield() }
                await log.end(key)
                return .done
            }
        }
        for _ in 0..<50 {
            await queue.add("same")
            await queue.add("other")
            await Task.yield()
        }
        #expect(await eventually { await queue.isIdle })
        #expect(await log.maxConcurrentPerKey == 1)
        #expect(await log.count("same") >= 1)
        run.cancel()
        await run.value
        #expect(await queue.isShuttingDown)
    }

    @Test func retryBacksOffThenSucceedsAndForgets() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "c", clock: clock)
        let controller = Controller(name: "c", queue: queue, clock: clock)
        let log = ReconcileLog()
        let run = Task {
            await controller.run(workers: 1) { key in
                await log.begin(key)
                await log.end(key)
                return await log.count(key) < 3 ? .retry(Failure(description: "transient")) : .done
            }
        }
        await queue.add("a")
        #expect(await eventually { await queue.deadline(of: "a") != nil })
        #expect(await queue.numRequeues("a") == 1)
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(5))
        #expect(await eventually { await queue.numRequeues("a") == 2 })
        #expect(await queue.deadline(of: "a") == clock.now().addingTimeInterval(0.010))
        await clock.waitForSleepers(1)
        clock.advance(by: .milliseconds(10))
        #expect(await eventually { await log.count("a") == 3 })
        #expect(await eventually { await queue.isIdle })
        #expect(await queue.numRequeues("a") == 0)
        #expect(await queue.deadline(of: "a") == nil)
        run.cancel()
        await run.value
    }

    @Test func requeueAfterAndTerminal() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(name: "c", clock: clock)
        let controller = Controller(name: "c", queue: queue, clock: clock)
        let start = clock.now()
        await controller.process("recheck") { _ in .requeueAfter(.seconds(30)) }
        #expect(await queue.deadline(of: "recheck") == start.addingTimeInterval(30))
        await controller.process("at") { _ in .requeueAt(start.addingTimeInterval(7)) }
        #expect(await queue.deadline(of: "at") == start.addingTimeInterval(7))
        await queue.addRateLimited("bad")
        await controller.process("bad") { _ in .terminal(Failure(description: "invalid spec")) }
        #expect(await queue.numRequeues("bad") == 0)
        #expect(await queue.deadline(of: "bad") == start.addingTimeInterval(0.005))  // only the earlier entry
    }
}

extension WorkQueue {
    /// Nothing ready and nothing being processed.
    var isIdle: Bool { depth == 0 && processingCount == 0 }
}
