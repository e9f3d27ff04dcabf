import HedgehogResources
import KubeAPI

/// Reading a CustomResourceDefinition object into a served resource, and writing the fabric's
/// definitions as CRD objects (so `kubectl get crd` shows them like on a real cluster).
extension RegisteredResource {
    /// The resource a CRD defines; a 422 `Status` names the missing field.
    init(crd: JSONValue) throws(Status) {
        func required(_ value: JSONValue?, _ field: String) throws(Status) -> String {
            guard let s = value?.stringValue, !s.isEmpty else {
                throw Status(message: "CustomResourceDefinition is invalid: \(field): Required value", reason: "Invalid", code: 422)
            }
            return s
        }
        let spec = crd["spec"] ?? .null
        let group = try required(spec["group"], "spec.group")
        let plural = try required(spec[path: "names", "plural"], "spec.names.plural")
        let kind = try required(spec[path: "names", "kind"], "spec.names.kind")
        let versionObjects = (spec["versions"]?.arrayValue ?? []).filter { $0["served"]?.boolValue ?? true }
        let versions = versionObjects.compactMap { $0["name"]?.stringValue }
        guard let first = versions.first else {
            throw Status(message: "CustomResourceDefinition is invalid: spec.versions: Required value", reason: "Invalid", code: 422)
        }
        let storage = versionObjects.first { $0["storage"]?.boolValue == true } ?? versionObjects[0]
        let name = crd[path: "metadata", "name"]?.stringValue ?? ""
        guard name == "\(plural).\(group)" else {
            throw Status(message: "CustomResourceDefinition is invalid: metadata.name: Invalid value: \"\(name)\": must be spec.names.plural+\".\"+spec.group",
                         reason: "Invalid", code: 422)
        }
        var columns: [PrinterColumn] = (storage["additionalPrinterColumns"]?.arrayValue ?? []).compactMap { c in
            guard let n = c["name"]?.stringValue, let p = c["jsonPath"]?.stringValue else { return nil }
            return PrinterColumn(name: n, type: c["type"]?.stringValue ?? "string", jsonPath: p,
                                 priority: Int(c["priority"]?.intValue ?? 0), description: c["description"]?.stringValue ?? "")
        }
        // The real server shows Age when a CRD declares no columns.
        if columns.isEmpty { columns = [PrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp")] }
        self.init(
            type: ResourceType(group: group, version: storage["name"]?.stringValue ?? first, kind: kind, plural: plural,
                               namespaced: spec["scope"]?.stringValue != "Cluster"),
            versions: versions,
            singular: spec[path: "names", "singular"]?.stringValue ?? kind.lowercased(),
            shortNames: (spec[path: "names", "shortNames"]?.arrayValue ?? []).compactMap(\.stringValue),
            categories: (spec[path: "names", "categories"]?.arrayValue ?? []).compactMap(\.stringValue),
            hasStatusSubresource: storage[path: "subresources", "status"] != nil,
            printerColumns: columns,
            definedByCRD: name)
        for v in versionObjects {
            if let version = v["name"]?.stringValue, let schema = v[path: "schema", "openAPIV3Schema"], schema.objectValue != nil {
                schemas[version] = schema
            }
        }
    }

    /// The status kube-apiserver's apiextensions controllers give a CRD whose names and versions
    /// it accepted: `NamesAccepted` and `Established` true, the accepted names, and the storage
    /// version among the stored ones. The emulator serves a CRD as soon as it is written, so it is
    /// established at once; clients that wait for it (`helm install` waits for its `crds/`) go on.
    static func establishedStatus(of crd: JSONValue, previous: JSONValue?) -> JSONValue {
        let spec = crd["spec"] ?? .null
        let storage = (spec["versions"]?.arrayValue ?? []).first { $0["storage"]?.boolValue == true }?["name"]?.stringValue
        var stored = (previous?["storedVersions"]?.arrayValue ?? []).compactMap(\.stringValue)
        if let storage, !stored.contains(storage) { stored.append(storage) }
        var names = spec["names"] ?? [:]
        if names["singular"] == nil, let kind = names["kind"]?.stringValue { names["singular"] = .string(kind.lowercased()) }
        if names["listKind"] == nil, let kind = names["kind"]?.stringValue { names["listKind"] = .string("\(kind)List") }
        let transition = previous?[path: "conditions"]?.arrayValue?.first?["lastTransitionTime"]
            ?? crd[path: "metadata", "creationTimestamp"] ?? .null
        func condition(_ type: String, _ reason: String, _ message: String) -> JSONValue {
            ["type": .string(type), "status": "True", "lastTransitionTime": transition, "reason": .string(reason), "message": .string(message)]
        }
        return [
            "conditions": [
                condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
            ],
            "acceptedNames": names,
            "storedVersions": .array(stored.map { .string($0) }),
        ]
    }

    /// A CRD object declaring this resource (schema left open: the emulator does not validate).
    var crdObject: JSONValue {
        let columns: [JSONValue] = printerColumns.map { c in
            var o: JSONValue = ["name": .string(c.name), "type": .string(c.type), "jsonPath": .string(c.jsonPath)]
            if c.priority != 0 { o["priority"] = .int(Int64(c.priority)) }
            return o
        }
        let versionObjects: [JSONValue] = versions.map { v in
            var o: JSONValue = [
                "name": .string(v), "served": true, "storage": .bool(v == type.version),
                "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
                "additionalPrinterColumns": .array(columns),
            ]
            if hasStatusSubresource { o["subresources"] = ["status": [:]] }
            return o
        }
        return [
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": ["name": .string("\(type.plural).\(type.group)")],
            "spec": [
                "group": .string(type.group),
                "names": [
                    "kind": .string(type.kind), "listKind": .string("\(type.kind)List"), "plural": .string(type.plural),
                    "singular": .string(singular), "shortNames": .array(shortNames.map { .string($0) }),
                    "categories": .array(categories.map { .string($0) }),
                ],
                "scope": type.namespaced ? "Namespaced" : "Cluster",
                "versions": .array(versionObjects),
            ],
        ]
    }
}

extension RegisteredResource {
    private static func age() -> PrinterColumn { PrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp") }

    /// The Hedgehog fabric's resources and gateway-medic's GatewayHealth, with the short names,
    /// categories and columns of their real CRDs.
    public static let fabric: [RegisteredResource] = [
        RegisteredResource(
            type: .gatewayAgents, shortNames: ["gwag"], categories: ["hedgehog", "hedgehog-gateway"],
            printerColumns: [
                PrinterColumn(name: "Applied", type: "date", jsonPath: ".status.lastAppliedTime"),
                PrinterColumn(name: "AppliedG", type: "integer", jsonPath: ".status.lastAppliedGen"),
                PrinterColumn(name: "CurrentG", type: "integer", jsonPath: ".metadata.generation"),
                PrinterColumn(name: "Version", jsonPath: ".status.agentVersion"),
                PrinterColumn(name: "ProtoIP", jsonPath: ".spec.gateway.protocolIP", priority: 1),
                PrinterColumn(name: "VTEPIP", jsonPath: ".spec.gateway.vtepIP", priority: 1),
                age(),
            ]),
        RegisteredResource(
            type: .gateways, shortNames: ["gw"], categories: ["hedgehog", "hedgehog-gateway"],
            printerColumns: [
                PrinterColumn(name: "ProtoIP", jsonPath: ".spec.protocolIP"),
                PrinterColumn(name: "VTEPIP", jsonPath: ".spec.vtepIP"),
                PrinterColumn(name: "Groups", jsonPath: ".spec.groups", priority: 1),
                age(),
            ]),
        RegisteredResource(type: .gatewayGroups, shortNames: ["gwgr"], categories: ["hedgehog", "hedgehog-gateway"], printerColumns: [age()]),
        RegisteredResource(
            type: .gatewayPeerings, shortNames: ["gwpeer"], categories: ["hedgehog", "hedgehog-gateway"],
            printerColumns: [PrinterColumn(name: "GatewayGroup", jsonPath: ".spec.gatewayGroup"), age()]),
        RegisteredResource(
            type: .switchAgents, shortNames: ["ag"], categories: ["hedgehog"],
            printerColumns: [
                PrinterColumn(name: "Role", jsonPath: ".spec.role"),
                PrinterColumn(name: "Heartbeat", type: "date", jsonPath: ".status.lastHeartbeat", priority: 1),
                PrinterColumn(name: "Applied", type: "date", jsonPath: ".status.lastAppliedTime"),
                PrinterColumn(name: "AppliedG", type: "integer", jsonPath: ".status.lastAppliedGen"),
                PrinterColumn(name: "CurrentG", type: "integer", jsonPath: ".metadata.generation"),
                age(),
            ]),
        RegisteredResource(
            type: .gatewayHealths, shortNames: ["gwh"], categories: ["gateway-medic"],
            // As in manifests/base/gatewayhealth-crd.yaml (the e2e tests and the demo serve that file).
            printerColumns: [
                PrinterColumn(name: "State", jsonPath: ".status.state"),
                PrinterColumn(name: "Reason", jsonPath: ".status.reason"),
                PrinterColumn(name: "Since", type: "date", jsonPath: ".status.since"),
                PrinterColumn(name: "Applied", type: "integer", jsonPath: ".status.appliedGeneration"),
                PrinterColumn(name: "Current", type: "integer", jsonPath: ".status.currentGeneration"),
                PrinterColumn(name: "BGP", jsonPath: ".status.bgp"),
                PrinterColumn(name: "Message", jsonPath: ".status.message", priority: 1),
                age(),
            ]),
    ]
}
