import Dispatch
import Foundation

/// Delivers Unix signals as an async sequence, counting every one (the supervisor needs the
/// second SIGTERM, which swift-service-lifecycle's group does not report). Built on Dispatch
/// signal sources; `start()` returns once they are registered, so a signal sent after it is
/// never lost.
/// `@unchecked`: Dispatch sources are thread-safe (activate, cancel and the handlers may be used
/// from any thread) but not annotated `Sendable`; everything else here is immutable.
public final class SignalWatcher: @unchecked Sendable {
    public let signals: AsyncStream<Int32>
    private let continuation: AsyncStream<Int32>.Continuation
    private let sources: [any DispatchSourceSignal]
    private static let queue = DispatchQueue(label: "gateway-medic.signals")

    public init(_ signals: [Int32]) {
        (self.signals, continuation) = AsyncStream<Int32>.makeStream()
        let continuation = self.continuation
        sources = Set(signals).sorted().map { number in
            #if canImport(Darwin)
            // Darwin delivers to kqueue only when the signal's own action does not run first.
            signal(number, SIG_IGN)
            #endif
            let source = DispatchSource.makeSignalSource(signal: number, queue: Self.queue)
            source.setEventHandler { continuation.yield(number) }
            return source
        }
    }

    /// Activates the sources and waits until each is registered with the kernel.
    public func start() async {
        for source in sources {
            await withCheckedContinuation { (registered: CheckedContinuation<Void, Never>) in
                source.setRegistrationHandler { registered.resume() }
                source.activate()
            }
        }
    }

    /// Stops watching and ends the sequence.
    public func stop() {
        for source in sources { source.cancel() }
        continuation.finish()
    }

    deinit { stop() }
}
