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
    // Which fields are volatile is declared by the rule that owns each (`HealthRule.fields`,
    // `StateRule.fields`); the JSON form and the struct form below both derive from that.

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
    public static func normalized(_ status: JSONValue, rules: HealthRules = .standard) -> JSONValue {
        guard case .object(var object) = status else { return status }
        for key in rules.volatileStatus { object.removeValue(forKey: key) }
        if case .array(let conditions)? = object["conditions"] {
            object["conditions"] = .array(conditions.map { condition in
                var condition = condition
                condition["message"] = nil
                return condition
            })
        }
        object["evidence"] = object["evidence"].map { strip($0, rules.volatileEvidence) }
        object["memory"] = object["memory"].map { strip($0, rules.volatileMemory) }
        return .object(object)
    }

    /// True when writing `desired` over `persisted` would change something that matters.
    public static func differs(_ desired: JSONValue, from persisted: JSONValue?, rules: HealthRules = .standard) -> Bool {
        guard let persisted else { return true }
        return normalized(desired, rules: rules) != normalized(persisted, rules: rules)
    }

    private static func strip(_ value: JSONValue, _ keys: Set<String>) -> JSONValue {
        guard case .object(var object) = value else { return value }
        for key in keys { object.removeValue(forKey: key) }
        return .object(object)
    }

    /// True when two assessments give the same `normalized` status (for the same remediation
    /// record), decided on the structs: the reconciler's steady-state path, which spares building
    /// and normalising two status documents per heartbeat. It blanks the same volatile fields as
    /// `normalized` (each declaration blanks its struct field and names its JSON key), so "same"
    /// here implies "same" there; the converse is not needed (a "differs" answer falls back to
    /// the JSON comparison).
    public static func sameOutsideVolatile(_ a: Assessment, _ b: Assessment, rules: HealthRules = .standard) -> Bool {
        stablePart(a, rules) == stablePart(b, rules)
    }

    private static func stablePart(_ assessment: Assessment, _ rules: HealthRules) -> Assessment {
        var a = assessment
        a.nextCheck = nil  // not persisted
        a.evidence = a.persistedEvidence  // no fresh heartbeat
        for i in a.conditions.indices { a.conditions[i].message = "" }
        return rules.blankingVolatile(a)
    }
}
