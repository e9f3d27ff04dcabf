import Foundation

/// A value behind a lock, for the few places that need a synchronous answer from state that
/// concurrent tasks change (a clock's `now()`, a leader flag read by a readiness probe).
/// `Synchronization.Mutex` would do, but it needs macOS 15 and the package targets macOS 14.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}
