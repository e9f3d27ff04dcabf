import KubeClient
import Locking
import Metrics

/// The API-side metrics of the operator, fed by `ClientOptions.onResponse`.
public enum ClientMetrics {
    /// `options` with an `onResponse` hook that counts
    /// `gateway_medic_api_requests_total{verb,resource,code}` for every HTTP exchange and
    /// `gateway_medic_watch_restarts_total{resource}` for every watch request after a resource's
    /// first (a server timeout, a cut connection or a relist re-opens the watch). An existing hook
    /// in `options` still runs. Build the operator's `KubeClient` with the result.
    public static func options(_ options: ClientOptions = ClientOptions(),
                               factory: (any MetricsFactory)? = nil) -> ClientOptions {
        let factory = factory ?? MetricsSystem.factory
        let previous = options.onResponse
        let watchesSeen = Locked<Set<String>>([])
        var result = options
        result.onResponse = { verb, resource, code in
            previous?(verb, resource, code)
            Counter(label: "gateway_medic_api_requests_total",
                    dimensions: [("verb", verb), ("resource", resource), ("code", String(code))], factory: factory)
                .increment()
            if verb == "watch" {
                let first = watchesSeen.withLock { $0.insert(resource).inserted }
                // The first watch creates the series at 0, so increase() sees the first restart
                // and rules can tell "no restarts" from "not exported".
                Counter(label: "gateway_medic_watch_restarts_total", dimensions: [("resource", resource)], factory: factory)
                    .increment(by: first ? 0 : 1)
            }
        }
        return result
    }
}
