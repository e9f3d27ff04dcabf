import Foundation
import KubeAPI
import Logging

/// One logical API call, before credentials and retries.
struct RequestSpec: Sendable {
    var verb: String  // Kubernetes verb, for errors and metrics
    var resource: String  // metrics label, e.g. "pods/eviction"
    var method: String
    var path: String
    var query: [QueryItem] = []
    var body: [UInt8]?
    var contentType: String?
    /// Connection errors are retried only where repeating the call is harmless (reads).
    var retryTransportErrors = false
    /// Eviction answers 429 when a disruption budget forbids it: that is an answer, not a load signal.
    var retryTooManyRequests = true

    var pathAndQuery: String { query.isEmpty ? path : "\(path)?\(URLEncoding.query(query))" }
}

extension KubeClient {
    /// Performs `spec` with credentials, a 401 refresh and the retry policy; returns a 2xx
    /// response or throws.
    func execute(_ spec: RequestSpec) async throws(KubeError) -> HTTPResponse {
        let policy = options.retry
        var attempt = 1
        var refresh = false
        var refreshed = false
        while true {
            let request = try await buildRequest(spec, refresh: refresh, timeout: options.requestTimeout)
            refresh = false
            let result = await transport.send(request)
            var retryAfter: Duration?
            switch result {
            case .failure(.cancelled):
                throw .cancelled
            case .failure(let error):
                report(spec, 0)
                guard spec.retryTransportErrors, attempt < max(1, policy.maxAttempts) else { throw error }
                logger.debug("retrying after a connection error", metadata: ["request": "\(request.summary)", "error": "\(error)"])
            case .success(let response):
                report(spec, response.status)
                if (200..<300).contains(response.status) { return response }
                if response.status == 401 && !refreshed {
                    refresh = true
                    refreshed = true
                    continue
                }
                let error = KubeError.fromResponse(status: response.status, body: response.body, verb: spec.verb, path: spec.path)
                let retryable = response.status >= 500 || (response.status == 429 && spec.retryTooManyRequests)
                guard retryable, attempt < max(1, policy.maxAttempts) else { throw error }
                retryAfter = RetryAfter.parse(response.head.headers["retry-after"])
                if retryAfter == nil, case .api(let status, _, _) = error, let seconds = status.details?.retryAfterSeconds {
                    retryAfter = .seconds(seconds)
                }
                logger.debug("retrying", metadata: ["request": "\(request.summary)", "status": "\(response.status)"])
            }
            let delay = policy.delay(beforeRetry: attempt, retryAfter: retryAfter, jitter: Double.random(in: 0...1))
            attempt += 1
            try await Self.sleep(delay)
        }
    }

    /// Performs `spec` and parses the JSON body (only its top-level fields in `reading`, if given).
    func executeJSON(_ spec: RequestSpec, reading: Set<String>? = nil) async throws(KubeError) -> JSONValue {
        if let reading {
            let response = try await execute(spec)
            do {
                return try JSONValue.parse(response.body, keeping: reading)
            } catch {
                throw .decoding(path: spec.path, message: error.description)
            }
        }
        let (value, _, dropped) = try await executeJSONSized(spec)
        guard dropped == 0 else {
            throw .decoding(path: spec.path, message: "nesting deeper than \(JSONValue.maximumDepth) levels")
        }
        return value
    }

    /// Performs `spec` and parses the JSON body; also says how many bytes the body had and how
    /// many values nested too deep were dropped (a list must stay readable when one item is).
    func executeJSONSized(_ spec: RequestSpec) async throws(KubeError) -> (value: JSONValue, bytes: Int, dropped: Int) {
        let response = try await execute(spec)
        do {
            return (try JSONValue.parse(response.body), response.body.count, 0)
        } catch {
            if let (value, dropped) = try? JSONValue.parseDroppingDeepValues(response.body), dropped > 0 {
                return (value, response.body.count, dropped)
            }
            throw .decoding(path: spec.path, message: error.description)
        }
    }

    /// Builds the transport request. Credentials are fetched here, so a refreshed token or an
    /// exec-issued certificate reaches the next attempt.
    func buildRequest(_ spec: RequestSpec, refresh: Bool, timeout: Duration?) async throws(KubeError) -> HTTPRequest {
        let credentials: Credentials
        do {
            credentials = try await config.credentials.credentials(refresh: refresh)
        } catch {
            if Task.isCancelled { throw .cancelled }
            throw .configuration("cannot obtain credentials (\(config.origin.isEmpty ? "config" : config.origin)): \(error)")
        }
        var headers = ["Accept: application/json"]
        if let host = endpoint.hostHeader { headers.append("Host: \(host)") }
        if let contentType = spec.contentType { headers.append("Content-Type: \(contentType)") }
        if let token = credentials.bearerToken?.value, !token.isEmpty {
            guard !token.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                throw .configuration("the bearer token contains a line break")
            }
            headers.append("Authorization: Bearer \(token)")
        } else if let basic = credentials.basicAuth {
            headers.append("Authorization: \(basic.headerValue)")
        }
        for line in config.impersonation.headerLines {
            guard !line.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                throw .configuration("an impersonation value contains a line break")
            }
            headers.append(line)
        }
        var tls = config.tls
        if let cert = credentials.clientCertificatePEM, let key = credentials.clientKeyPEM {
            tls.clientCertificatePEM = cert
            tls.clientKeyPEM = key
        }
        let suffix = spec.pathAndQuery
        return HTTPRequest(
            method: spec.method, url: endpoint.requestBase + suffix, displayURL: endpoint.displayBase + suffix,
            headers: headers, body: spec.body, userAgent: options.userAgent, timeout: timeout,
            connectTimeout: min(.seconds(10), timeout ?? .seconds(10)), tls: tls, connectTo: endpoint.connectTo,
            proxyURL: config.proxyURL)
    }

    func report(_ spec: RequestSpec, _ code: Int) {
        options.onResponse?(spec.verb, spec.resource, code)
    }

    static func sleep(_ delay: Duration) async throws(KubeError) {
        do {
            try await Task.sleep(for: delay)
        } catch {
            throw .cancelled
        }
    }

    static func encodeBody(_ value: JSONValue) -> [UInt8] { value.serialized() }

    static func encodeBody<T: Encodable>(_ value: T, what: String) throws(KubeError) -> [UInt8] {
        do {
            return try JSONValue(encoding: value).serialized()
        } catch {
            throw .configuration("cannot encode \(what): \(error)")
        }
    }
}
