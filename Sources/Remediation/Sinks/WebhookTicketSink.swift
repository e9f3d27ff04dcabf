import Foundation
import KubeAPI
import KubeClient
import Logging

/// POSTs drafts to a webhook without ever blocking the caller: `write` queues the draft and
/// returns; a background task delivers the queue in order, retrying with backoff while the
/// receiver is down. Undelivered drafts are kept (a newer version of a draft replaces the older
/// one in the queue: only the latest matters). A draft version already delivered is not sent
/// again; every request carries `Idempotency-Key: <id>@<updatedAt>` so the receiver can drop a
/// repeat after a lost answer.
public final class WebhookTicketSink: TicketSink {
    public static let idempotencyHeader = "Idempotency-Key"
    private let queue: WebhookQueue

    /// - Parameters:
    ///   - headerName: the header that carries the secret (e.g. `Authorization`), when `secret` is not `.none`.
    ///   - environment: where `.environment` secrets are looked up (the process's by default).
    public init(url: String, headerName: String = "Authorization", secret: WebhookSecretSource = .none,
                poster: any WebhookPosting, retry: WebhookRetryPolicy = WebhookRetryPolicy(),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger = Logger(label: "gateway-medic.tickets.webhook"),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        queue = WebhookQueue(target: .init(url: url, headerName: headerName, secret: secret, environment: environment),
                             poster: poster, retry: retry, logger: logger, sleep: sleep)
    }

    /// The sink the settings ask for: nil without `tickets.webhook`, or when the HTTP client
    /// cannot start (logged: the drafts still reach the other sinks).
    public static func make(settings: WebhookSettings?, context: TicketSinkContext) -> WebhookTicketSink? {
        guard let settings, !settings.url.isEmpty else { return nil }
        do {
            return WebhookTicketSink(url: settings.url, headerName: settings.headerName, secret: settings.secretSource,
                                     poster: try WebhookPoster(), retry: context.webhookRetry, environment: context.environment,
                                     logger: context.logger)
        } catch {
            context.logger.error("the ticket webhook cannot start; drafts go to the other sinks only",
                                 metadata: ["url": "\(WebhookPoster.displayURL(settings.url))", "error": "\(error.description)"])
            return nil
        }
    }

    public func open(_ draft: TicketDraft) async throws { await queue.enqueue(draft) }

    public func update(_ draft: TicketDraft) async throws { await queue.enqueue(draft) }

    /// The receiver keeps the drafts; nothing to read back from here.
    public func loadAll() async throws -> [TicketDraft]? { nil }

    public func remove(id: String) async throws { await queue.forget(id) }

    /// Drafts waiting for delivery.
    public var pendingCount: Int { get async { await queue.pendingCount } }
    /// Drafts versions delivered since start.
    public var deliveredCount: Int { get async { await queue.deliveredTotal } }

    /// Stops the background delivery (pending drafts stay queued, undelivered).
    public func stop() async { await queue.stop() }

    /// The request body: the draft as JSON and as Markdown.
    static func payload(_ draft: TicketDraft) -> [UInt8] {
        let ticket = (try? JSONValue.parse(TicketRenderer.json(draft))) ?? .object([:])
        let body: JSONValue = ["kind": "gateway-medic.ticket", "ticket": ticket, "markdown": .string(TicketRenderer.markdown(draft))]
        return body.serialized()
    }

    static func idempotencyKey(_ draft: TicketDraft) -> String { "\(draft.id)@\(KubeTime.format(draft.updatedAt))" }
}

/// The `tickets.webhook` settings: a receiver that gets every draft version as JSON. The secret
/// header's value is never in the config: it is read from a file (`secretFile`) or an environment
/// variable (`secretEnv`).
public struct WebhookSettings: Sendable, Codable, Equatable {
    /// The receiver's URL (required), http or https. Credentials go in the secret header, not here.
    public var url: String
    /// The header that carries the secret. [Authorization]
    public var headerName: String = "Authorization"
    /// A file whose trimmed content is the header value (e.g. a mounted Secret). [nil]
    public var secretFile: String?
    /// The NAME of an environment variable holding the header value. [nil]
    public var secretEnv: String?

    public init(url: String, headerName: String = "Authorization", secretFile: String? = nil, secretEnv: String? = nil) {
        self.url = url
        self.headerName = headerName
        self.secretFile = secretFile
        self.secretEnv = secretEnv
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decode(String.self, forKey: .url)
        headerName = try c.decodeIfPresent(String.self, forKey: .headerName) ?? "Authorization"
        secretFile = try c.decodeIfPresent(String.self, forKey: .secretFile)
        secretEnv = try c.decodeIfPresent(String.self, forKey: .secretEnv)
    }

    /// Where the secret header's value comes from: the file when both are set (docs/configuration.md).
    public var secretSource: WebhookSecretSource {
        if let file = secretFile, !file.isEmpty { return .file(file) }
        if let name = secretEnv, !name.isEmpty { return .environment(name) }
        return .none
    }

    /// The first setting that cannot be used (its key under `tickets.webhook`, and why), or nil.
    /// Messages show the URL without user info or query, which may hold credentials.
    public var problem: (key: String, detail: String)? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
              parsed.host?.isEmpty == false else {
            return ("url", "must be an http or https URL with a host, got \(url.isEmpty ? "nothing" : WebhookPoster.displayURL(url))")
        }
        // An HTTP header name is a token: letters, digits and !#$%&'*+-.^_`|~.
        let tokenCharacters = Set("!#$%&'*+-.^_`|~")
        guard !headerName.isEmpty, headerName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || tokenCharacters.contains($0)) }) else {
            return ("headerName", "must be an HTTP header name such as Authorization, got \"\(headerName.prefix(80))\"")
        }
        return nil
    }
}

/// The queue and its single delivery task.
actor WebhookQueue {
    struct Target: Sendable {
        var url: String
        var headerName: String
        var secret: WebhookSecretSource
        var environment: [String: String]
    }

    private let target: Target
    private let poster: any WebhookPosting
    private let retry: WebhookRetryPolicy
    private let logger: Logger
    private let sleep: @Sendable (Duration) async throws -> Void
    /// id → newest undelivered version; `order` keeps first-queued-first-sent.
    private var pending: [String: TicketDraft] = [:]
    private var order: [String] = []
    /// id → idempotency key of the last version delivered.
    private var delivered: [String: String] = [:]
    private(set) var deliveredTotal = 0
    private var worker: Task<Void, Never>?
    private var stopped = false

    init(target: Target, poster: any WebhookPosting, retry: WebhookRetryPolicy, logger: Logger,
         sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.target = target
        self.poster = poster
        self.retry = retry
        self.logger = logger
        self.sleep = sleep
    }

    var pendingCount: Int { pending.count }

    func enqueue(_ draft: TicketDraft) {
        let key = WebhookTicketSink.idempotencyKey(draft)
        if delivered[draft.id] == key || pending[draft.id].map(WebhookTicketSink.idempotencyKey) == key { return }
        pending[draft.id] = draft
        if !order.contains(draft.id) { order.append(draft.id) }
        startIfIdle()
    }

    func forget(_ id: String) {
        pending[id] = nil
        order.removeAll { $0 == id }
        delivered[id] = nil
    }

    func stop() {
        stopped = true
        worker?.cancel()
        worker = nil
    }

    private func startIfIdle() {
        guard worker == nil, !stopped else { return }
        worker = Task { await self.run() }
    }

    private func run() async {
        var failures = 0
        while !Task.isCancelled, let id = order.first {
            guard let draft = pending[id] else { order.removeFirst(); continue }
            let key = WebhookTicketSink.idempotencyKey(draft)
            do {
                try await post(draft, key: key)
                failures = 0
                delivered[id] = key
                deliveredTotal += 1
                // A newer version may have been queued while this one was on the wire.
                if pending[id].map(WebhookTicketSink.idempotencyKey) == key {
                    pending[id] = nil
                    order.removeAll { $0 == id }
                }
                logger.debug("ticket draft delivered to the webhook", metadata: ["ticket": "\(id)"])
            } catch {
                failures += 1
                let wait = retry.delay(afterAttempt: failures)
                logger.warning("webhook delivery failed; retrying", metadata: [
                    "ticket": "\(id)", "attempt": "\(failures)", "retryIn": "\(wait)",
                    "url": "\(WebhookPoster.displayURL(target.url))", "error": "\(Self.describe(error))",
                ])
                do { try await sleep(wait) } catch { break }
            }
        }
        worker = nil
        // Something may have been queued after the loop saw an empty queue.
        if !order.isEmpty && !Task.isCancelled { startIfIdle() }
    }

    private func post(_ draft: TicketDraft, key: String) async throws {
        var secretHeaders: [String: SecretString] = [:]
        if let secret = try target.secret.read(environment: target.environment) {
            secretHeaders[target.headerName] = secret
        }
        try await poster.postJSON(url: target.url, body: WebhookTicketSink.payload(draft),
                                  headers: [WebhookTicketSink.idempotencyHeader: key], secretHeaders: secretHeaders)
    }

    /// Errors of our own types describe themselves without secrets; anything else is named by type only.
    private static func describe(_ error: any Error) -> String {
        switch error {
        case let e as KubeError: e.description
        case let e as TicketSinkError: e.description
        default: "\(type(of: error))"
        }
    }
}
