import KubeAPI

/// A column of `kubectl get` output, as a CRD's `additionalPrinterColumns` declares it.
public struct PrinterColumn: Sendable, Hashable {
    public var name: String
    /// `string`, `integer`, `number`, `boolean` or `date` (dates print as an age, like kubectl).
    public var type: String
    /// A simple JSONPath: `.spec.a.b`, with `[n]` indexes allowed.
    public var jsonPath: String
    /// 0 is shown by default; higher only with `-o wide`.
    public var priority: Int
    public var description: String

    public init(name: String, type: String = "string", jsonPath: String, priority: Int = 0, description: String = "") {
        self.name = name
        self.type = type
        self.jsonPath = jsonPath
        self.priority = priority
        self.description = description
    }
}

/// A resource the emulator serves, with what discovery and `kubectl get` need to know about it.
public struct RegisteredResource: Sendable, Hashable {
    public var type: ResourceType
    /// Every served version; objects are stored once and shown with the version asked for.
    public var versions: [String]
    public var singular: String
    public var shortNames: [String]
    public var categories: [String]
    /// Whether `/status` is a subresource: then writes to the main resource keep the old status.
    public var hasStatusSubresource: Bool
    public var printerColumns: [PrinterColumn]
    /// Set when the resource was registered by creating a CustomResourceDefinition.
    public var definedByCRD: String?
    /// Per served version, the CRD's `schema.openAPIV3Schema`: published in the OpenAPI
    /// documents as kube-apiserver publishes a CRD's (what `kubectl explain` reads).
    public var schemas: [String: JSONValue] = [:]

    public init(type: ResourceType, versions: [String]? = nil, singular: String? = nil, shortNames: [String] = [],
                categories: [String] = [], hasStatusSubresource: Bool = true, printerColumns: [PrinterColumn] = [],
                definedByCRD: String? = nil) {
        self.type = type
        self.versions = versions ?? [type.version]
        self.singular = singular ?? type.kind.lowercased()
        self.shortNames = shortNames
        self.categories = categories
        self.hasStatusSubresource = hasStatusSubresource
        self.printerColumns = printerColumns
        self.definedByCRD = definedByCRD
    }

    /// The storage key: one object set per group and plural, whatever the version.
    var key: String { "\(type.group)/\(type.plural)" }

    /// Subresources listed in discovery next to the resource.
    var subresources: [String] {
        var result: [String] = hasStatusSubresource ? ["status"] : []
        if type.group.isEmpty && type.plural == "pods" { result.append("eviction") }
        return result
    }

    static let verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
}

extension RegisteredResource {
    static let builtIns: [RegisteredResource] = [
        RegisteredResource(
            type: .pods, shortNames: ["po"], categories: ["all"],
            printerColumns: [
                PrinterColumn(name: "Status", jsonPath: ".status.phase"),
                PrinterColumn(name: "Node", jsonPath: ".spec.nodeName", priority: 1),
                PrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp"),
            ]),
        RegisteredResource(
            type: .events, shortNames: ["ev"], hasStatusSubresource: false,
            printerColumns: [
                PrinterColumn(name: "Last Seen", type: "date", jsonPath: ".lastTimestamp"),
                PrinterColumn(name: "Type", jsonPath: ".type"),
                PrinterColumn(name: "Reason", jsonPath: ".reason"),
                PrinterColumn(name: "Object", jsonPath: ".involvedObject"),
                PrinterColumn(name: "Message", jsonPath: ".message"),
            ]),
        RegisteredResource(
            type: .configMaps, shortNames: ["cm"], hasStatusSubresource: false,
            printerColumns: [PrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp")]),
        RegisteredResource(
            type: .namespaces, shortNames: ["ns"],
            printerColumns: [
                PrinterColumn(name: "Status", jsonPath: ".status.phase"),
                PrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp"),
            ]),
        RegisteredResource(
            type: .leases, hasStatusSubresource: false,
            printerColumns: [
                PrinterColumn(name: "Holder", jsonPath: ".spec.holderIdentity"),
                PrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp"),
            ]),
        RegisteredResource(
            type: .customResourceDefinitions, shortNames: ["crd", "crds"], categories: ["api-extensions"],
            printerColumns: [PrinterColumn(name: "Created At", type: "date", jsonPath: ".metadata.creationTimestamp")]),
    ] + installedKinds

    private static func age() -> PrinterColumn { PrinterColumn(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp") }

    /// The other kinds an install creates (`helm install` of charts/gateway-medic, `kubectl apply
    /// -k manifests/...`): stored with the same metadata rules, with their real subresources, short
    /// names and categories. Helm keeps its release records in Secrets.
    static let installedKinds: [RegisteredResource] = [
        RegisteredResource(
            type: ResourceType(group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true), hasStatusSubresource: false,
            printerColumns: [PrinterColumn(name: "Type", jsonPath: ".type"), age()]),
        RegisteredResource(
            type: ResourceType(group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true),
            shortNames: ["sa"], hasStatusSubresource: false, printerColumns: [age()]),
        RegisteredResource(
            type: ResourceType(group: "", version: "v1", kind: "Service", plural: "services", namespaced: true),
            shortNames: ["svc"], categories: ["all"],
            printerColumns: [PrinterColumn(name: "Type", jsonPath: ".spec.type"), PrinterColumn(name: "Cluster-IP", jsonPath: ".spec.clusterIP"), age()]),
        RegisteredResource(
            type: ResourceType(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true),
            shortNames: ["deploy"], categories: ["all"],
            printerColumns: [
                PrinterColumn(name: "Ready", jsonPath: ".status.readyReplicas"),
                PrinterColumn(name: "Up-to-date", type: "integer", jsonPath: ".status.updatedReplicas"),
                PrinterColumn(name: "Available", type: "integer", jsonPath: ".status.availableReplicas"),
                age(),
            ]),
        RegisteredResource(
            type: ResourceType(group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", namespaced: true),
            shortNames: ["pdb"],
            printerColumns: [
                PrinterColumn(name: "Min Available", jsonPath: ".spec.minAvailable"),
                PrinterColumn(name: "Max Unavailable", jsonPath: ".spec.maxUnavailable"),
                age(),
            ]),
        RegisteredResource(
            type: ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "Role", plural: "roles", namespaced: true),
            hasStatusSubresource: false, printerColumns: [PrinterColumn(name: "Created At", type: "date", jsonPath: ".metadata.creationTimestamp")]),
        RegisteredResource(
            type: ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding", plural: "rolebindings", namespaced: true),
            hasStatusSubresource: false, printerColumns: [PrinterColumn(name: "Role", jsonPath: ".roleRef.name"), age()]),
        RegisteredResource(
            type: ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", namespaced: false),
            hasStatusSubresource: false, printerColumns: [PrinterColumn(name: "Created At", type: "date", jsonPath: ".metadata.creationTimestamp")]),
        RegisteredResource(
            type: ResourceType(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings",
                               namespaced: false),
            hasStatusSubresource: false, printerColumns: [PrinterColumn(name: "Role", jsonPath: ".roleRef.name"), age()]),
    ]
}
