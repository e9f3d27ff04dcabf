import Foundation
import HealthModel
import KubeAPI

extension GatewayReconciler {
    /// An assessment as kept between reconciles, for every gateway: boxed (a dictionary keeps its
    /// values inline, in a table up to twice its count, and an assessment is 433 bytes inline),
    /// its conditions compact, and without what only the status written in the same reconcile
    /// shows. Every comparison treats that as volatile (`GatewayHealthStatus`), and as a
    /// previous assessment the evaluator reads no prose but the messages of the rules that
    /// declare `readsPreviousMessage` (TrafficHealthy: a collection seen again repeats its
    /// verdict): those are kept whole.
    ///
    /// Its pods and BGP neighbours evidence (and the pods summary) are kept as a digest only:
    /// nothing reads a previous assessment's evidence (the rules read its conditions and memory,
    /// the heartbeat advance its heartbeat and counters, remediation and tickets the new
    /// assessment) but the comparison deciding whether the new status needs a write
    /// (`sameOutsideVolatile`, `previous`). Whole, they were 2.2 KB of every gateway's heap.
    ///
    /// Unchecked `Sendable` for `rest` alone, which a quiet heartbeat advances in place
    /// (`advance(_:_:)`): only while the reference being advanced is the only one
    /// (`isKnownUniquelyReferenced`, the reconciler's table on its actor), so no other holder —
    /// a reconcile's `Prepared` on another thread — ever sees it change. Everything else is
    /// immutable.
    final class Kept: @unchecked Sendable {
        /// The assessment without its conditions (and without the volatile status and evidence,
        /// and with the evidence `EvidenceDigest` stands for blanked).
        private(set) var rest: Assessment
        /// Which counters `rest`'s remembered traffic keys name (`TrafficKeysWitness`), moved
        /// with it by the heartbeat advance alone; written under the same rule as `rest`.
        private(set) var trafficKeys = TrafficKeysWitness()
        /// What `quietConditions()` reads of the compact conditions, found once (they do not
        /// change while kept; an advance shares them): every condition True and Heartbeat
        /// `HeartbeatFresh`, and TrafficHealthy's place among the conditions and among the kept
        /// messages (`Int16.max`: none, or a place too far to keep here, found by looking).
        /// Small, and right after `rest`, in the padding its last byte leaves: no larger an object.
        private let quietTrueAndFresh: Bool
        private let quietTraffic: (index: Int16, message: Int16)
        private let evidenceDigest: EvidenceDigest
        private let conditions: [KeptCondition]
        /// The conditions' types, in order: the registry's list (`HealthRules.conditions`), one
        /// array shared by every gateway. Conditions in another order are kept `unusual`.
        private let types: [String]
        /// The conditions as they were, when one has a status the compact form has no byte for
        /// (the evaluator writes none such).
        private let unusual: [Condition]?
        /// The kept messages, in condition order: the first apart, as the standard rules keep
        /// one and an empty array takes no allocation.
        private let firstMessage: String
        private let moreMessages: [String]

        init(_ assessment: Assessment, rules: HealthRules = .standard) {
            // The memory stays whole: the evaluator reads it, volatile fields included.
            var rest = rules.blankingVolatile(assessment, in: [.status, .evidence])
            rest.conditions = []
            evidenceDigest = EvidenceDigest(rest.evidence)
            EvidenceDigest.blank(&rest.evidence)
            self.rest = rest
            let keeping = rules.messageKeeping
            types = rules.conditions
            // Exactly as many slots as conditions: `compactMap` grows by doubling, and 14
            // conditions took 16 slots of 56 bytes at every gateway.
            var compact: [KeptCondition] = []
            compact.reserveCapacity(assessment.conditions.count)
            var sameTime: (text: String, seconds: Int64)?
            for (i, condition) in assessment.conditions.enumerated() {
                guard i < types.count, condition.type == types[i],
                      let kept = KeptCondition(condition, keepsMessage: keeping.contains(condition.type), sameTime: sameTime)
                else { break }
                compact.append(kept)
                sameTime = kept.time(condition.lastTransitionTime)
            }
            let complete = compact.count == assessment.conditions.count && compact.count == types.count
            conditions = complete ? compact : []
            unusual = complete ? nil : assessment.conditions.map { c in
                var c = c
                if !keeping.contains(c.type) { c.message = "" }
                return c
            }
            let messages = complete ? assessment.conditions.filter { keeping.contains($0.type) }.map(\.message) : []
            firstMessage = messages.first ?? ""
            moreMessages = Array(messages.dropFirst())
            let quiet = Self.quietPlaces(conditions, types)
            quietTrueAndFresh = quiet.trueAndFresh
            quietTraffic = quiet.traffic.flatMap { at in
                guard let index = Int16(exactly: at.index), let message = Int16(exactly: at.message),
                      index < .max, message < .max else { return nil }
                return (index, message)
            } ?? (.max, .max)
        }

        private init(rest: Assessment, trafficKeys: TrafficKeysWitness, sharing kept: Kept) {
            self.rest = rest
            self.trafficKeys = trafficKeys
            evidenceDigest = kept.evidenceDigest
            conditions = kept.conditions
            types = kept.types
            unusual = kept.unusual
            firstMessage = kept.firstMessage
            moreMessages = kept.moreMessages
            quietTrueAndFresh = kept.quietTrueAndFresh
            quietTraffic = kept.quietTraffic
        }

        /// True when `assessment` gives the same normalised status as the kept one
        /// (`GatewayHealthStatus.sameOutsideVolatile` of the two, the digested evidence compared
        /// by its digest).
        func sameOutsideVolatile(_ assessment: Assessment, rules: HealthRules = .standard) -> Bool {
            var other = assessment
            guard EvidenceDigest(other.evidence) == evidenceDigest else { return false }
            EvidenceDigest.blank(&other.evidence)
            return GatewayHealthStatus.sameOutsideVolatile(self.assessment, other, rules: rules)
        }

        /// The kept assessment with the digested evidence taken from `stored` (an assessment read
        /// back from a persisted status) when that has the same digest, else nil: it then differs
        /// from what is persisted anyway.
        func assessment(evidenceOf stored: Assessment) -> Assessment? {
            let evidence = stored.evidence
            guard EvidenceDigest(evidence) == evidenceDigest else { return nil }
            var a = assessment
            a.evidence.neighbors = evidence.neighbors
            a.evidence.pods = evidence.pods
            a.evidence.podsSummary = evidence.podsSummary
            return a
        }

        /// `next`, an advance of `rest` (`HealthEvaluator.advance` with `counterEvidence: false`
        /// changes no condition, message included: it returns nil otherwise, and it moves only
        /// the memory, the heartbeat evidence and the checks, none of them blanked here), kept
        /// with this one's conditions: a quiet heartbeat rebuilds nothing else.
        func advanced(to next: Assessment, trafficKeys: TrafficKeysWitness = TrafficKeysWitness()) -> Kept {
            Kept(rest: next, trafficKeys: trafficKeys, sharing: self)
        }

        /// Advances `kept` by `advance` (`HealthEvaluator.advance` in place, given `rest` and
        /// `quietConditions()`; as for `advanced(to:)`, it may move only what that moves):
        /// false, and `kept` as it was, when it says false or there is none. The only
        /// reference (the reconciler's table, in steady state) is advanced where it is stored —
        /// no copy of the assessment, no new object, the remembered traffic samples written in
        /// their own storage; a shared one is left to its other holders and replaced by a new
        /// object sharing its conditions.
        /// `trafficKeys` is advanced with `rest`, in place or into the new object alike.
        static func advance(_ kept: inout Kept?, rules: HealthRules = .standard,
                            _ advance: (inout Assessment, inout TrafficKeysWitness, QuietConditions) -> Bool) -> Bool {
            guard let conditions = kept?.quietConditions(rules: rules) else { return false }
            if isKnownUniquelyReferenced(&kept), let unique = kept {
                // `unique` is a second reference from here on: `rest` is written through it.
                return advance(&unique.rest, &unique.trafficKeys, conditions)
            }
            guard let shared = kept else { return false }
            var rest = shared.rest
            var trafficKeys = shared.trafficKeys
            guard advance(&rest, &trafficKeys, conditions) else { return false }
            kept = shared.advanced(to: rest, trafficKeys: trafficKeys)
            return true
        }

        /// What the heartbeat advance reads of the conditions, read from the compact form (as
        /// `QuietConditions(assessment.conditions)`, without building them). By index, reading
        /// fields in place: a loop over the pairs copied each condition (its strings retained and
        /// released) on every heartbeat.
        /// The places are found once (`quietPlaces`, at `init`): the scan of every condition's
        /// type and reason on each heartbeat was 1.4 % of the operator's samples.
        func quietConditions(rules: HealthRules = .standard) -> QuietConditions {
            if let unusual { return QuietConditions(unusual, rules: rules) }
            let allTrueAndFresh = quietTrueAndFresh && conditions.count == rules.conditions.count
            let traffic = quietTraffic.index != .max ? (index: Int(quietTraffic.index), message: Int(quietTraffic.message))
                : Self.quietPlaces(conditions, types).traffic
            let trafficCondition = traffic.map { at in
                let kept = conditions[at.index]
                let message = !kept.keepsMessage ? "" : at.message == 0 ? firstMessage : moreMessages[at.message - 1]
                return kept.condition(types[at.index], message: message)
            }
            return QuietConditions(allTrueAndFresh: allTrueAndFresh, traffic: trafficCondition)
        }

        /// Of compact conditions (`types` their types): whether every one is True and Heartbeat
        /// is `HeartbeatFresh` (the count against the rules' is the caller's), and TrafficHealthy's
        /// place and its message's among the kept messages.
        private static func quietPlaces(_ conditions: [KeptCondition], _ types: [String])
            -> (trueAndFresh: Bool, traffic: (index: Int, message: Int)?) {
            var allTrue = true
            var heartbeatFresh = false
            var traffic: (index: Int, message: Int)?
            var messages = 0
            for i in 0..<min(conditions.count, types.count) {
                if !conditions[i].isTrue { allTrue = false }
                if types[i] == ConditionType.heartbeat {
                    heartbeatFresh = conditions[i].reason == "HeartbeatFresh"
                } else if types[i] == ConditionType.trafficHealthy {
                    traffic = (i, messages)
                }
                if conditions[i].keepsMessage { messages += 1 }
            }
            return (allTrue && heartbeatFresh, traffic)
        }

        /// The conditions are kept compact (not `unusual`).
        var keepsConditionsCompact: Bool { unusual == nil }

        var assessment: Assessment {
            var a = rest
            if let unusual {
                a.conditions = unusual
                return a
            }
            var next = 0
            var rendered: (seconds: Int64, text: String)?
            a.conditions = zip(conditions, types).map { kept, type in
                guard kept.keepsMessage else { return kept.condition(type, message: "", rendered: &rendered) }
                defer { next += 1 }
                return kept.condition(type, message: next == 0 ? firstMessage : moreMessages[next - 1], rendered: &rendered)
            }
            return a
        }
    }

    /// The evidence a kept assessment keeps only for comparison — pods, pods summary, BGP
    /// neighbours — as a 128-bit digest: two SipHash-1-3 hashes (`Hasher`, seeded at random per
    /// process) of the same fields under different salts. A collision would make one changed
    /// evidence look unchanged, and its status write wait for the next change of the verdict or
    /// evidence; at 2^-128 per comparison for inputs nobody can aim at a seed they do not know,
    /// and with a new seed at every start, that is safe enough, where comparing the full bytes
    /// would mean keeping them.
    struct EvidenceDigest: Sendable, Equatable {
        private let first: Int
        private let second: Int

        init(_ evidence: Evidence) {
            first = Self.hash(evidence, salt: 0x5bd1_e995)
            second = Self.hash(evidence, salt: 0x1b87_3593)
        }

        private static func hash(_ evidence: Evidence, salt: UInt32) -> Int {
            var hasher = Hasher()
            hasher.combine(salt)
            hasher.combine(evidence.neighbors)
            hasher.combine(evidence.pods)
            hasher.combine(evidence.podsSummary)
            return hasher.finalize()
        }

        /// Blanks what the digest stands for.
        static func blank(_ evidence: inout Evidence) {
            evidence.neighbors = []
            evidence.pods = []
            evidence.podsSummary = ""
        }
    }

    /// A condition without its type (`Kept` keeps the registry's list once for all), message and
    /// generation, its status as one byte (a `Condition` takes 96 bytes), twelve per gateway. Its
    /// `lastTransitionTime` is kept as the instant it names, in whole seconds, and rendered again
    /// when read (`KubeTime.format`, as the evaluator wrote it): the text was a 20-byte string,
    /// too long to be stored inline, so an allocation per distinct time at every gateway. A text
    /// that does not render back byte for byte (fractions, an offset, a foreign writer's form,
    /// no time at all) is not compact: `Kept` keeps such conditions whole (`unusual`).
    struct KeptCondition: Sendable {
        private enum Status: UInt8, Sendable {
            case isTrue, isFalse, unknown
        }

        let reason: String
        /// Seconds since 1970 (UTC).
        private let lastTransitionSeconds: Int64
        private let status: Status
        /// Its rule reads its previous message (kept apart by `Kept`).
        let keepsMessage: Bool

        /// nil for a status other than True, False or Unknown, or a `lastTransitionTime` that
        /// `KubeTime.format` does not give back exactly. An assessment's conditions carry no
        /// `observedGeneration` (the written status does: `statusJSON(observedGeneration:)`).
        /// - Parameter sameTime: the previous condition's text and seconds, when it was compact:
        ///   the conditions of one evaluation mostly share a time (checked once).
        init?(_ condition: Condition, keepsMessage: Bool, sameTime: (text: String, seconds: Int64)? = nil) {
            switch condition.status {
            case "True": status = .isTrue
            case "False": status = .isFalse
            case "Unknown": status = .unknown
            default: return nil
            }
            if let sameTime, sameTime.text == condition.lastTransitionTime {
                lastTransitionSeconds = sameTime.seconds
            } else {
                guard let seconds = Self.seconds(condition.lastTransitionTime) else { return nil }
                lastTransitionSeconds = seconds
            }
            self.keepsMessage = keepsMessage
            reason = condition.reason
        }

        /// The whole seconds `text` names when `KubeTime.format` renders them as `text`, else nil.
        static func seconds(_ text: String) -> Int64? {
            guard let date = KubeTime.parse(text) else { return nil }
            let seconds = date.timeIntervalSince1970.rounded(.down)
            guard seconds == date.timeIntervalSince1970, abs(seconds) < 1e15 else { return nil }
            return render(Int64(seconds)) == text ? Int64(seconds) : nil
        }

        static func render(_ seconds: Int64) -> String {
            KubeTime.format(Date(timeIntervalSince1970: TimeInterval(seconds)))
        }

        var isTrue: Bool { status == .isTrue }

        /// The time as the condition had it, for the next condition's `init` (`sameTime`).
        func time(_ text: String) -> (text: String, seconds: Int64) { (text, lastTransitionSeconds) }

        /// - Parameter rendered: the last time rendered and its text, shared by the conditions
        ///   read together (as the evaluator shares one text among those it stamps).
        func condition(_ type: String, message: String, rendered: inout (seconds: Int64, text: String)?) -> Condition {
            let text: String
            switch status {
            case .isTrue: text = "True"
            case .isFalse: text = "False"
            case .unknown: text = "Unknown"
            }
            let time: String
            if let rendered, rendered.seconds == lastTransitionSeconds {
                time = rendered.text
            } else {
                time = Self.render(lastTransitionSeconds)
                rendered = (lastTransitionSeconds, time)
            }
            return Condition(type: type, status: text, reason: reason, message: message,
                             lastTransitionTime: time, observedGeneration: nil)
        }

        func condition(_ type: String, message: String) -> Condition {
            var rendered: (seconds: Int64, text: String)?
            return condition(type, message: message, rendered: &rendered)
        }
    }
}
