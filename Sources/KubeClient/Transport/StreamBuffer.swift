import Foundation
import Locking

/// The bounded buffer between the curl driver thread (producer) and one consumer task.
///
/// The producer offers each chunk libcurl hands it; when `capacity` bytes are already waiting the
/// offer is refused, the write callback returns `CURL_WRITEFUNC_PAUSE`, and libcurl keeps the
/// data. When the consumer has drained below half the capacity, `take` reports that the transfer
/// must be unpaused (which only the driver thread may do).
///
/// With a `deliveryWindow`, a consumer waiting for data is woken not at the first chunk but up to
/// that long after it (by the driver, `wakeIfDue`), and then drains everything that came
/// meanwhile: at 10,000 gateways a watch delivers an event every 1.5 ms, and waking a thread per
/// event was a third of the operator's CPU. A buffer half full, the head and the end wake at once.
final class StreamBuffer: @unchecked Sendable {
    enum Item: Sendable {
        case chunk([UInt8])
        case end
        case failure(KubeError)
    }

    private struct State {
        var head: ResponseHead?
        var chunks: [[UInt8]] = []
        var readIndex = 0
        var buffered = 0
        var paused = false
        var end: KubeError?? = nil  // .some(nil): clean end; .some(error): failed
        var waiter: CheckedContinuation<Void, Never>?
        /// When the waiting consumer is to be woken for data already buffered (nanoseconds, `now`'s clock).
        var wakeAt: UInt64?

        mutating func takeWaiter() -> CheckedContinuation<Void, Never>? {
            defer { waiter = nil; wakeAt = nil }
            return waiter
        }
    }

    let capacity: Int
    /// Nanoseconds a chunk may wait before its consumer is woken (0: at once).
    let deliveryWindow: UInt64
    /// A monotonic clock in nanoseconds (injected by tests).
    private let now: @Sendable () -> UInt64
    private let state = Locked(State())

    init(capacity: Int, deliveryWindow: Duration = .zero,
         now: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        self.capacity = max(1, capacity)
        let (seconds, attoseconds) = deliveryWindow.components
        self.deliveryWindow = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        self.now = now
    }

    // MARK: producer (driver thread)

    func publishHead(_ head: ResponseHead) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.head == nil { s.head = head }
            return s.takeWaiter()
        }
        waiter?.resume()
    }

    /// Returns false when the buffer is full: the caller must pause the transfer.
    func offer(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let (accepted, waiter) = state.withLock { s -> (Bool, CheckedContinuation<Void, Never>?) in
            if s.buffered >= capacity {
                s.paused = true
                return (false, nil)
            }
            s.chunks.append(Array(bytes))
            s.buffered += bytes.count
            if s.waiter != nil, deliveryWindow == 0 || s.buffered >= capacity / 2 { return (true, s.takeWaiter()) }
            // The window starts at the first chunk also while the consumer is busy (no waiter):
            // it then takes this chunk without waiting, and the driver, told to wake at the
            // window's end, does not poll the socket for every event meanwhile.
            if deliveryWindow > 0, s.wakeAt == nil { s.wakeAt = now() + deliveryWindow }
            return (true, nil)
        }
        waiter?.resume()
        return accepted
    }

    /// Whether a consumer is waiting (tests).
    var hasWaiter: Bool { state.withLock { $0.waiter != nil } }

    /// Bytes of the chunks the buffer still references, read or not, and its slots (tests: what
    /// it holds in memory).
    var held: (bytes: Int, slots: Int) {
        state.withLock { s in (s.chunks.reduce(0) { $0 + $1.count }, s.chunks.count) }
    }

    /// Driver thread, once per loop: wakes the consumer when its data's window has passed (or
    /// at once, `force`): the consumer if it waits; a busy one takes the data when it next asks.
    /// Returns the nanoseconds until the next such wake-up, if one is pending.
    func wakeIfDue(force: Bool = false) -> UInt64? {
        let (waiter, remaining) = state.withLock { s -> (CheckedContinuation<Void, Never>?, UInt64?) in
            guard let wakeAt = s.wakeAt else { return (nil, nil) }
            let current = now()
            if force || current >= wakeAt { return (s.takeWaiter(), nil) }
            return (nil, wakeAt - current)
        }
        waiter?.resume()
        return remaining
    }

    func finish(_ error: KubeError?) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.end == nil { s.end = .some(error) }
            return s.takeWaiter()
        }
        waiter?.resume()
    }

    // MARK: consumer

    /// The response head, or the failure that ended the transfer before any head arrived.
    func head() async -> Result<ResponseHead, KubeError> {
        while true {
            let ready = state.withLock { s -> Result<ResponseHead, KubeError>? in
                if let head = s.head { return .success(head) }
                if case .some(let end) = s.end { return .failure(end ?? .transport(url: "", message: "stream ended without a response")) }
                return nil
            }
            if let ready { return ready }
            await waitForChange(forHead: true)
        }
    }

    /// The next chunk, `.end` at a clean end. `needsUnpause` is true when the caller must ask the
    /// driver to resume a paused transfer.
    func take() async -> (item: Item, needsUnpause: Bool) {
        while true {
            let ready = state.withLock { s -> (Item, Bool)? in
                if s.readIndex < s.chunks.count {
                    // Taken out of its slot: a slot left holding a read chunk kept it alive until
                    // the buffer next ran empty, and a watch that never runs empty (the initial
                    // events and heartbeats of a 10,000-gateway sync) held everything it had read.
                    let chunk = s.chunks[s.readIndex]
                    s.chunks[s.readIndex] = []
                    s.readIndex += 1
                    s.buffered -= chunk.count
                    if s.readIndex == s.chunks.count {
                        s.chunks.removeAll(keepingCapacity: true)
                        s.readIndex = 0
                    } else if s.readIndex >= 64, s.readIndex * 2 >= s.chunks.count {
                        // The empty slots in front go too (amortised: at least as many as remain).
                        s.chunks.removeFirst(s.readIndex)
                        s.readIndex = 0
                    }
                    var unpause = false
                    if s.paused && s.buffered <= capacity / 2 {
                        s.paused = false
                        unpause = true
                    }
                    return (.chunk(chunk), unpause)
                }
                if case .some(let end) = s.end { return (end.map(Item.failure) ?? .end, false) }
                return nil
            }
            if let ready { return ready }
            await waitForChange(forHead: false)
        }
    }

    /// Suspends until the producer publishes something. Registration and the emptiness check
    /// happen under one lock, so a wake-up cannot be lost.
    private func waitForChange(forHead: Bool) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.readIndex < s.chunks.count || s.end != nil || (forHead && s.head != nil) {
                    return true
                }
                s.waiter = c
                return false
            }
            if resumeNow { c.resume() }
        }
    }
}

