import Foundation

/// A value guarded by a lock, shared between the curl driver thread and Swift tasks.
/// (`Synchronization.Mutex` would need macOS 15; the package supports macOS 14.)
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
