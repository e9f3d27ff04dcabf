import KubeAPI

/// Just enough OpenAPI v3 for kubectl: its `apply`/`create` validation asks whether the server
/// validates fields itself (a `fieldValidation` query parameter on each PATCH operation); when it
/// does, kubectl sends `fieldValidation=Strict` and needs no schemas. The emulator ignores the
/// parameter: it stores what it gets. A resource defined by a CRD with a schema is published as
/// kube-apiserver publishes it (`kubectl explain` reads it): its `openAPIV3Schema` under
/// `components.schemas` named `<reversed group>.<version>.<Kind>`, tagged with its
/// group-version-kind, with the standard `apiVersion`, `kind` and `metadata` (ObjectMeta).
enum OpenAPIDocuments {
    /// `/openapi/v3`: where each group version's document lives.
    static func root(_ resources: [RegisteredResource]) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for r in resources {
            for v in r.versions {
                let gv = r.type.group.isEmpty ? "api/\(v)" : "apis/\(r.type.group)/\(v)"
                paths[gv] = ["serverRelativeURL": .string("/openapi/v3/\(gv)?hash=\(gv.hashValue & 0xFFFFFF)")]
            }
        }
        return ["paths": .object(paths)]
    }

    /// `/openapi/v3/apis/<group>/<version>` (or `api/v1`), or nil when nothing is served there.
    static func groupVersion(_ resources: [RegisteredResource], group: String, version: String) -> JSONValue? {
        let served = resources.filter { $0.type.group == group && $0.versions.contains(version) }
        guard !served.isEmpty else { return nil }
        var paths: [String: JSONValue] = [:]
        let prefix = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        for r in served {
            let patch: JSONValue = [
                "operationId": .string("patch\(r.type.kind)"),
                "x-kubernetes-group-version-kind": ["group": .string(group), "version": .string(version), "kind": .string(r.type.kind)],
                "parameters": [
                    ["name": "fieldValidation", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
                    ["name": "fieldManager", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
                ],
                "responses": ["200": ["description": "OK"]],
            ]
            let objectPath = r.type.namespaced ? "\(prefix)/namespaces/{namespace}/\(r.type.plural)/{name}" : "\(prefix)/\(r.type.plural)/{name}"
            paths[objectPath] = ["patch": patch]
        }
        var schemas: [String: JSONValue] = [:]
        for r in served {
            guard let schema = r.schemas[version] else { continue }
            schemas[schemaName(group: group, version: version, kind: r.type.kind)] = published(schema, group: group, version: version, kind: r.type.kind)
            schemas[objectMetaName] = objectMeta
        }
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": .string(Discovery.version["gitVersion"]?.stringValue ?? "")],
            "paths": .object(paths),
            "components": ["schemas": .object(schemas)],
        ]
    }

    /// kube-apiserver's name for a CRD kind's schema: the group's labels reversed, the version,
    /// the kind (`gatewaymedic.io`, `v1alpha1`, `GatewayHealth` → `io.gatewaymedic.v1alpha1.GatewayHealth`).
    static func schemaName(group: String, version: String, kind: String) -> String {
        (group.split(separator: ".").reversed().map(String.init) + [version, kind]).joined(separator: ".")
    }

    static let objectMetaName = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

    /// The CRD's schema as kube-apiserver's CRD OpenAPI builder publishes it: the standard
    /// descriptions of `apiVersion` and `kind`, `metadata` as a reference to ObjectMeta, and the
    /// group-version-kind extension by which clients find it.
    static func published(_ schema: JSONValue, group: String, version: String, kind: String) -> JSONValue {
        var object = schema
        var properties = schema["properties"]?.objectValue ?? [:]
        properties["apiVersion"] = [
            "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
            "type": "string",
        ]
        properties["kind"] = [
            "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
            "type": "string",
        ]
        properties["metadata"] = [
            "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
            "allOf": [["$ref": .string("#/components/schemas/\(objectMetaName)")]],
            "default": [:],
        ]
        object["properties"] = .object(properties)
        object["x-kubernetes-group-version-kind"] = [["group": .string(group), "kind": .string(kind), "version": .string(version)]]
        return object
    }

    /// ObjectMeta with the fields a reader of `kubectl explain <kind>.metadata` looks for first.
    static let objectMeta: JSONValue = [
        "description": "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
        "type": "object",
        "properties": [
            "name": ["description": "Name must be unique within a namespace. Cannot be updated.", "type": "string"],
            "namespace": ["description": "Namespace defines the space within which each name must be unique. Cannot be updated.", "type": "string"],
            "uid": ["description": "UID is the unique in time and space value for this object. Populated by the system. Read-only.", "type": "string"],
            "resourceVersion": ["description": "An opaque value that represents the internal version of this object, used for optimistic concurrency and watches. Populated by the system. Read-only.", "type": "string"],
            "generation": ["description": "A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.", "type": "integer", "format": "int64"],
            "creationTimestamp": ["description": "CreationTimestamp is a timestamp representing the server time when this object was created. Populated by the system. Read-only.", "type": "string", "format": "date-time"],
            "deletionTimestamp": ["description": "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted. Set by the server when a graceful deletion is requested. Read-only.", "type": "string", "format": "date-time"],
            "labels": ["description": "Map of string keys and values that can be used to organize and categorize (scope and select) objects.", "type": "object", "additionalProperties": ["type": "string", "default": ""]],
            "annotations": ["description": "Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.", "type": "object", "additionalProperties": ["type": "string", "default": ""]],
            "ownerReferences": ["description": "List of objects depended by this object. If ALL objects in the list have been deleted, this object will be garbage collected.", "type": "array", "items": ["type": "object"]],
            "finalizers": ["description": "Must be empty before the object is deleted from the registry.", "type": "array", "items": ["type": "string", "default": ""]],
        ],
    ]
}
