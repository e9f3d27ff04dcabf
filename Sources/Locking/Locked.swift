import Foundation

/// A value behind a lock, for state that threads and tasks share and must read synchronously:
/// the curl driver's inbox, the emulator's store, a clock's `now()`, a leader flag read by a
/// readiness probe. (`Synchronization.Mutex` would do, but it needs macOS 15 and the package
/// supports macOS 14.)
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    @discardableResult
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// The same, for bodies with a typed error (the emulator's store throws `Status`).
    public func withLockTyped<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// A copy of the value.
    public var current: Value { withLock { $0 } }

    /// The value in place, the lock held for the one access (a read, or a change in place such as
    /// `table.inPlace[key]?.field = x`): for state an actor owns and a synchronous reader elsewhere
    /// also reads or changes (`GatewayReconciler`'s table, advanced by a heartbeat without a hop
    /// onto the actor). Each access is atomic on its own: a read and a later write are two.
    /// Not re-entrant: nothing inside one access may access the same value again.
    public var inPlace: Value {
        _read {
            lock.lock()
            defer { lock.unlock() }
            yield value
        }
        _modify {
            lock.lock()
            defer { lock.unlock() }
            yield &value
        }
    }
}
