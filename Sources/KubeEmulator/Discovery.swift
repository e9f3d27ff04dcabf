import KubeAPI

/// The discovery documents kubectl reads before it does anything.
enum Discovery {
    static let version: JSONValue = [
        "major": "1", "minor": "32", "gitVersion": "v1.32.4", "gitCommit": "gateway-medic-emulator", "gitTreeState": "clean",
        "buildDate": "2025-04-22T00:00:00Z", "goVersion": "go1.23.6", "compiler": "gc", "platform": "linux/amd64",
    ]

    static func coreVersions(serverAddress: String) -> JSONValue {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]]
    }

    static func groups(_ resources: [RegisteredResource]) -> JSONValue {
        var versionsByGroup: [String: [String]] = [:]
        var preferred: [String: String] = [:]
        for r in resources where !r.type.group.isEmpty {
            for v in r.versions where !(versionsByGroup[r.type.group]?.contains(v) ?? false) { versionsByGroup[r.type.group, default: []].append(v) }
            preferred[r.type.group] = preferred[r.type.group] ?? r.type.version
        }
        let groups: [JSONValue] = versionsByGroup.keys.sorted().map { g in
            let versions: [JSONValue] = (versionsByGroup[g] ?? []).map { ["groupVersion": .string("\(g)/\($0)"), "version": .string($0)] }
            let p = preferred[g] ?? ""
            return ["name": .string(g), "versions": .array(versions),
                    "preferredVersion": ["groupVersion": .string("\(g)/\(p)"), "version": .string(p)]]
        }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    /// The APIResourceList of one group version, or nil when nothing is served there.
    static func resourceList(_ resources: [RegisteredResource], group: String, version: String) -> JSONValue? {
        let served = resources.filter { $0.type.group == group && $0.versions.contains(version) }
        guard !served.isEmpty else { return nil }
        var entries: [JSONValue] = []
        for r in served {
            var main: JSONValue = [
                "name": .string(r.type.plural), "singularName": .string(r.singular), "namespaced": .bool(r.type.namespaced),
                "kind": .string(r.type.kind), "verbs": .array(RegisteredResource.verbs.map { .string($0) }),
            ]
            if !r.shortNames.isEmpty { main["shortNames"] = .array(r.shortNames.map { .string($0) }) }
            if !r.categories.isEmpty { main["categories"] = .array(r.categories.map { .string($0) }) }
            entries.append(main)
            for sub in r.subresources {
                var entry: JSONValue = ["name": .string("\(r.type.plural)/\(sub)"), "singularName": "", "namespaced": .bool(r.type.namespaced),
                                        "kind": .string(r.type.kind), "verbs": ["get", "patch", "update"]]
                if sub == "eviction" {
                    entry["group"] = "policy"
                    entry["version"] = "v1"
                    entry["kind"] = "Eviction"
                    entry["verbs"] = ["create"]
                }
                entries.append(entry)
            }
        }
        let groupVersion = group.isEmpty ? version : "\(group)/\(version)"
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion), "resources": .array(entries)]
    }
}
