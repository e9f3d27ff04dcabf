import HealthModel
import KubeAPI

extension GatewayReconciler {
    /// An assessment as kept between reconciles, for every gateway: boxed (a dictionary keeps its
    /// values inline, in a table up to twice its count, and an assessment is 433 bytes inline),
    /// its conditions compact, and without what only the status written in the same reconcile
    /// shows. Every comparison treats that as volatile (`GatewayHealthStatus`), and as a
    /// previous assessment the evaluator reads no prose but `TrafficHealthy`'s message (kept: a
    /// collection seen again repeats its verdict).
    final class Kept: Sendable {
        /// The assessment without its conditions.
        private let rest: Assessment
        private let conditions: [KeptCondition]
        /// The conditions as they were, when one has a status the compact form has no byte for
        /// (the evaluator writes none such).
        private let unusual: [Condition]?
        private let trafficMessage: String

        init(_ assessment: Assessment) {
            var rest = assessment
            rest.message = ""
            rest.conditions = []
            rest.evidence.counters = []
            rest.evidence.livenessDetail = ""
            self.rest = rest
            let compact = assessment.conditions.compactMap(KeptCondition.init)
            let complete = compact.count == assessment.conditions.count
            conditions = complete ? compact : []
            unusual = complete ? nil : assessment.conditions.map { c in
                var c = c
                if c.type != ConditionType.trafficHealthy { c.message = "" }
                return c
            }
            trafficMessage = assessment.condition(ConditionType.trafficHealthy)?.message ?? ""
        }

        var assessment: Assessment {
            var a = rest
            if let unusual {
                a.conditions = unusual
                return a
            }
            a.conditions = conditions.map { kept in
                kept.condition(message: kept.type == ConditionType.trafficHealthy ? trafficMessage : "")
            }
            return a
        }
    }

    /// A condition without its message and generation, its status as one byte (a `Condition`
    /// takes 96 bytes), eight per gateway.
    struct KeptCondition: Sendable {
        private enum Status: UInt8, Sendable {
            case isTrue, isFalse, unknown
        }

        let type: String
        private let reason: String
        private let lastTransitionTime: String
        private let status: Status

        /// nil for a status other than True, False or Unknown. An assessment's conditions carry no
        /// `observedGeneration` (the written status does: `statusJSON(observedGeneration:)`).
        init?(_ condition: Condition) {
            switch condition.status {
            case "True": status = .isTrue
            case "False": status = .isFalse
            case "Unknown": status = .unknown
            default: return nil
            }
            type = condition.type
            reason = condition.reason
            lastTransitionTime = condition.lastTransitionTime
        }

        func condition(message: String) -> Condition {
            let text: String
            switch status {
            case .isTrue: text = "True"
            case .isFalse: text = "False"
            case .unknown: text = "Unknown"
            }
            return Condition(type: type, status: text, reason: reason, message: message,
                             lastTransitionTime: lastTransitionTime, observedGeneration: nil)
        }
    }
}
