import Foundation
import Logging
import Testing
import TestSupport
@testable import KubeEmulator
import Locking
@testable import OperatorRuntime

/// A stand-in operator: idles until cancelled; readiness and leadership set by the test.
final class FakeOperator: OperatorProcess, @unchecked Sendable {
    let synced = Locked(false)
    let cancelled = Locked(false)
    let started = AsyncStream<Void>.makeStream()
    /// Yields when the run task is cancelled (a graceful shutdown reached the operator).
    let cancelSeen = AsyncStream<Void>.makeStream()
    /// True: keeps running after cancellation (a shutdown that hangs), until the task group ends it.
    let ignoresCancellation: Bool
    private let gate = Locked<(released: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func release() {
        let waiter = gate.withLock { state -> CheckedContinuation<Void, Never>? in
            state.released = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    init(ignoresCancellation: Bool = false) { self.ignoresCancellation = ignoresCancellation }

    var hasSynced: Bool { synced.current }
    var isLeader: Bool { false }

    func run() async throws {
        started.continuation.yield()
        if ignoresCancellation {
            // A shutdown that hangs: only `release()` ends it, cancelled or not.
            let cancelSeen = self.cancelSeen.continuation
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = gate.withLock { state -> Bool in
                        if state.released { return true }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                cancelSeen.yield()
            }
            return
        }
        do {
            while true { try await Task.sleep(for: .seconds(3600)) }
        } catch {
            cancelled.withLock { $0 = true }
            throw error
        }
    }
}

/// The port a server reports once listening.
final class ReportedPort: Sendable {
    let stream = AsyncStream<Int>.makeStream()
    var report: @Sendable (Int) async -> Void { { [stream] port in stream.continuation.yield(port) } }
    func next() async -> Int? {
        var iterator = stream.stream.makeAsyncIterator()
        return await iterator.next()
    }
}

