import Foundation
import HealthModel
import KubeAPI
import KubeClient
import Logging

/// Posts each draft as an alert to Alertmanager's `/api/v2/alerts` (docs/tickets.md §4), through
/// the same non-blocking retry queue as the webhook. Alertmanager resolves an alert whose
/// `endsAt` passes and forgets alerts when it restarts, so an open draft's alert carries an
/// `endsAt` of four resend intervals ahead and is posted again every resend interval while the
/// draft is open, as Prometheus does; a resolved draft is posted once with `endsAt` = now.
public final class AlertmanagerTicketSink: TicketSink {
    public static let alertname = "GatewayMedicTicket"
    /// An open alert's `endsAt` is this many resend intervals after the post.
    public static let endsAtResends = 4.0

    private let queue: TicketDeliveryQueue
    private let alerts: OpenAlerts

    public var name: String { "alertmanager" }
    public var deliveryQueue: TicketDeliveryQueue? { queue }

    /// - Parameters:
    ///   - url: Alertmanager's base URL; alerts go to `<url>/api/v2/alerts`.
    ///   - authorization: the `Authorization` header's value, read before every post (nil: none).
    ///   - now: the wall clock, for `startsAt`/`endsAt`: Alertmanager compares them with its own.
    public init(url: String, authorization: @escaping @Sendable () throws -> SecretString?, poster: any WebhookPosting,
                resendInterval: Duration = .seconds(60), retry: WebhookRetryPolicy = WebhookRetryPolicy(),
                runbookURL: String = AlertmanagerSettings.defaultRunbookURL,
                logger: Logger = Logger(label: "gateway-medic.tickets.alertmanager"),
                now: @escaping @Sendable () -> Date = { Date() },
                sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        let endpoint = Self.alertsEndpoint(url)
        let alerts = OpenAlerts(resendInterval: resendInterval, sleep: sleep)
        let resendSeconds = resendInterval.seconds
        self.alerts = alerts
        queue = TicketDeliveryQueue(sinkName: "alertmanager", target: WebhookPoster.displayURL(endpoint), retry: retry,
                                    logger: logger, sleep: sleep) { draft in
            var secretHeaders: [String: SecretString] = [:]
            if let value = try authorization() { secretHeaders["Authorization"] = value }
            // A draft whose state moved on (KEEPALIVE_FAIL → DOWN) is another alert: resolve the old one.
            let previous = await alerts.postedState(draft.id)
            let body = Self.alerts(draft, previousState: previous, now: now(), resendSeconds: resendSeconds, runbookURL: runbookURL)
            do {
                try await poster.postJSON(url: endpoint, body: body.serialized(), headers: [:], secretHeaders: secretHeaders)
            } catch {
                await alerts.unreachable()
                throw error
            }
            await alerts.posted(draft)
        }
    }

    public func open(_ draft: TicketDraft) async throws { await post(draft) }

    public func update(_ draft: TicketDraft) async throws { await post(draft) }

    /// Alertmanager keeps the alerts; nothing to read back.
    public func loadAll() async throws -> [TicketDraft]? { nil }

    public func remove(id: String) async throws {
        await alerts.forget(id)
        await queue.forget(id)
    }

    public func stop() async {
        await alerts.stop()
        await queue.stop()
    }

    private func post(_ draft: TicketDraft) async {
        await alerts.attach(queue)
        await alerts.track(draft)
        await queue.enqueue(draft)
    }

    /// `<base>/api/v2/alerts`, whether or not the base ends with a slash.
    public static func alertsEndpoint(_ base: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/api/v2/alerts"
    }

    /// `critical` for a gateway that does not forward (DOWN, KEEPALIVE_FAIL), `warning` otherwise.
    public static func severity(_ state: GatewayState) -> String {
        switch state {
        case .down, .keepaliveFail: "critical"
        case .configFail, .waiting, .up: "warning"
        }
    }

    /// The runbook section of a state (docs/runbook.md).
    public static func runbookAnchor(_ state: GatewayState) -> String {
        switch state {
        case .down: "gatewaydown"
        case .keepaliveFail: "gatewaykeepalivefail"
        case .configFail: "gatewayconfigfail"
        case .waiting, .up: "when-a-gateway-alert-fires"
        }
    }

    /// The alerts of one post: the draft's, and the resolution of the alert of its previous
    /// state when that differs.
    static func alerts(_ draft: TicketDraft, previousState: GatewayState?, now: Date, resendSeconds: Double,
                       runbookURL: String) -> JSONValue {
        // Alertmanager refuses an alert that ends before it starts: never start after now.
        let startsAt = min(draft.openedAt, now)
        let endsAt = draft.status == .open ? now.addingTimeInterval(Self.endsAtResends * resendSeconds) : now
        // A resolved draft carries the state it recovered to (UP): what is resolved is the alert
        // last posted, with its labels; when this process did not post it (a restart, a new
        // leader), the alert of every failing state of the gateway's draft is resolved.
        guard draft.status == .open else {
            let states = previousState.map { [$0] } ?? GatewayState.allCases.filter { $0 != .up }
            return .array(states.map { alert(draft, state: $0, startsAt: startsAt, endsAt: endsAt, runbookURL: runbookURL) })
        }
        var alerts = [alert(draft, state: draft.state, startsAt: startsAt, endsAt: endsAt, runbookURL: runbookURL)]
        if let previousState, previousState != draft.state {
            alerts.insert(alert(draft, state: previousState, startsAt: startsAt, endsAt: now, runbookURL: runbookURL), at: 0)
        }
        return .array(alerts)
    }

    private static func alert(_ draft: TicketDraft, state: GatewayState, startsAt: Date, endsAt: Date, runbookURL: String) -> JSONValue {
        [
            "labels": [
                "alertname": .string(alertname),
                "gateway_namespace": .string(draft.namespace),
                "gateway": .string(draft.gateway),
                "state": .string(state.rawValue),
                "severity": .string(severity(state)),
            ],
            "annotations": [
                "summary": .string(draft.title),
                "description": .string(TicketRenderer.markdown(draft)),
                "runbook_url": .string(runbookURL + "#" + runbookAnchor(state)),
                "ticket": .string(draft.id),
            ],
            "startsAt": .string(KubeTime.format(startsAt)),
            "endsAt": .string(KubeTime.format(endsAt)),
        ]
    }
}

/// The open drafts (latest version), re-posted every resend interval while open and at once
/// when Alertmanager answers again after a failed post (it may have restarted, and it keeps
/// alerts in memory only); and the state each draft's alert was last posted with.
actor OpenAlerts {
    private let resendInterval: Duration
    private let sleep: @Sendable (Duration) async throws -> Void
    private weak var queue: TicketDeliveryQueue?
    private var drafts: [String: TicketDraft] = [:]
    private var states: [String: GatewayState] = [:]
    private var resender: Task<Void, Never>?
    private var stopped = false
    /// A post failed since the last one that succeeded.
    private var failing = false

    func attach(_ queue: TicketDeliveryQueue) { self.queue = queue }

    func unreachable() { failing = true }

    init(resendInterval: Duration, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.resendInterval = resendInterval
        self.sleep = sleep
    }

    func track(_ draft: TicketDraft) {
        drafts[draft.id] = draft.status == .open ? draft : nil
        guard resender == nil, !stopped, !drafts.isEmpty else { return }
        resender = Task { [resendInterval, sleep] in
            while !Task.isCancelled {
                do { try await sleep(resendInterval) } catch { return }
                await self.resendOpen()
            }
        }
    }

    private func resendOpen() async {
        guard let queue else { return }
        for draft in drafts.values.sorted(by: { $0.id < $1.id }) { await queue.resend(draft) }
    }

    func postedState(_ id: String) -> GatewayState? { states[id] }

    /// After a post Alertmanager took: when posts had failed, the other open alerts go again.
    func posted(_ draft: TicketDraft) async {
        states[draft.id] = draft.status == .open ? draft.state : nil
        if failing {
            failing = false
            await resendOpen()
        }
    }

    func forget(_ id: String) {
        drafts[id] = nil
        states[id] = nil
    }

    func stop() {
        stopped = true
        resender?.cancel()
        resender = nil
    }
}

/// The `tickets.alertmanager` settings. Credentials are never in the config: a bearer token or a
/// basic-auth password is read from a file or an environment variable before every post.
public struct AlertmanagerSettings: TicketSinkSettings, Encodable, Equatable {
    public static let defaultRunbookURL = "https://github.com/githedgehog/gateway-medic/blob/main/docs/runbook.md"

    /// Alertmanager's base URL (required), http or https; the sink posts to `<url>/api/v2/alerts`.
    public var url: String
    /// A PEM file of the CA that signed Alertmanager's certificate (default: the system's). [nil]
    public var caFile: String?
    /// A file, or the NAME of an environment variable, holding a bearer token. [nil]
    public var bearerTokenFile: String?
    public var bearerTokenEnv: String?
    /// Basic auth: the user name, and a file or environment variable holding the password. [nil]
    public var username: String?
    public var passwordFile: String?
    public var passwordEnv: String?
    /// How often an open draft's alert is posted again. [60]
    public var resendInterval: Double = 60
    /// The runbook the alerts link to (a section per state).
    public var runbookURL: String = AlertmanagerSettings.defaultRunbookURL

    public init(url: String, caFile: String? = nil, bearerTokenFile: String? = nil, bearerTokenEnv: String? = nil,
                username: String? = nil, passwordFile: String? = nil, passwordEnv: String? = nil, resendInterval: Double = 60,
                runbookURL: String = AlertmanagerSettings.defaultRunbookURL) {
        self.url = url
        self.caFile = caFile
        self.bearerTokenFile = bearerTokenFile
        self.bearerTokenEnv = bearerTokenEnv
        self.username = username
        self.passwordFile = passwordFile
        self.passwordEnv = passwordEnv
        self.resendInterval = resendInterval
        self.runbookURL = runbookURL
    }

    /// The first setting that cannot be used (its key under `tickets.alertmanager`, and why), or nil.
    public var problem: (key: String, detail: String)? {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
              parsed.host?.isEmpty == false else {
            return ("url", "must be an http or https URL with a host, got \(url.isEmpty ? "nothing" : WebhookPoster.displayURL(url))")
        }
        if parsed.user != nil || parsed.password != nil || parsed.query != nil {
            return ("url", "must not hold credentials or a query (use bearerTokenFile or passwordFile), got \(WebhookPoster.displayURL(url))")
        }
        let password = self.password.isSet
        if password != (username?.isEmpty == false) {
            return (password ? "username" : "passwordFile", "basic auth needs both username and passwordFile (or passwordEnv)")
        }
        if !(resendInterval.isFinite && resendInterval > 0) {
            return ("resendInterval", "must be more than zero seconds, got \(resendInterval)")
        }
        return nil
    }

    var bearerToken: WebhookSecretSource { Self.source(file: bearerTokenFile, env: bearerTokenEnv) }
    var password: WebhookSecretSource { Self.source(file: passwordFile, env: passwordEnv) }

    private static func source(file: String?, env: String?) -> WebhookSecretSource {
        if let file, !file.isEmpty { return .file(file) }
        if let env, !env.isEmpty { return .environment(env) }
        return .none
    }

    /// The `Authorization` header's value, read now (a rotated file is picked up): the bearer
    /// token when one is set, else basic auth.
    func authorization(environment: [String: String]) throws -> SecretString? {
        if let token = try bearerToken.read(environment: environment) { return SecretString("Bearer " + token.value) }
        if let username, let password = try password.read(environment: environment) {
            return SecretString("Basic " + Data("\(username):\(password.value)".utf8).base64EncodedString())
        }
        return nil
    }

    /// The sink; nil (logged) when the CA file cannot be read or the HTTP client cannot start.
    public func makeSink(context: TicketSinkContext) -> (any TicketSink)? {
        var tls = TLSSettings()
        do {
            if let caFile, !caFile.isEmpty {
                guard let pem = FileManager.default.contents(atPath: caFile), !pem.isEmpty else {
                    throw KubeError.configuration("cannot read the CA file \(caFile)")
                }
                tls.certificateAuthorityPEM = SecretBytes(Array(pem))
            }
            let poster = try WebhookPoster(tls: tls)
            let settings = self
            let environment = context.environment
            return AlertmanagerTicketSink(url: url, authorization: { try settings.authorization(environment: environment) },
                                          poster: poster, resendInterval: .milliseconds(Int64((resendInterval * 1000).rounded())),
                                          retry: context.webhookRetry, runbookURL: runbookURL, logger: context.logger)
        } catch {
            context.logger.error("the Alertmanager ticket sink cannot start; drafts go to the other sinks only",
                                 metadata: ["url": "\(WebhookPoster.displayURL(url))", "error": "\((error as? KubeError)?.description ?? "\(type(of: error))")"])
            return nil
        }
    }
}
