import HealthModel
import KubeAPI

/// What of a GatewayHealth status is worth an API write.
///
/// Every heartbeat changes parts of an assessment without changing the verdict: counter samples,
/// the evaluation time, the memory of the heartbeat value last seen, and prose that quotes
/// per-observation detail (counter deltas, which leaves vouch, a clock offset to the second).
/// Writing those would cost one status write per gateway per heartbeat. The reconciler therefore
/// compares desired and persisted status on this normalised form and writes only when the
/// verdict, a condition (status, reason, transition time), a generation, the BGP table, the pods,
/// the problems or a remembered timer changed. When it does write, it writes the complete current
/// status, so the volatile fields are as of the last real change; none of them is an age, and
/// what changes with every heartbeat while nothing is wrong — the fresh heartbeat's own value,
/// `nextCheck` — is not persisted at all (`Assessment.statusJSON`), so nothing persisted reads
/// as current when it is not. The price: the persisted counter samples and heartbeat memory lag
/// while nothing else changes (the evaluator's in-memory memory stays fresh; a restarted
/// operator compares counters over a longer interval, which still yields a correct drop ratio,
/// and sees a changed heartbeat value as new).
public enum GatewayHealthStatus {
    /// Top-level status fields that move without a change of verdict.
    static let volatileTopLevel: Set<String> = ["message"]
    static let volatileEvidence: Set<String> = [
        "counters",
        // Prose like the messages: which leaves vouch, and whose own heartbeat is stale right now.
        "livenessDetail",
    ]
    static let volatileMemory: Set<String> = [
        "evaluatedAt", "trafficStamp", "traffic", "heartbeatKey", "heartbeatSeenAt", "heartbeatClockOffset",
    ]

    /// The status the reconciler writes: the assessment's, plus `frrAppliedGeneration` declared
    /// in the CRD's schema. `remediation` is the `RemediationRecord` to persist as
    /// `.status.remediation` (nil: none): part of the diff, so a changed record (a restart, a
    /// cooldown, the budget) is written. `generation` is the GatewayHealth's own
    /// `metadata.generation`, written as `observedGeneration` (nil: unknown, left out).
    public static func desired(_ assessment: Assessment, remediation: JSONValue? = nil, generation: Int64? = nil) -> JSONValue {
        var status = assessment.statusJSON(observedGeneration: generation)
        if let remediation { status["remediation"] = remediation }  // never a JSON null
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
        a.nextCheck = nil  // not persisted
        for i in a.conditions.indices { a.conditions[i].message = "" }
        // Evidence: as persisted (no fresh heartbeat), without volatileEvidence.
        a.evidence = a.persistedEvidence
        a.evidence.counters = []
        a.evidence.livenessDetail = ""
        // Memory: volatileMemory.
        a.memory.evaluatedAt = nil
        a.memory.trafficStamp = nil
        a.memory.traffic = [:]
        a.memory.heartbeatKey = nil
        a.memory.heartbeatSeenAt = nil
        a.memory.heartbeatClockOffset = nil
        return a
    }
}
