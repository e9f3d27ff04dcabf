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
    private let queue: TicketDeliveryQueue
    public var name: String { "webhook" }
    public var deliveryQueue: TicketDeliveryQueue? { queue }

    /// - Parameters:
    ///   - headerName: the header that carries the secret (e.g. `Authorization`), when `secret` is not `.none`.
    ///   - environment: where `.environment` secrets are looked up (the process's by default).
    public init(url: String, headerName: String = "Authorization", secret: WebhookSecretSource = .none,
                poster: any WebhookPosting, retry: WebhookRetryPolicy = WebhookRetryPolicy(),
                environment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger = Logger(label: "gateway-medic.tickets.webhook"),
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        queue = TicketDeliveryQueue(sinkName: "webhook", target: WebhookPoster.displayURL(url), retry: retry, logger: logger,
                                            sleep: sleep) { draft in
            var secretHeaders: [String: SecretString] = [:]
            if let value = try secret.read(environment: environment) { secretHeaders[headerName] = value }
            try await poster.postJSON(url: url, body: WebhookTicketSink.payload(draft),
                                      headers: [WebhookTicketSink.idempotencyHeader: TicketDeliveryQueue.versionKey(draft)],
                                      secretHeaders: secretHeaders)
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
    public var deliveredCount: Int { get async { await queue.deliveredCount } }

    /// Stops the background delivery (pending drafts stay queued, undelivered).
    public func stop() async { await queue.stop() }

    /// The request body: the draft as JSON and as Markdown.
    static func payload(_ draft: TicketDraft) -> [UInt8] {
        let ticket = (try? JSONValue.parse(TicketRenderer.json(draft))) ?? .object([:])
        let body: JSONValue = ["kind": "gateway-medic.ticket", "ticket": ticket, "markdown": .string(TicketRenderer.markdown(draft))]
        return body.serialized()
    }

    static func idempotencyKey(_ draft: TicketDraft) -> String { TicketDeliveryQueue.versionKey(draft) }
}

/// The `tickets.webhook` settings: a receiver that gets every draft version as JSON. The secret
/// header's value is never in the config: it is read from a file (`secretFile`) or an environment
/// variable (`secretEnv`).
public struct WebhookSettings: TicketSinkSettings, Encodable, Equatable {
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

    /// The sink these settings ask for; nil when the HTTP client cannot start (logged: the
    /// drafts still reach the other sinks).
    public func makeSink(context: TicketSinkContext) -> (any TicketSink)? {
        do {
            return WebhookTicketSink(url: url, headerName: headerName, secret: secretSource, poster: try WebhookPoster(),
                                     retry: context.webhookRetry, environment: context.environment, logger: context.logger)
        } catch {
            context.logger.error("the ticket webhook cannot start; drafts go to the other sinks only",
                                 metadata: ["url": "\(WebhookPoster.displayURL(url))", "error": "\(error.description)"])
            return nil
        }
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

