import Foundation

/// A value behind a lock, for state that threads and tasks share and must read synchronously:
/// the curl driver's inbox, the emulator's store, a clock's `now()`, a leader flag read by a
/// readiness probe. (`Synchronization.Mutex` would do, but it needs macOS 15 and the package
/// supports macOS 14.)
///
/// `withLock` is inlinable: it is called from every module with the caller's own types, and
/// unspecialised it handled the body as a closure and `R` and `Value` through their metadata,
/// on every watch event's path (docs/performance.md, fifteenth round).
public final class Locked<Value>: @unchecked Sendable {
    @usableFromInline let lock = NSLock()
    @usableFromInline var value: Value

    public init(_ value: Value) { self.value = value }

    @inlinable @discardableResult
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// The same, for bodies with a typed error (the emulator's store throws `Status`).
    @inlinable
    public func withLockTyped<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// A copy of the value.
    public var current: Value { withLock { $0 } }
}
