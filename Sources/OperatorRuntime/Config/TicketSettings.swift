import Remediation

/// The `tickets:` section: which sinks get the drafts (docs/tickets.md §4). Each sink's own
/// settings and factory live next to the sink (`ConfigMapTicketSink.make(enabled:context:)`,
/// `DirectoryTicketSink.make(directory:)`, `WebhookTicketSink.make(settings:context:)`). Drafts are
/// written whether or not restarts are enabled; a dry run prints them instead of storing them.
public struct TicketSettings: Sendable, Codable, Equatable {
    /// ConfigMaps `gatewaymedic-ticket-<id>` in the operator namespace (the in-cluster default);
    /// also where drafts are read back when an instance starts leading. [true]
    public var configMaps: Bool = true
    /// A folder for `<id>.md` and `<id>.json` (`--ticket-dir`); nil = none. [nil]
    public var directory: String?
    /// An optional webhook receiver. [nil]
    public var webhook: WebhookSettings?

    public init(configMaps: Bool = true, directory: String? = nil, webhook: WebhookSettings? = nil) {
        self.configMaps = configMaps
        self.directory = directory
        self.webhook = webhook
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TicketSettings()
        configMaps = try c.decodeIfPresent(Bool.self, forKey: .configMaps) ?? d.configMaps
        directory = try c.decodeIfPresent(String.self, forKey: .directory) ?? d.directory
        webhook = try c.decodeIfPresent(WebhookSettings.self, forKey: .webhook) ?? d.webhook
    }
}
