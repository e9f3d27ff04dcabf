/// An async iterator kept behind a reference, so that `AsyncThrowingStream(unfolding:)` can
/// advance it. Such a stream pulls each element in its consumer's own task; a stream fed by a
/// pump task costs a task wake-up (often a thread hand-off) per element, and with two wrapping
/// layers per watch that was a large share of the operator's steady-state CPU.
///
/// Unchecked Sendable: only the stream's single consumer calls `next()`, one call at a time.
public final class PulledIterator<Base: AsyncIteratorProtocol>: @unchecked Sendable {
    private var base: Base

    public init(_ base: Base) { self.base = base }

    public func next() async throws -> Base.Element? { try await base.next() }
}

extension AsyncThrowingStream where Failure == any Error {
    /// The elements of `sequence`, pulled in the consumer's task, with `end` told how it ended:
    /// nil when it finished, else the error (which `end` may replace). Cancelling the consumer
    /// cancels the pending `next()`; dropping the stream drops the iterator.
    public static func pulling<S: AsyncSequence>(_ sequence: S, end: @escaping @Sendable ((any Error)?) -> (any Error)? = { $0 }) -> Self
    where S.Element == Element, S.AsyncIterator: SendableMetatype {
        let iterator = PulledIterator(sequence.makeAsyncIterator())
        return AsyncThrowingStream(unfolding: {
            do {
                if let element = try await iterator.next() { return element }
                if let error = end(nil) { throw error }
                return nil
            } catch {
                throw end(error) ?? error
            }
        })
    }
}
