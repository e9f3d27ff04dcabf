import ControllerKit
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

    /// The Events for going from `persisted` (nil: no status yet) to `assessment`: the state's
    /// transition, then each rule's condition Events (`HealthRule.events`) in status order.
    /// - Parameter stateBeforeDeletion: with no persisted status, the state the GatewayHealth
    ///   said before someone deleted it (nil: it never had one): the recreated object continues
    ///   that story instead of announcing the state as new.
    public static func plan(persisted: JSONValue?, assessment: Assessment, gateway: String,
                            stateBeforeDeletion: GatewayState? = nil, rules: HealthRules = .standard) -> [PlannedEvent] {
        var events: [PlannedEvent] = []
        let oldState = persisted?["state"]?.stringValue.flatMap(GatewayState.init(rawValue:)) ?? stateBeforeDeletion
        if oldState != assessment.state {
            let from = oldState.map { " (was \($0.rawValue))" } ?? ""
            events.append(PlannedEvent(
                type: type(for: assessment.state), reason: reason(for: assessment.state),
                message: "gateway \(gateway) is \(assessment.state.rawValue)\(from): \(assessment.reason): \(assessment.message)"))
        }
        for rule in rules.rules {
            for event in rule.events {
                guard let now = assessment.condition(rule.condition), now.status == event.status else { continue }
                let was = conditionStatus(persisted, rule.condition)
                if was == event.status || (event.from != nil && was != event.from) { continue }
                events.append(PlannedEvent(type: eventType(event.kind), reason: event.reason,
                                           message: "\(rule.condition) \(now.reason): \(now.message)"))
            }
        }
        return events
    }

    static func eventType(_ kind: ConditionEvent.Kind) -> EventType {
        switch kind {
        case .normal: .normal
        case .warning: .warning
        }
    }

    static func conditionStatus(_ status: JSONValue?, _ type: String) -> String? {
        status?["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }?["status"]?.stringValue
    }
}
