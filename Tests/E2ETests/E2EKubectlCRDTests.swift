import Foundation
import HealthModel
import KubeAPI
@testable import OperatorRuntime
import Testing
import TestSupport
import YAML

/// Issue 21 acceptance 4: the GatewayHealth CRD explains itself, is found by Hedgehog's
/// categories, and has `-o wide` columns; checked with the real kubectl against the emulator
/// serving the repository's CRD the way kube-apiserver serves a CRD (discovery with its
/// categories, its schema in the OpenAPI v3 document, server-side Tables with column priorities).
extension E2ETests {
    @Test func kubectlExplainsGatewayHealthFindsItByCategoryAndShowsWideColumns() async throws {
        try await Self.withOperator { world, running in
            let gateways = ["gateway-1", "gateway-2"]
            let settle: () async -> Void = { _ = await eventually(5) { await running.caughtUp(world, gateways: gateways) } }
            try await world.advance(to: 10, settle: settle)
            await Self.expectState(world, "gateway-1", .up)
            guard let explain = try await world.kubectl(["--request-timeout=10s", "explain", "gatewayhealth.status.conditions"]) else {
                missingTool("kubectl not installed: the kubectl CRD test is skipped")
                return
            }
            #expect(explain.status == 0, "\(explain.output)")
            for text in ["KIND:", "GatewayHealth", "FIELD: conditions", "The findings behind the verdict",
                         "lastTransitionTime", "When the status last changed", "True, False or Unknown",
                         "A CamelCase reason for the status"] {
                #expect(explain.output.contains(text), "explain lacks \"\(text)\":\n\(explain.output)")
            }
            // kubectl explain reads the group version's OpenAPI v3 document (kube-apiserver publishes
            // a CRD's schema there), not some emulator-only route.
            let openAPIReads = world.server.requestLog.filter { $0.userAgent.hasPrefix("kubectl") && $0.path.hasPrefix("/openapi/") }.map(\.path)
            #expect(openAPIReads.contains { $0.hasPrefix("/openapi/v3/apis/gatewaymedic.io/v1alpha1") }, "\(openAPIReads)")
            let top = try #require(try await world.kubectl(["--request-timeout=10s", "explain", "gwh"]))
            #expect(top.status == 0 && top.output.contains("gateway-medic's verdict on one Hedgehog gateway")
                    && top.output.contains("Standard object's metadata"), "\(top.output)")

            // Hedgehog's categories list GatewayHealths next to the fabric's gateway objects
            // (kubectl prefixes each name with its kind when it prints several kinds).
            for category in ["hedgehog-gateway", "hedgehog"] {
                let get = try #require(try await world.kubectl(["--request-timeout=10s", "get", category]))
                #expect(get.status == 0, "\(get.output)")
                #expect(get.output.contains("gatewayhealth.gatewaymedic.io/gateway-1"), "kubectl get \(category):\n\(get.output)")
            }
            let own = try #require(try await world.kubectl(["--request-timeout=10s", "get", "gateway-medic"]))
            #expect(own.status == 0 && own.output.contains("STATE") && own.output.contains("gateway-1"), "kubectl get gateway-medic:\n\(own.output)")
            let byGateway = try #require(try await world.kubectl(["--request-timeout=10s", "get", "hedgehog-gateway"]))
            #expect(byGateway.output.contains("gatewayagent.gwint.githedgehog.com/gateway-1"), "\(byGateway.output)")

            // The wide columns are kubectl's to hide: the server's Table carries them with priority 1.
            let narrow = try #require(try await world.kubectl(["--request-timeout=10s", "get", "gatewayhealths"]))
            let wide = try #require(try await world.kubectl(["--request-timeout=10s", "get", "gatewayhealths", "-o", "wide"]))
            #expect(narrow.status == 0 && wide.status == 0, "\(narrow.output)\n\(wide.output)")
            let wideHeader = wide.output.split(separator: "\n").first.map(String.init) ?? ""
            let narrowHeader = narrow.output.split(separator: "\n").first.map(String.init) ?? ""
            for column in ["OBSERVED", "JUDGED", "LAST ACTION", "ACTION AT", "MESSAGE"] {
                #expect(wideHeader.contains(column), "-o wide lacks \(column):\n\(wide.output)")
                #expect(!narrowHeader.contains(column), "\(column) is for -o wide only:\n\(narrow.output)")
            }
            for column in ["STATE", "REASON", "SINCE", "BGP"] { #expect(wideHeader.contains(column) && narrowHeader.contains(column)) }
            #expect(wide.output.contains("heartbeat fresh, configuration applied"), "the message column:\n\(wide.output)")
        }
    }
}

/// The CRD's schema as `kubectl explain` shows it: every field described.
@Suite struct GatewayHealthCRDTests {
    static func crd() throws -> JSONValue {
        let manifest = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("manifests/base/gatewayhealth-crd.yaml")
        return try YAML.parseSingle(try String(contentsOf: manifest, encoding: .utf8), source: manifest.path)
    }

    @Test func everySchemaFieldHasADescription() throws {
        let crd = try Self.crd()
        let version = try #require(crd[path: "spec", "versions"]?.arrayValue?.first)
        let root = try #require(version[path: "schema", "openAPIV3Schema"])
        var nodes: [(path: String, schema: JSONValue)] = [(".", root)]
        var undescribed: [String] = []
        var count = 0
        while let (path, schema) = nodes.popLast() {
            count += 1
            // metadata is ObjectMeta: the API server publishes its description, a CRD may not restrict it.
            if path != ".metadata", (schema["description"]?.stringValue ?? "").isEmpty { undescribed.append(path) }
            for (name, child) in schema["properties"]?.objectValue ?? [:] { nodes.append(("\(path == "." ? "" : path).\(name)", child)) }
            if let items = schema["items"] { nodes.append(("\(path)[]", items)) }
        }
        #expect(count >= 30, "\(count) schema nodes")
        #expect(undescribed.isEmpty, "fields without a description: \(undescribed.sorted())")
    }

    @Test func namesCategoriesAndWideColumns() throws {
        let crd = try Self.crd()
        let names = crd[path: "spec", "names"]
        #expect(names?["shortNames"] == ["gwh"])
        #expect(names?["categories"] == ["hedgehog", "hedgehog-gateway", "gateway-medic"])
        let columns = crd[path: "spec", "versions"]?.arrayValue?.first?["additionalPrinterColumns"]?.arrayValue ?? []
        let wide = columns.filter { $0["priority"]?.intValue == 1 }.compactMap { $0["jsonPath"]?.stringValue }
        #expect(Set(wide) == [".status.message", ".status.observedGeneration", ".status.agentGeneration",
                              ".status.remediation.lastAction.result", ".status.remediation.lastAction.at"])
        for column in columns where column["name"]?.stringValue != "Age" {
            let description = column["description"]?.stringValue ?? ""
            #expect(description.count > 0, "column \(column["name"] ?? .null) has no description")
        }
    }
}
