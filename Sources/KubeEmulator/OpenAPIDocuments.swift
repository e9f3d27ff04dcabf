import KubeAPI

/// Just enough OpenAPI v3 for kubectl: its `apply`/`create` validation asks whether the server
/// validates fields itself (a `fieldValidation` query parameter on each PATCH operation); when it
/// does, kubectl sends `fieldValidation=Strict` and needs no schemas. The emulator ignores the
/// parameter: it stores what it gets.
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
        return [
            "openapi": "3.0.0",
            "info": ["title": "Kubernetes", "version": .string(Discovery.version["gitVersion"]?.stringValue ?? "")],
            "paths": .object(paths),
            "components": ["schemas": [:]],
        ]
    }
}
