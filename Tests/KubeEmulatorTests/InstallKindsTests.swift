import Foundation
import KubeAPI
import Testing
@testable import KubeEmulator

/// What an install (`helm install`, `kubectl apply -k`) needs from the API server: the built-in
/// kinds the chart creates, CRDs that become Established, and protobuf bodies for built-in kinds
/// (client-go's typed clients send them: Helm's release Secret, kubectl's `create secret`).
@Suite struct InstallKindsTests {
    let store = ObjectStore(configuration: { var c = EmulatorConfiguration(); c.registerFabricResources = false; return c }())

    static func type(_ group: String, _ version: String, _ kind: String, _ plural: String, namespaced: Bool = true) -> ResourceType {
        ResourceType(group: group, version: version, kind: kind, plural: plural, namespaced: namespaced)
    }
    static let secrets = type("", "v1", "Secret", "secrets")
    static let deployments = type("apps", "v1", "Deployment", "deployments")
    static let clusterRoles = type("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", namespaced: false)

    /// Discovery lists each kind a chart creates, in its group and with its scope.
    @Test func discoveryServesTheKindsAnInstallCreates() throws {
        let expected: [(String, String, String, Bool)] = [
            ("", "v1", "secrets", true), ("", "v1", "serviceaccounts", true), ("", "v1", "services", true),
            ("", "v1", "configmaps", true), ("", "v1", "namespaces", false), ("apps", "v1", "deployments", true),
            ("policy", "v1", "poddisruptionbudgets", true), ("rbac.authorization.k8s.io", "v1", "roles", true),
            ("rbac.authorization.k8s.io", "v1", "rolebindings", true), ("rbac.authorization.k8s.io", "v1", "clusterroles", false),
            ("rbac.authorization.k8s.io", "v1", "clusterrolebindings", false),
            ("apiextensions.k8s.io", "v1", "customresourcedefinitions", false),
        ]
        let resources = store.resources
        for (group, version, plural, namespaced) in expected {
            let list = Discovery.resourceList(resources, group: group, version: version)?["resources"]?.arrayValue ?? []
            let entry = list.first { $0["name"]?.stringValue == plural }
            #expect(entry?["namespaced"]?.boolValue == namespaced, "\(group)/\(version) \(plural): \(String(describing: entry))")
        }
        let groups = (Discovery.groups(resources)["groups"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        #expect(Set(["apps", "policy", "rbac.authorization.k8s.io"]).isSubset(of: groups))
    }

    /// A Deployment's status is the server's (empty on create, kept by a PUT of the object); a
    /// ClusterRole is cluster-scoped: a namespace in its body is dropped, as kube-apiserver does.
    @Test func builtInKindsKeepTheServersMetadataRules() throws {
        let created = try store.create(Self.deployments, [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "op", "namespace": "ops"],
            "spec": ["replicas": 2], "status": ["readyReplicas": 2],
        ])
        #expect(created[path: "metadata", "generation"] == .int(1))
        #expect(created["status"] == nil, "status cannot be set by create")
        var changed = created
        changed["spec"] = ["replicas": 3]
        let updated = try store.update(Self.deployments, changed)
        #expect(updated[path: "metadata", "generation"] == .int(2))
        let role = try store.create(Self.clusterRoles, ["metadata": ["name": "reader", "namespace": "ops"], "rules": []])
        #expect(role[path: "metadata", "namespace"] == nil)
        #expect(try store.get(Self.clusterRoles, name: "reader")["rules"] == .array([]))
    }

    /// A CRD is Established with its names accepted as soon as it is stored (what `helm install`
    /// waits for after creating the chart's crds/), and stays so across an update.
    @Test func crdBecomesEstablished() throws {
        let crd: JSONValue = [
            "metadata": ["name": "widgets.example.com"],
            "spec": ["group": "example.com", "scope": "Namespaced", "names": ["plural": "widgets", "kind": "Widget"],
                     "versions": [["name": "v1", "served": true, "storage": true]]],
            "status": ["conditions": [["type": "Established", "status": "False"]]],
        ]
        let created = try store.create(.customResourceDefinitions, crd)
        let conditions = created[path: "status", "conditions"]?.arrayValue ?? []
        let statuses = Dictionary(uniqueKeysWithValues: conditions.compactMap { c in
            c["type"]?.stringValue.map { ($0, c["status"]?.stringValue ?? "") }
        })
        #expect(statuses == ["Established": "True", "NamesAccepted": "True"])
        #expect(created[path: "status", "acceptedNames", "kind"] == "Widget")
        #expect(created[path: "status", "acceptedNames", "listKind"] == "WidgetList")
        #expect(created[path: "status", "storedVersions"] == ["v1"])
        var changed = created
        changed["spec"]?["names"]?["shortNames"] = ["wd"]
        let updated = try store.update(.customResourceDefinitions, changed)
        #expect(updated[path: "status", "acceptedNames", "shortNames"] == ["wd"])
        #expect(updated[path: "status", "conditions"] == created[path: "status", "conditions"])
    }

    // MARK: Protobuf bodies

    /// Protobuf's wire format, for building test bodies.
    static func field(_ number: Int, _ bytes: [UInt8]) -> [UInt8] { varint(UInt64(number << 3 | 2)) + varint(UInt64(bytes.count)) + bytes }
    static func field(_ number: Int, _ text: String) -> [UInt8] { field(number, Array(text.utf8)) }
    static func field(_ number: Int, varint value: UInt64) -> [UInt8] { varint(UInt64(number << 3)) + varint(value) }
    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value, out: [UInt8] = []
        repeat {
            out.append(UInt8(v & 0x7f) | (v > 0x7f ? 0x80 : 0))
            v >>= 7
        } while v > 0
        return out
    }
    static func entry(_ number: Int, _ key: String, _ value: [UInt8]) -> [UInt8] { field(number, field(1, key) + field(2, value)) }

    /// `runtime.Unknown` around an object, as client-go writes it.
    static func envelope(apiVersion: String, kind: String, raw: [UInt8]) -> [UInt8] {
        ProtobufBodies.magic + field(1, field(1, apiVersion) + field(2, kind)) + field(2, raw) + field(3, "") + field(4, "")
    }

    /// A Secret as Go's generated encoder writes Helm's release record: every ObjectMeta scalar,
    /// empty or not, an empty creationTimestamp, labels, binary data and the type.
    static func releaseSecret(extraMeta: [UInt8] = []) -> [UInt8] {
        let meta = field(1, "sh.helm.release.v1.demo.v1") + field(2, "") + field(3, "") + field(4, "") + field(5, "") + field(6, "")
            + field(7, varint: 0) + field(8, [UInt8]()) + entry(11, "owner", Array("helm".utf8)) + entry(11, "status", Array("deployed".utf8))
            + extraMeta
        let raw = field(1, meta) + entry(2, "release", [0x1f, 0x8b, 0x00, 0xff]) + field(3, "helm.sh/release.v1")
        return envelope(apiVersion: "v1", kind: "Secret", raw: raw)
    }

    @Test func protobufSecretDecodesToItsJSON() throws {
        let secrets = try #require(store.resource(group: "", version: "v1", plural: "secrets"))
        let object = try ProtobufBodies.decode(Self.releaseSecret(), for: secrets)
        #expect(object == [
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": "sh.helm.release.v1.demo.v1", "labels": ["owner": "helm", "status": "deployed"]],
            "data": ["release": .string(Data([0x1f, 0x8b, 0x00, 0xff]).base64EncodedString())],
            "type": "helm.sh/release.v1",
        ])
    }

    /// A typed client's DELETE body (Helm deleting its release record): its preconditions are
    /// kept, so a stale uid still gets the 409 a JSON body would get.
    @Test func protobufDeleteOptionsKeepTheirPreconditions() throws {
        let raw = Self.field(2, Self.field(1, "uid-1") + Self.field(2, "7")) + Self.field(4, "Background") + Self.field(1, varint: 0)
        let options = try ProtobufBodies.deleteOptions(Self.envelope(apiVersion: "meta.k8s.io/v1", kind: "DeleteOptions", raw: Array(raw)))
        #expect(options == ["preconditions": ["uid": "uid-1", "resourceVersion": "7"], "propagationPolicy": "Background",
                            "gracePeriodSeconds": 0])
        do { _ = try ProtobufBodies.deleteOptions(Self.envelope(apiVersion: "meta.k8s.io/v1", kind: "DeleteOptions", raw: Self.field(9, "x"))) } catch {
            #expect(error.code == 415)
        }
    }

    /// What the emulator cannot decode is refused with the status kube-apiserver uses for an
    /// unreadable body (415, or 400 for a broken one), never stored with a field dropped.
    @Test func protobufItCannotDecodeIsRefused() throws {
        let secrets = try #require(store.resource(group: "", version: "v1", plural: "secrets"))
        let withOwner = Self.releaseSecret(extraMeta: Self.field(13, Self.field(1, "v1")))  // ownerReferences
        #expect(throws: Status.self) { try ProtobufBodies.decode(withOwner, for: secrets) }
        do { _ = try ProtobufBodies.decode(withOwner, for: secrets) } catch { #expect(error.code == 415 && (error.message ?? "").contains("field 13 of ObjectMeta")) }
        let deployments = try #require(store.resource(group: "apps", version: "v1", plural: "deployments"))
        do { _ = try ProtobufBodies.decode(Self.releaseSecret(), for: deployments) } catch { #expect(error.code == 415) }
        let truncated = Array(Self.releaseSecret().dropLast(3))
        do { _ = try ProtobufBodies.decode(truncated, for: secrets); Issue.record("a truncated body was accepted") } catch {
            #expect(error.code == 400, "\(error.message ?? "")")
        }
        do { _ = try ProtobufBodies.decode(Array("{}".utf8), for: secrets); Issue.record("JSON sent as protobuf was accepted") } catch {
            #expect(error.code == 400)
        }
    }
}
