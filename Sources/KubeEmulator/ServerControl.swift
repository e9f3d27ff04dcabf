import Hummingbird
import KubeAPI
import Locking
import NIOCore

/// An HTTP watch in flight, so `cutAllWatches()` can abort it.
struct ActiveWatch: Sendable {
    var connection: any Channel
    var watch: StoreWatch
    var midLineCut: MidLineCut
}

/// Set by `cutWatchesMidLine()`: the watch's next line is sent in part, then its connection closed.
final class MidLineCut: Sendable {
    let armed = Locked(false)
}

/// The server's mutable test controls: injected faults, delay, the request log, open watches
/// and open connections.
struct ControlState {
    var faults: [FaultRule] = []
    /// Probabilistic failures (`failRandomly`), after the queued ones.
    var randomFaults: RandomFaultRule?
    /// Writes of other clients run just before matching requests (`interleave`).
    var interleavings: [Interleaving] = []
    /// Overrides `EmulatorConfiguration.bearerToken` once set (`acceptBearerTokens`).
    var acceptedTokens: [String]?
    var delay: Duration = .zero
    /// Overrides `EmulatorConfiguration.streamingLists` once set (`serveStreamingLists`).
    var streamingLists: EmulatorConfiguration.StreamingLists?
    var log: [RequestRecord] = []
    var logLimit = 100_000
    /// Counted apart from the log, which keeps only its newest `logLimit` entries.
    var writes = 0
    var watches: [Int: ActiveWatch] = [:]
    var nextWatch = 0
    /// Watches cut in the middle of a line so far (`cutWatchesMidLine`).
    var midLineCuts = 0
    var connections: [ObjectIdentifier: any Channel] = [:]
    var port = 0

    mutating func append(_ record: RequestRecord) {
        if record.isWrite { writes += 1 }
        log.append(record)
        if log.count > logLimit + logLimit / 4 { log.removeFirst(log.count - logLimit) }
    }

    /// Consumes one injected failure matching the request, if any: a queued one first, else a
    /// random draw.
    mutating func takeFault(_ info: RequestInfo) -> FaultRule? {
        guard let i = faults.firstIndex(where: { $0.remaining > 0 && $0.matcher.matches(info) }) else {
            return randomFaults?.draw(info)
        }
        faults[i].remaining -= 1
        let rule = faults[i]
        if faults[i].remaining == 0 { faults.remove(at: i) }
        return rule
    }
}

extension ControlState {
    /// Consumes one interleaving matching the request, if any.
    mutating func takeInterleaving(_ info: RequestInfo) -> (@Sendable (RequestInfo) -> Void)? {
        guard let i = interleavings.firstIndex(where: { $0.remaining > 0 && $0.matcher.matches(info) }) else { return nil }
        interleavings[i].remaining -= 1
        let action = interleavings[i].action
        if interleavings[i].remaining == 0 { interleavings.remove(at: i) }
        return action
    }
}

/// The request context: Hummingbird's, plus the channel (for the peer certificate and for
/// closing a watch's connection).
struct EmulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
