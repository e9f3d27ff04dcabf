import Foundation
import KubeAPI

/// Every threshold of remediation (restarts and ticket drafts), durations in seconds. Documented,
/// with the reason for each default, in docs/remediation.md §5.
public struct RemediationPolicy: Sendable, Codable, Equatable {
    /// Restarts happen only when true (`--remediate` or `remediation.enabled: true`). Ticket drafts
    /// are written whatever this says.
    public var enabled: Bool
    /// A pod whose eviction was refused (a PodDisruptionBudget) may then be DELETEd.
    public var allowDelete: Bool
    /// Minimum time between two restart attempts on one gateway.
    public var cooldown: Double
    /// At most this many restarts per gateway within `window`; the next need exhausts remediation.
    public var maxRestartsPerWindow: Int
    public var window: Double
    /// At most this many restarts in flight across the whole fleet.
    public var maxInFlight: Int
    /// A restart stays in flight until the replacement pod is Ready, or for this long at most.
    public var inFlightTimeout: Double
    /// The frr pod is restarted when every BGP session has been down this long with a fresh heartbeat.
    public var bgpDownRestartAfter: Double
    /// A KEEPALIVE_FAIL or CONFIG_FAIL episode (or DOWN for a reason never restarted: PodMissing,
    /// PodNotRunning, NeverReported) must last this long before a ticket draft opens.
    public var ticketAfter: Double
    /// Any other DOWN episode opens a ticket draft once it has lasted this long, restarts on or off.
    public var ticketAfterDown: Double
    /// This many refused restarts in a row (429, a disruption budget) open a ticket draft; a
    /// forbidden one (403) opens it at once.
    public var ticketAfterRefusals: Int
    /// A state that returns within this long after its draft was resolved continues that draft.
    public var ticketReopenWindow: Double
    /// An open draft is rewritten at most this often unless something material changed.
    public var ticketRefreshInterval: Double
    /// Resolved drafts are removed this long after their resolution.
    public var resolvedTicketTTL: Double

    public init(enabled: Bool = false, allowDelete: Bool = false, cooldown: Double = 600,
                maxRestartsPerWindow: Int = 3, window: Double = 3600, maxInFlight: Int = 1,
                inFlightTimeout: Double = 300, bgpDownRestartAfter: Double = 120, ticketAfter: Double = 120,
                ticketAfterDown: Double = 600, ticketAfterRefusals: Int = 3, ticketReopenWindow: Double = 600, ticketRefreshInterval: Double = 300,
                resolvedTicketTTL: Double = 7 * 24 * 3600) {
        self.enabled = enabled
        self.allowDelete = allowDelete
        self.cooldown = cooldown
        self.maxRestartsPerWindow = maxRestartsPerWindow
        self.window = window
        self.maxInFlight = maxInFlight
        self.inFlightTimeout = inFlightTimeout
        self.bgpDownRestartAfter = bgpDownRestartAfter
        self.ticketAfter = ticketAfter
        self.ticketAfterDown = ticketAfterDown
        self.ticketAfterRefusals = ticketAfterRefusals
        self.ticketReopenWindow = ticketReopenWindow
        self.ticketRefreshInterval = ticketRefreshInterval
        self.resolvedTicketTTL = resolvedTicketTTL
    }

    public static let `default` = RemediationPolicy()

    /// Missing keys take their defaults, so a config may set only what it changes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RemediationPolicy.default
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        enabled = try value(.enabled, d.enabled)
        allowDelete = try value(.allowDelete, d.allowDelete)
        cooldown = try c.decodeDurationIfPresent(forKey: .cooldown) ?? d.cooldown
        maxRestartsPerWindow = try value(.maxRestartsPerWindow, d.maxRestartsPerWindow)
        window = try c.decodeDurationIfPresent(forKey: .window) ?? d.window
        maxInFlight = try value(.maxInFlight, d.maxInFlight)
        inFlightTimeout = try c.decodeDurationIfPresent(forKey: .inFlightTimeout) ?? d.inFlightTimeout
        bgpDownRestartAfter = try c.decodeDurationIfPresent(forKey: .bgpDownRestartAfter) ?? d.bgpDownRestartAfter
        ticketAfter = try c.decodeDurationIfPresent(forKey: .ticketAfter) ?? d.ticketAfter
        ticketAfterDown = try c.decodeDurationIfPresent(forKey: .ticketAfterDown) ?? d.ticketAfterDown
        ticketAfterRefusals = try value(.ticketAfterRefusals, d.ticketAfterRefusals)
        ticketReopenWindow = try c.decodeDurationIfPresent(forKey: .ticketReopenWindow) ?? d.ticketReopenWindow
        ticketRefreshInterval = try c.decodeDurationIfPresent(forKey: .ticketRefreshInterval) ?? d.ticketRefreshInterval
        resolvedTicketTTL = try c.decodeDurationIfPresent(forKey: .resolvedTicketTTL) ?? d.resolvedTicketTTL
    }
}
