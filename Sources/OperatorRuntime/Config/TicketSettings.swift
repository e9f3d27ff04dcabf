import Remediation

/// The `tickets:` section: which sinks get the drafts (docs/tickets.md §4). Drafts are written
/// whether or not restarts are enabled; a dry run prints them instead of storing them.
///
/// Adding a sink (docs/architecture.md "Add a setting"): its type conforming to `TicketSink`, its
/// settings type conforming to `TicketSinkSettings` (which makes the sink), a property here, its
/// entry in `sinkSections` and its keys in `sinkSettings`, its rows in docs/configuration.md.
public struct TicketSettings: Sendable, Encodable, Equatable {
    /// ConfigMaps `gatewaymedic-ticket-<id>` in the operator namespace (the in-cluster default);
    /// also where drafts are read back when an instance starts leading. [true]
    public var configMaps: Bool = true
    /// A folder for `<id>.md` and `<id>.json` (`--ticket-dir`); nil = none. [nil]
    public var directory: String?
    /// An optional webhook receiver. [nil]
    public var webhook: WebhookSettings?
    /// An optional Alertmanager that gets each draft as an alert. [nil]
    public var alertmanager: AlertmanagerSettings?

    public init(configMaps: Bool = true, directory: String? = nil, webhook: WebhookSettings? = nil,
                alertmanager: AlertmanagerSettings? = nil) {
        self.configMaps = configMaps
        self.directory = directory
        self.webhook = webhook
        self.alertmanager = alertmanager
    }

    /// The optional sinks' sections, in the order their sinks get the drafts; nil = not configured.
    var sinkSections: [(any TicketSinkSettings)?] { [webhook, alertmanager] }

    /// The keys of the optional sinks' sections.
    static let sinkSettings: [Setting] = [
        .member("tickets.webhook.url", of: \.tickets.webhook, \.url, make: { WebhookSettings(url: "") }, required: true,
                doc: "POST every draft version as JSON here (http or https; credentials go in the secret header).",
                rule: { $0.problem.flatMap { $0.key == "url" ? $0.detail : nil } }),
        .member("tickets.webhook.headerName", of: \.tickets.webhook, \.headerName, make: { WebhookSettings(url: "") },
                doc: "The header carrying the webhook secret.",
                rule: { $0.problem.flatMap { $0.key == "headerName" ? $0.detail : nil } }),
        .member("tickets.webhook.secretFile", of: \.tickets.webhook, \.secretFile, make: { WebhookSettings(url: "") },
                doc: "A file whose content is the secret header's value, read again before each delivery."),
        .member("tickets.webhook.secretEnv", of: \.tickets.webhook, \.secretEnv, make: { WebhookSettings(url: "") },
                doc: "The name of an environment variable holding the secret header's value."),
    ] + AlertmanagerSettings.declarations
}

extension AlertmanagerSettings {
    /// The keys of `tickets.alertmanager`.
    static let declarations: [Setting] = {
        let section: any WritableKeyPath<OperatorConfig, AlertmanagerSettings?> & Sendable = \.tickets.alertmanager
        let make: @Sendable () -> AlertmanagerSettings = { AlertmanagerSettings(url: "") }
        func rule(_ key: String) -> @Sendable (AlertmanagerSettings) -> String? {
            { settings in settings.problem.flatMap { $0.key == key ? $0.detail : nil } }
        }
        return [
            .member("tickets.alertmanager.url", of: section, \.url, make: make, required: true,
                    doc: "Alertmanager's base URL (http or https); each draft is posted to <url>/api/v2/alerts as an alert.",
                    rule: rule("url")),
            .member("tickets.alertmanager.caFile", of: section, \.caFile, make: make,
                    doc: "A PEM file of the CA that signed Alertmanager's certificate (default: the system's CAs)."),
            .member("tickets.alertmanager.bearerTokenFile", of: section, \.bearerTokenFile, make: make,
                    doc: "A file holding a bearer token, read again before each post.", rule: rule("bearerTokenFile")),
            .member("tickets.alertmanager.bearerTokenEnv", of: section, \.bearerTokenEnv, make: make,
                    doc: "The name of an environment variable holding a bearer token."),
            .member("tickets.alertmanager.username", of: section, \.username, make: make,
                    doc: "Basic auth: the user name.", rule: rule("username")),
            .member("tickets.alertmanager.passwordFile", of: section, \.passwordFile, make: make,
                    doc: "Basic auth: a file holding the password, read again before each post.", rule: rule("passwordFile")),
            .member("tickets.alertmanager.passwordEnv", of: section, \.passwordEnv, make: make,
                    doc: "Basic auth: the name of an environment variable holding the password."),
            .member("tickets.alertmanager.resendInterval", of: section, \.resendInterval, make: make, kind: .duration,
                    doc: "An open draft's alert is posted again this often; its endsAt is four of these ahead.",
                    rule: rule("resendInterval")),
            .member("tickets.alertmanager.runbookURL", of: section, \.runbookURL, make: make,
                    doc: "The runbook the alerts' runbook_url points into (a section per state)."),
        ]
    }()
}
