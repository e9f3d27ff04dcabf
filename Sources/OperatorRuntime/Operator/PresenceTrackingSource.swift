import ControllerKit
import KubeAPI

/// Wraps a source to report whether its resource is served: a successful list says yes, a 404
/// says no. The switch Agent informer uses it to tell the fleet when the Agent CRD is absent,
/// so the health model falls back to its weaker liveness evidence.
struct PresenceTrackingSource: ListWatchSource {
    let base: any ListWatchSource
    let onPresence: @Sendable (Bool) async -> Void

    func list() async throws -> (items: [JSONValue], resourceVersion: String) {
        do {
            let result = try await base.list()
            await onPresence(true)
            return result
        } catch {
            if base.isNotFound(error) { await onPresence(false) }
            throw error
        }
    }

    func list(pages page: @Sendable (_ items: [JSONValue], _ startsList: Bool) async throws -> Void) async throws -> String {
        do {
            let version = try await base.list(pages: page)
            await onPresence(true)
            return version
        } catch {
            if base.isNotFound(error) { await onPresence(false) }
            throw error
        }
    }

    func watch(from resourceVersion: String, timeoutSeconds: Int?) -> AsyncThrowingStream<WatchEvent, any Error> {
        base.watch(from: resourceVersion, timeoutSeconds: timeoutSeconds)
    }

    /// Served once the initial events are in; absent on a 404.
    func streamingList(timeoutSeconds: Int?) -> AsyncThrowingStream<WatchEvent, any Error>? {
        guard let stream = base.streamingList(timeoutSeconds: timeoutSeconds) else { return nil }
        let iterator = PulledIterator(stream.makeAsyncIterator())
        let base = self.base, onPresence = self.onPresence
        return AsyncThrowingStream(unfolding: {
            do {
                let event = try await iterator.next()
                if event?.isInitialEventsEnd == true { await onPresence(true) }
                return event
            } catch {
                if base.isNotFound(error) { await onPresence(false) }
                throw error
            }
        })
    }

    func isStreamingListRefused(_ error: any Error) -> Bool { base.isStreamingListRefused(error) }
    func isGone(_ error: any Error) -> Bool { base.isGone(error) }
    func isNotFound(_ error: any Error) -> Bool { base.isNotFound(error) }
}
