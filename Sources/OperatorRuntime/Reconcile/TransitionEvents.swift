import HealthModel
import KubeAPI

/// One Event the reconciler raises on a GatewayAgent.
public struct PlannedEvent: Sendable, Equatable, CustomStringConvertible {
    public var type: EventType
    public var reason: String
    public var message: String

    public init(type: EventType, reason: String, message: String) {
        self.type = type
        self.reason = reason
        self.message = message
    }

    public var description: String { "\(type.rawValue) \(reason): \(message)" }
}

/// Which Events a new assessment deserves, judged against the PERSISTED previous status (the
/// GatewayHealth's), never against an in-memory one: a restarted operator, a relist or a new
/// leader sees the same persisted state and raises a transition exactly once.
public enum TransitionEvents {
    /// Event reason per state.
    public static func reason(for state: GatewayState) -> String {
        switch state {
        case .up: "GatewayUp"
        case .waiting: "GatewayWaiting"
        case .down: "GatewayDown"
        case .keepaliveFail: "KeepaliveFail"
        case .configFail: "ConfigFail"
        }
    }

    public static func type(for state: GatewayState) -> EventType {
        switch state {
        case .up, .waiting: .normal
        case .down, .keepaliveFail, .configFail: .warning
        }
    }

    /// Findings that get their own Warning when the condition turns False.
    static let findings: [(condition: String, reason: String)] = [
        (ConditionType.bgpEstablished, "BGPSessionDown"),
        (ConditionType.bgpStable, "BGPFlapping"),
        (ConditionType.trafficHealthy, "TrafficDrops"),
    ]

    /// The Events for going from `persisted` (nil: no status yet) to `assessment`.
    /// - Parameter stateBeforeDeletion: with no persisted status, the state the GatewayHealth
    ///   said before someone deleted it (nil: it never had one): the recreated object continues
    ///   that story instead of announcing the state as new.
    public static func plan(persisted: JSONValue?, assessment: Assessment, gateway: String,
                            stateBeforeDeletion: GatewayState? = nil) -> [PlannedEvent] {
        var events: [PlannedEvent] = []
        let oldState = persisted?["state"]?.stringValue.flatMap(GatewayState.init(rawValue:)) ?? stateBeforeDeletion
        if oldState != assessment.state {
            let from = oldState.map { " (was \($0.rawValue))" } ?? ""
            events.append(PlannedEvent(
                type: type(for: assessment.state), reason: reason(for: assessment.state),
                message: "gateway \(gateway) is \(assessment.state.rawValue)\(from): \(assessment.reason): \(assessment.message)"))
        }
        for (conditionType, reason) in findings {
            guard let now = assessment.condition(conditionType), now.status == "False" else { continue }
            if conditionStatus(persisted, conditionType) == "False" { continue }
            events.append(PlannedEvent(type: .warning, reason: reason, message: "\(conditionType) \(now.reason): \(now.message)"))
        }
        return events
    }

    static func conditionStatus(_ status: JSONValue?, _ type: String) -> String? {
        status?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }?["status"]?.stringValue
    }
}
