/// Where ticket drafts go (docs/tickets.md §4). Drafts are written whether or not restarts are
/// enabled; a dry run prints them instead of storing them anywhere.
public struct TicketSettings: Sendable, Codable, Equatable {
    /// ConfigMaps `gatewaymedic-ticket-<id>` in the operator namespace (the in-cluster default);
    /// also where drafts are read back after a restart. [true]
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

/// A webhook that receives every draft version as JSON. The secret header's value is never in the
/// config: it is read from a file (`secretFile`) or an environment variable (`secretEnv`).
public struct WebhookSettings: Sendable, Codable, Equatable {
    /// The receiver's URL (required).
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
}
