import HealthModel
import KubeAPI

/// What of a GatewayHealth status is worth an API write.
///
/// Every heartbeat changes parts of an assessment without changing the verdict: the heartbeat
/// time and age, counter samples, the evaluation time, `nextCheck`, and messages that quote ages
/// ("last heartbeat … is 12s old"). Writing those would cost one status write per gateway per
/// heartbeat. The reconciler therefore compares desired and persisted status on this normalised
/// form and writes only when the verdict, a condition (status, reason, transition time), a
/// generation, the BGP table, the pods, the problems or a remembered timer changed. When it does
/// write, it writes the complete current status, so the volatile fields are fresh as of the last
/// real change. The price: the persisted heartbeat column and counter samples lag while nothing
/// else changes (the evaluator's in-memory memory stays fresh; a restarted operator compares
/// counters over a longer interval, which still yields a correct drop ratio).
public enum GatewayHealthStatus {
    /// Top-level status fields that move without a change of verdict.
    static let volatileTopLevel: Set<String> = ["message", "nextCheck", "heartbeat", "lastHeartbeat"]
    static let volatileEvidence: Set<String> = [
        "heartbeat", "heartbeatAgeSeconds", "configLagSeconds", "routingLagSeconds", "counters",
        // Prose like the messages: which leaves vouch, and whose own heartbeat is stale right now.
        "livenessDetail",
    ]
    static let volatileMemory: Set<String> = ["evaluatedAt", "trafficStamp", "traffic"]

    /// The status the reconciler writes: the assessment's, plus `lastHeartbeat` for the CRD's
    /// Heartbeat printer column and `frrAppliedGeneration` declared in its schema.
    /// `remediation` is the `RemediationRecord` to persist as `.status.remediation` (nil: none):
    /// part of the diff, so a changed record (a restart, a cooldown, the budget) is written.
    public static func desired(_ assessment: Assessment, remediation: JSONValue? = nil) -> JSONValue {
        var status = assessment.statusJSON()
        if let remediation { status["remediation"] = remediation }  // never a JSON null
        status["lastHeartbeat"] = assessment.evidence.heartbeat.map { .string($0) }
        status["frrAppliedGeneration"] = assessment.evidence.frrAppliedGeneration.map { .int($0) }
        return status
    }

    /// `status` without the fields that change on every heartbeat.
    public static func normalized(_ status: JSONValue) -> JSONValue {
        guard case .object(var object) = status else { return status }
        for key in volatileTopLevel { object.removeValue(forKey: key) }
        if case .array(let conditions)? = object["conditions"] {
            object["conditions"] = .array(conditions.map { condition in
                var condition = condition
                condition["message"] = nil
                return condition
            })
        }
        object["evidence"] = object["evidence"].map { strip($0, volatileEvidence) }
        object["memory"] = object["memory"].map { strip($0, volatileMemory) }
        return .object(object)
    }

    /// True when writing `desired` over `persisted` would change something that matters.
    public static func differs(_ desired: JSONValue, from persisted: JSONValue?) -> Bool {
        guard let persisted else { return true }
        return normalized(desired) != normalized(persisted)
    }

    private static func strip(_ value: JSONValue, _ keys: Set<String>) -> JSONValue {
        guard case .object(var object) = value else { return value }
        for key in keys { object.removeValue(forKey: key) }
        return .object(object)
    }

    /// True when two assessments give the same `normalized` status (for the same remediation
    /// record), decided on the structs: the reconciler's steady-state path, which spares building
    /// and normalising two status documents per heartbeat. It blanks the same volatile fields as
    /// `normalized` (whose JSON is a function of them alone), so "same" here implies "same" there;
    /// the converse is not needed (a "differs" answer falls back to the JSON comparison).
    public static func sameOutsideVolatile(_ a: Assessment, _ b: Assessment) -> Bool {
        stablePart(a) == stablePart(b)
    }

    private static func stablePart(_ assessment: Assessment) -> Assessment {
        var a = assessment
        a.message = ""
        a.nextCheck = nil
        for i in a.conditions.indices { a.conditions[i].message = "" }
        // Evidence: volatileEvidence (heartbeat also feeds the top-level heartbeat/lastHeartbeat).
        a.evidence.heartbeat = nil
        a.evidence.heartbeatAgeSeconds = nil
        a.evidence.configLagSeconds = nil
        a.evidence.routingLagSeconds = nil
        a.evidence.counters = []
        a.evidence.livenessDetail = ""
        // Memory: volatileMemory.
        a.memory.evaluatedAt = nil
        a.memory.trafficStamp = nil
        a.memory.traffic = [:]
        return a
    }
}
