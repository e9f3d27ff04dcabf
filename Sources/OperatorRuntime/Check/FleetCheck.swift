import ControllerKit
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient

/// The one-shot `check`: lists what the controller watches, evaluates every gateway once at `now`
/// and returns the verdicts. Reads only; writes nothing.
public enum FleetCheck {
    public static func run(client: KubeClient, config: OperatorConfig, now: Date) async throws(KubeError) -> [GatewayReport] {
        try await evaluate(client: client, config: config, now: now).reports
    }

    /// `run` with the notes about optional resources that could not be read.
    /// - Parameter selection: which gateways to report (kubectl's names and `-l`); all by default.
    public static func evaluate(client: KubeClient, config: OperatorConfig, now: Date,
                                selection: CheckSelection = CheckSelection()) async throws(KubeError) -> CheckResult {
        var notes: [String] = []
        var index = FleetIndex()
        let fabric = config.fabricNamespace

        for item in try await client.listAll(.gatewayAgents, namespace: fabric).items {
            index.upsert(agent: GatewayAgentView(json: item))
        }
        for item in try await client.listAll(.gateways, namespace: fabric).items {
            index.upsert(gateway: GatewayView(json: item))
        }
        for item in try await client.listAll(.pods, namespace: config.gatewayNamespace).items {
            index.upsert(pod: PodView(json: item))
        }
        if let leaves = try await optionalList(.switchAgents, namespace: fabric, client: client, notes: &notes,
                                               consequence: "liveness falls back to the gateway pods' readiness") {
            index.setSwitchAgents(leaves.map(SwitchAgentView.init(json:)), visible: true)
        } else {
            index.setSwitchAgents([], visible: false)
        }
        var previous: [ObjectKey: Assessment] = [:]
        let healths = try await optionalList(.gatewayHealths, namespace: fabric, client: client, notes: &notes,
                                             consequence: "each gateway is judged without memory, as on first sight")
        for item in healths ?? [] {
            guard let name = item[path: "metadata", "name"]?.stringValue, let status = item["status"],
                  let assessment = Assessment(status: status) else { continue }
            let namespace = item[path: "metadata", "namespace"]?.stringValue ?? fabric
            previous[ObjectKey(namespace: namespace, name: name)] = assessment
        }

        var keys = index.gatewayKeys.sorted()
        if let selector = selection.labelSelector {
            // On Gateway labels, as `kubectl get gateways -l`: a GatewayAgent alone has none to match.
            let matching = try await client.listAll(.gateways, namespace: fabric, options: ListOptions(labelSelector: selector)).items
            let names = Set(matching.compactMap { $0[path: "metadata", "name"]?.stringValue })
            keys = keys.filter { names.contains($0.name) }
        }
        var missing: [String] = []
        if !selection.names.isEmpty {
            let known = Set(keys.map(\.name))
            missing = selection.names.filter { !known.contains($0) }
            let wanted = Set(selection.names)
            keys = keys.filter { wanted.contains($0.name) }
        }
        let reports = keys.map { key in
            let before = previous[key]
            let assessment = HealthEvaluator.evaluate(index.inputs(for: key), previous: before, policy: config.health, now: now)
            return GatewayReport(namespace: key.namespace ?? fabric, name: key.name, assessment: assessment, usedPreviousAssessment: before != nil)
        }
        var result = CheckResult(reports: reports, notes: notes)
        result.notFound = missing
        return result
    }

    /// A list that may legitimately be unavailable: 404 (the CRD is not installed) or 403 (the
    /// user may not read it). Nil then, with a note; any other error is an error.
    private static func optionalList(_ r: ResourceType, namespace: String, client: KubeClient, notes: inout [String],
                                     consequence: String) async throws(KubeError) -> [JSONValue]? {
        do {
            return try await client.listAll(r, namespace: namespace).items
        } catch where error.isNotFound || error.isForbidden {
            notes.append("\(r.kind) objects (\(r.plural).\(r.group)) are not visible (HTTP \(error.statusCode ?? 0)): \(consequence)")
            return nil
        }
    }
}

/// Which gateways a check reports, as kubectl selects objects.
public struct CheckSelection: Sendable, Equatable {
    /// Gateway names; empty means all.
    public var names: [String]
    /// A label selector on Gateway objects (`-l`).
    public var labelSelector: String?

    public init(names: [String] = [], labelSelector: String? = nil) {
        self.names = names
        self.labelSelector = labelSelector?.isEmpty == true ? nil : labelSelector
    }
}
