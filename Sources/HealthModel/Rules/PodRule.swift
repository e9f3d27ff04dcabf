import Foundation
import KubeAPI

/// What the gateway's dataplane and frr pods say (docs §2.2, §3.5).
struct PodFinding {
    /// A problem that makes the gateway DOWN now.
    var down: (reason: String, message: String)?
    /// Both pods exist, are Running, not being deleted, and every container is ready.
    var allRunningReady: Bool
    var draft: ConditionDraft
    var nextCheck: [Date] = []
    var issueSince: [String: Date] = [:]
    var evidence: [PodEvidence] = []
    var summary: String
    /// When the dataplane container (else the dataplane pod) started.
    var dataplaneStartedAt: Date?
    /// Per role: the pod and containers whose failure makes the gateway DOWN now; remembered
    /// while the gateway is DOWN, so that their restart does not end the incident (§2.2).
    var failedContainers: [String: FailedContainers] = [:]
    /// `restartCount` per `<role>/<container>` of the pods judged, and the rises in the window.
    var restartCounts: [String: Int64] = [:]
    var restartRises: [RestartRise] = []
}

struct PodRule: HealthRule {
    let condition = ConditionType.podsReady
    let docSection = "§3.5"
    /// Besides these, a waiting reason configured in `immediateFailureReasons` (CamelCase).
    let reasons = ["PodsRunningReady", "PodMissing", "PodTerminating", "PodNotRunning", "CrashLoopBackOff", "ContainerFailing",
                   "ContainerRestarted", "ContainerNotReady", "ContainerRestarting", "PodStatusInvalid"]
    let reads: Set<RuleInput> = [.pods]
    let fields: [OwnedField] = [.memory("podIssueSince"), .memory("containerRestarts"), .memory("restartRises"),
                                .evidence("pods"), .evidence("podsSummary")]

    func evaluate(_ context: inout RuleContext) -> RuleOutcome {
        let finding = Self.evaluate(context.inputs.pods, gateway: context.inputs.gatewayName, memory: context.memory,
                                    policy: context.policy, now: context.now)
        context.pods = finding
        context.newMemory.podIssueSince = finding.issueSince
        context.newMemory.containerRestarts = finding.restartCounts
        context.newMemory.restartRises = finding.restartRises
        context.evidence.pods = finding.evidence
        context.evidence.podsSummary = finding.summary
        return RuleOutcome(finding.draft, nextCheck: finding.nextCheck)
    }

    private enum Verdict {
        case ok
        /// `failed`: the containers that failed (a container reason such as CrashLoopBackOff);
        /// empty for a reason about the whole pod.
        case downNow(String, String, failed: [String])
        case notReady(since: Date, message: String, names: [String])
        case unknown(String)
    }

    static func evaluate(_ pods: [PodView], gateway: String, memory: HealthMemory, policy: HealthPolicy, now: Date) -> PodFinding {
        let mine = pods.filter { $0.gatewayName == nil || $0.gatewayName == gateway || gateway.isEmpty }
        var finding = PodFinding(allRunningReady: true, draft: .isTrue(ConditionType.podsReady, "PodsReady", ""), summary: "")
        var downs: [(String, String)] = []
        var waits: [String] = []
        var unknowns: [String] = []
        var okLines: [String] = []
        var judged: [(role: PodRole, pod: PodView)] = []
        for role in PodRole.allCases {
            let candidates = mine.filter { $0.role == role }
            finding.evidence += candidates.map(evidence)
            guard let pod = best(candidates) else {
                downs.append(("PodMissing", "no \(role.rawValue) pod (DaemonSet gw--\(gateway)--\(role.rawValue)) exists"))
                finding.allRunningReady = false
                continue
            }
            judged.append((role, pod))
            if role == .dataplane {
                let main = containerList(pod).first { $0.name == "dataplane" } ?? containerList(pod).first
                finding.dataplaneStartedAt = main?.startedAt ?? pod.startTime
            }
            // The containers of this very pod whose failure made the gateway DOWN (§2.2 "One
            // incident, one DOWN"); a replacement pod (another uid) starts afresh.
            let identity = pod.uid ?? pod.name
            let failedBefore = memory.failedContainers[role.rawValue].flatMap { $0.pod == identity ? $0.containers : nil } ?? []
            func remember(_ names: [String]) {
                let all = failedBefore + names.filter { !failedBefore.contains($0) }
                if !all.isEmpty { finding.failedContainers[role.rawValue] = FailedContainers(pod: identity, containers: all) }
            }
            switch judge(pod, role: role, memory: memory, policy: policy, now: now) {
            case .ok:
                okLines.append("\(pod.name) Running \(readyText(pod)) ready")
            case .downNow(let reason, let message, let failed):
                downs.append((reason, message))
                finding.allRunningReady = false
                if reason != "PodTerminating" { remember(failed) }
            case .notReady(let since, let message, let names):
                finding.allRunningReady = false
                finding.issueSince[role.rawValue] = since
                let elapsed = now.timeIntervalSince(since)
                let notReadySince = "\(message) since \(KubeTime.format(since))"
                // Not Ready, or not reported at all (no status to show it Ready).
                let stillFailed = failedBefore.filter { name in containerList(pod).first { $0.name == name }?.ready != true }
                let failure = "the failure of \(stillFailed.joined(separator: ", ")) made the gateway DOWN and it has not been Ready since"
                if !stillFailed.isEmpty, elapsed > policy.podGrace {
                    downs.append(("ContainerNotReady", "\(notReadySince), longer than the pod grace \(describe(policy.podGrace)); \(failure)"))
                    remember([])
                } else if !stillFailed.isEmpty {
                    // Restarted after the failure that made the gateway DOWN, not Ready yet: the
                    // same incident. Its own reason while the new process is within its pod
                    // grace, so that remediation leaves the kubelet's restart its chance.
                    let deadline = KubeTime.format(since.addingTimeInterval(policy.podGrace))
                    downs.append(("ContainerRestarted", "\(notReadySince); \(failure): DOWN until it is Ready again (ContainerNotReady after the pod grace \(describe(policy.podGrace)), at \(deadline))"))
                    finding.nextCheck.append(since.addingTimeInterval(policy.podGrace + 1))
                    remember([])
                } else if elapsed > policy.podGrace {
                    downs.append(("ContainerNotReady", "\(notReadySince), longer than the pod grace \(describe(policy.podGrace))"))
                    remember(names)
                } else {
                    let deadline = KubeTime.format(since.addingTimeInterval(policy.podGrace))
                    waits.append("\(notReadySince) (pod grace \(describe(policy.podGrace)): DOWN if still not ready after \(deadline))")
                    finding.nextCheck.append(since.addingTimeInterval(policy.podGrace + 1))
                }
            case .unknown(let message):
                finding.allRunningReady = false
                unknowns.append(message)
                // A status that cannot be read says nothing about a recovery: keep the failure.
                remember([])
            }
        }
        let restarting = restarts(judged, memory: memory, policy: policy, now: now, into: &finding)
        let all = downs.map(\.1) + waits + restarting + unknowns + okLines
        finding.summary = all.joined(separator: "; ")
        let type = ConditionType.podsReady
        if let first = downs.first {
            finding.down = (first.0, downs.map(\.1).joined(separator: "; "))
            finding.draft = .isFalse(type, first.0, finding.summary)
        } else if !waits.isEmpty {
            finding.draft = .isFalse(type, "ContainerNotReady", finding.summary)
        } else if !restarting.isEmpty {
            // A finding, not a DOWN: the container is Ready between its crashes (an OOM loop).
            finding.draft = .isFalse(type, "ContainerRestarting", finding.summary)
        } else if !unknowns.isEmpty {
            finding.draft = .unknown(type, "PodStatusInvalid", finding.summary)
        } else {
            finding.draft = .isTrue(type, "PodsRunningReady", finding.summary)
        }
        return finding
    }

    /// Containers whose restartCount rose by more than `containerRestartThreshold` within
    /// `containerRestartWindow`, across observations (§3.5 `ContainerRestarting`). A rise at time
    /// t counts while now − t < window. First sight (no counts remembered) is a baseline; a count
    /// that went down (a replacement pod) is a new baseline, not a negative rise. Returns one line
    /// per such container and records the counts, the rises still in the window and when the
    /// oldest of a restarting container's rises leaves it.
    private static func restarts(_ judged: [(role: PodRole, pod: PodView)], memory: HealthMemory, policy: HealthPolicy,
                                 now: Date, into finding: inout PodFinding) -> [String] {
        var lines: [String] = []
        let window = policy.containerRestartWindow
        // A role whose pod is missing or whose container statuses cannot be read keeps its
        // counts and rises: their return is not a rise from 0.
        let readable = Set(judged.filter { $0.pod.containers.value != nil }.map(\.role.rawValue))
        let remembered = memory.containerRestarts ?? [:]
        for key in remembered.keys.sorted() where !readable.contains(Self.role(ofRestartKey: key)) {
            finding.restartCounts[key] = remembered[key]
            finding.restartRises += memory.restartRises.filter { $0.container == key && now.timeIntervalSince($0.at) < window }
        }
        for (role, pod) in judged where readable.contains(role.rawValue) {
            for c in containerList(pod) {
                let key = restartKey(role, container: c.name)
                finding.restartCounts[key] = c.restartCount
                var rises = memory.restartRises.filter { $0.container == key && now.timeIntervalSince($0.at) < window }
                // Never observed before: a baseline. Remembered counts exist but not this
                // container's: a container that appeared since, counted from 0.
                if let counts = memory.containerRestarts {
                    let before = counts[key] ?? 0
                    if c.restartCount > before { rises.append(RestartRise(container: key, at: now, restarts: c.restartCount - before)) }
                }
                finding.restartRises += rises
                let total = rises.map(\.restarts).reduce(0, +)
                guard total > Int64(policy.containerRestartThreshold), let first = rises.first else { continue }
                lines.append("\(pod.name) container \(c.name) restarted \(total) times within \(describe(window)), more than \(policy.containerRestartThreshold) (restartCount \(c.restartCount), rising since \(KubeTime.format(first.at)))")
                finding.nextCheck.append(first.at.addingTimeInterval(window))
            }
        }
        return lines
    }

    /// The standard containers' restart keys (docs/health-model.md: dataplane's `dataplane`,
    /// frr's `frr` and `frr-exporter`), built once: every gateway's memory keeps them, and two
    /// of them are too long for an inline string (an allocation each, per gateway).
    private static let standardRestartKeys = ["dataplane/dataplane", "frr/frr", "frr/frr-exporter"]

    /// `<role>/<container>`, the standard keys shared.
    static func restartKey(_ role: PodRole, container: String) -> String {
        let key = "\(role.rawValue)/\(container)"
        return standardRestartKeys.first { $0 == key } ?? key
    }

    private static func role(ofRestartKey key: String) -> String {
        String(key[..<(key.firstIndex(of: "/") ?? key.endIndex)])
    }

    /// Prefers a pod not being deleted, then Running, then the one with more ready containers,
    /// then the newest: during a DaemonSet roll-out the replacement is what matters.
    private static func best(_ pods: [PodView]) -> PodView? {
        pods.max { a, b in
            func rank(_ p: PodView) -> (Int, Int, Int, Double) {
                (p.isBeingDeleted ? 0 : 1, p.phase.value == "Running" ? 1 : 0,
                 containerList(p).filter(\.ready).count, p.creationTime?.timeIntervalSince1970 ?? 0)
            }
            return rank(a) < rank(b)
        }
    }

    private static func judge(_ pod: PodView, role: PodRole, memory: HealthMemory, policy: HealthPolicy, now: Date) -> Verdict {
        if pod.isBeingDeleted { return .downNow("PodTerminating", "\(pod.name) is being deleted", failed: []) }
        switch pod.phase {
        case .absent: return .unknown("\(pod.name) reports no status.phase")
        case .invalid: return .unknown("\(pod.name) has a malformed status.phase")
        case .value(let phase) where phase != "Running":
            return .downNow("PodNotRunning", "\(pod.name) is \(phase), not Running", failed: [])
        case .value: break
        }
        let containers: [ContainerStatusView]
        switch pod.containers {
        case .invalid: return .unknown("\(pod.name) has malformed status.containerStatuses")
        case .absent: containers = []
        case .value(let list): containers = list
        }
        for c in containers {
            if let waiting = c.waitingReason, policy.immediateFailureReasons.contains(waiting) {
                let reason = isCamelCase(waiting) ? waiting : "ContainerFailing"
                return .downNow(reason, "\(pod.name) container \(c.name) is in \(waiting) (restarts \(c.restartCount))",
                                failed: containers.filter { !$0.ready }.map(\.name))
            }
        }
        let notReady = containers.filter { !$0.ready }
        guard !notReady.isEmpty || containers.isEmpty else { return .ok }
        let names = containers.isEmpty ? "no container statuses" : notReady.map { describeContainer($0) }.joined(separator: ", ")
        return .notReady(since: notReadySince(pod, notReady, role: role, memory: memory, now: now),
                         message: "\(pod.name) not ready (\(names))",
                         names: notReady.map(\.name))
    }

    /// When the pod became not ready: the Ready condition's transition time is the best record;
    /// then the operator's memory of first seeing it; then a running container's start; else now.
    /// A container that (re)started later counts from its latest start, never from an earlier
    /// crash: the new process gets its own pod grace (§2.2). With several not-ready containers,
    /// the earliest of their starts; a container that is not running has no start to go by.
    private static func notReadySince(_ pod: PodView, _ notReady: [ContainerStatusView], role: PodRole,
                                      memory: HealthMemory, now: Date) -> Date {
        let fromPod = [pod.condition("Ready"), pod.condition("ContainersReady")]
            .compactMap { $0 }.first { $0.status != "True" && $0.lastTransitionTime != nil }?.lastTransitionTime
        let starts = notReady.map(\.startedAt)
        let latestStart = starts.contains(nil) ? nil : starts.compactMap { $0 }.min()
        var since = fromPod ?? memory.podIssueSince[role.rawValue] ?? latestStart ?? now
        if let latestStart { since = max(since, latestStart) }
        return min(since, now)
    }

    private static func describeContainer(_ c: ContainerStatusView) -> String {
        var text = "\(c.name) \(c.state.rawValue)"
        if let reason = c.waitingReason ?? c.terminatedReason { text += " \(reason)" }
        if c.restartCount > 0 { text += ", \(c.restartCount) restarts" }
        return text
    }

    private static func containerList(_ pod: PodView) -> [ContainerStatusView] { pod.containers.value ?? [] }

    private static func readyText(_ pod: PodView) -> String {
        let list = containerList(pod)
        return "\(list.filter(\.ready).count)/\(list.count)"
    }

    private static func evidence(_ pod: PodView) -> PodEvidence {
        let list = containerList(pod)
        let detail = list.compactMap { c in (c.waitingReason ?? c.terminatedReason).map { "\(c.name): \($0)" } }.joined(separator: ", ")
        return PodEvidence(name: pod.name, role: pod.role?.rawValue ?? "unknown", phase: pod.phase.value ?? "unknown",
                           ready: readyText(pod), restarts: list.map(\.restartCount).reduce(0, +),
                           terminating: pod.isBeingDeleted, detail: detail.isEmpty ? nil : detail)
    }
}

/// Whether a reason fits metav1.Condition's reason pattern.
func isCamelCase(_ text: String) -> Bool {
    guard let first = text.unicodeScalars.first, CharacterSet.letters.contains(first) else { return false }
    return text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_") }
}
