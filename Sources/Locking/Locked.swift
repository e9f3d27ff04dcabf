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
}
