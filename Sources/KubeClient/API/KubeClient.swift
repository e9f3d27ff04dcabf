import Foundation
import KubeAPI
import Logging

/// A Kubernetes API client over libcurl. All requests and watch streams of one client share one
/// driver thread and, over HTTP/2, one multiplexed connection.
///
/// Namespaces: for object calls (get, create, update, patch, delete) on a namespaced resource a
/// nil namespace means the client's `namespace` (for create: the body's metadata.namespace
/// first); for list and watch nil means all namespaces.
public final class KubeClient: Sendable {
    let config: ClusterConfig
    let options: ClientOptions
    let logger: Logger
    let transport: CurlTransport
    let endpoint: Endpoint

    public init(config: ClusterConfig, options: ClientOptions = ClientOptions(),
                logger: Logger = Logger(label: "gateway-medic.client")) throws(KubeError) {
        if config.tls.insecureSkipTLSVerify && config.tls.certificateAuthorityPEM != nil {
            throw .configuration("a certificate authority together with insecure-skip-tls-verify is refused (\(config.origin))")
        }
        if (config.tls.clientCertificatePEM == nil) != (config.tls.clientKeyPEM == nil) {
            throw .configuration("a client certificate needs its key and a key needs its certificate (\(config.origin))")
        }
        self.endpoint = try Endpoint(server: config.server, serverName: config.tls.serverName)
        self.config = config
        self.options = options
        self.logger = logger
        self.transport = try CurlTransport()
        if config.tls.insecureSkipTLSVerify {
            // Only the kubeconfig can turn verification off; say so on every start, loudly.
            logger.warning("TLS verification of the API server is off (insecure-skip-tls-verify): anyone on the path can impersonate it",
                           metadata: ["server": "\(config.server)", "config": "\(config.origin)"])
        }
    }

    deinit { transport.shutdown() }

    /// The namespace of the kubeconfig context or the service account.
    public var namespace: String { config.namespace }

    /// The configured server URL.
    public var server: String { config.server }

    /// Stops the driver thread. Requests in flight and open watches fail with `.cancelled`; later
    /// calls fail with `.cancelled` at once.
    public func shutdown() { transport.shutdown(wait: true) }

    /// Transfers in flight on the driver thread (diagnostics and leak checks).
    public var activeTransfers: Int { transport.activeTransfers }

    // MARK: reads

    public func get(_ r: ResourceType, namespace: String?, name: String) async throws(KubeError) -> JSONValue {
        try await executeJSON(RequestSpec(
            verb: "get", resource: r.plural, method: "GET", path: objectPath(r, namespace, name), retryTransportErrors: true))
    }

    /// One page of a list.
    public func list(_ r: ResourceType, namespace: String?, options: ListOptions = ListOptions()) async throws(KubeError) -> ObjectList {
        let path = r.collectionPath(namespace: namespace.map(URLEncoding.component))
        let (value, bytes, dropped) = try await executeJSONSized(RequestSpec(
            verb: "list", resource: r.plural, method: "GET", path: path, query: options.queryItems, retryTransportErrors: true))
        var list = try Self.objectList(value, path: path)
        // No item can exceed the limit when the whole page does not.
        if bytes > self.options.maxObjectBytes { list.items = stubOversizedItems(list.items, path: path) }
        if dropped > 0 { list.items = markPartialItems(list.items, path: path) }
        return list
    }

    /// Every page of a list (`options.limit` per page, 500 by default). An expired continue
    /// token (410) restarts the list from the beginning, once.
    public func listAll(_ r: ResourceType, namespace: String?, options: ListOptions = ListOptions()) async throws(KubeError) -> ObjectList {
        var restarted = false
        while true {
            var page = options
            page.limit = options.limit ?? 500
            if restarted { page.continueToken = nil }
            var items: [JSONValue] = []
            var last: ObjectList?
            do {
                repeat {
                    let list = try await list(r, namespace: namespace, options: page)
                    items.append(contentsOf: list.items)
                    last = list
                    page.continueToken = list.metadata.continue.flatMap { $0.isEmpty ? nil : $0 }
                    // The rest of the pages come from the first page's snapshot.
                    page.resourceVersion = nil
                } while page.continueToken != nil
            } catch where error.isGone && page.continueToken != nil && !restarted {
                logger.debug("continue token expired, restarting the list", metadata: ["resource": "\(r)"])
                restarted = true
                continue
            }
            var result = last ?? ObjectList(metadata: ListMeta(), items: [])
            result.items = items
            result.metadata.continue = nil
            result.metadata.remainingItemCount = nil
            return result
        }
    }

    // MARK: writes

    /// - Parameter reading: the top-level fields of the answer to read (nil: all). A writer that
    ///   needs only the stored `metadata` saves parsing the rest of the object the API echoes.
    public func create(_ r: ResourceType, namespace: String?, body: JSONValue,
                       reading: Set<String>? = nil) async throws(KubeError) -> JSONValue {
        let ns = r.namespaced ? (namespace ?? body[path: "metadata", "namespace"]?.stringValue ?? self.namespace) : nil
        return try await executeJSON(RequestSpec(
            verb: "create", resource: r.plural, method: "POST", path: r.collectionPath(namespace: ns.map(URLEncoding.component)),
            body: Self.encodeBody(body), contentType: "application/json"), reading: reading)
    }

    public func update(_ r: ResourceType, namespace: String?, name: String, body: JSONValue, subresource: String? = nil) async throws(KubeError) -> JSONValue {
        try await executeJSON(RequestSpec(
            verb: "update", resource: Self.label(r, subresource), method: "PUT", path: objectPath(r, namespace, name, subresource),
            body: Self.encodeBody(body), contentType: "application/json"))
    }

    /// - Parameter reading: as for `create`.
    public func patch(_ r: ResourceType, namespace: String?, name: String, patch: Patch, subresource: String? = nil,
                      reading: Set<String>? = nil) async throws(KubeError) -> JSONValue {
        try await executeJSON(RequestSpec(
            verb: "patch", resource: Self.label(r, subresource), method: "PATCH", path: objectPath(r, namespace, name, subresource),
            body: Self.encodeBody(patch.body), contentType: patch.contentType), reading: reading)
    }

    public func delete(_ r: ResourceType, namespace: String?, name: String, options: DeleteOptions? = nil) async throws(KubeError) {
        let body = try options.map { (o: DeleteOptions) throws(KubeError) in try Self.encodeBody(o, what: "DeleteOptions") }
        _ = try await execute(RequestSpec(
            verb: "delete", resource: r.plural, method: "DELETE", path: objectPath(r, namespace, name),
            body: body, contentType: body == nil ? nil : "application/json"))
    }

    /// POSTs a policy/v1 Eviction for the pod. A 429 (a disruption budget forbids it now) is
    /// returned to the caller at once, not retried.
    public func evict(podNamespace: String, podName: String, options: DeleteOptions? = nil) async throws(KubeError) {
        let eviction = Eviction(metadata: ObjectMeta(name: podName, namespace: podNamespace), deleteOptions: options)
        _ = try await execute(RequestSpec(
            verb: "evict", resource: "pods/eviction", method: "POST",
            path: objectPath(.pods, podNamespace, podName, "eviction"),
            body: try Self.encodeBody(eviction, what: "Eviction"), contentType: "application/json",
            retryTooManyRequests: false))
    }

    // MARK: watch

    /// Events of a resource; see `WatchStream` for resuming, backoff and 410 handling.
    public func watch(_ r: ResourceType, namespace: String?, options: WatchOptions) -> WatchStream {
        WatchStream(client: self, resource: r, namespace: namespace, options: options)
    }

    // MARK: helpers

    func objectPath(_ r: ResourceType, _ namespace: String?, _ name: String, _ subresource: String? = nil) -> String {
        let ns = r.namespaced ? URLEncoding.component(namespace ?? self.namespace) : nil
        return r.objectPath(namespace: ns, name: URLEncoding.component(name), subresource: subresource.map(URLEncoding.component))
    }

    static func label(_ r: ResourceType, _ subresource: String?) -> String {
        subresource.map { "\(r.plural)/\($0)" } ?? r.plural
    }

    /// Reads a list response directly from the parsed value (no second decoding pass).
    static func objectList(_ value: JSONValue, path: String) throws(KubeError) -> ObjectList {
        guard value.objectValue != nil else { throw .decoding(path: path, message: "a list response is a \(value.typeName), not an object") }
        let items: [JSONValue]
        switch value["items"] {
        case .array(let a)?: items = a
        case .null?, nil: items = []
        case let other?: throw .decoding(path: path, message: "\"items\" is a \(other.typeName), not an array")
        }
        let meta = value["metadata"]
        return ObjectList(
            apiVersion: value["apiVersion"]?.stringValue, kind: value["kind"]?.stringValue,
            metadata: ListMeta(
                resourceVersion: meta?["resourceVersion"]?.stringValue, continue: meta?["continue"]?.stringValue,
                remainingItemCount: meta?["remainingItemCount"]?.intValue),
            items: items)
    }
}
