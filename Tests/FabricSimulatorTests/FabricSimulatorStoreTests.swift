@testable import FabricSimulator
import Foundation
import HedgehogResources
import KubeAPI
import KubeEmulator
import Testing

@Suite("FabricSimulator store and schedule")
struct FabricSimulatorStoreTests {
    let agent: JSONValue = [
        "metadata": ["name": "gateway-1", "namespace": "default"],
        "spec": ["config": ["fabricBFD": false]],
    ]

    @Test func createSetsServerFieldsAndRefusesDuplicates() async throws {
        let store = InMemoryFabricStore()
        let stored = try await store.create(.gatewayAgents, agent)
        #expect(stored[path: "metadata", "generation"] == 1)
        #expect(stored[path: "metadata", "uid"]?.stringValue?.isEmpty == false)
        #expect(stored[path: "metadata", "resourceVersion"]?.stringValue != nil)
        #expect(stored["kind"] == "GatewayAgent")
        await #expect(throws: FabricStoreError.alreadyExists(resource: "gatewayagents", namespace: "default", name: "gateway-1")) {
            _ = try await store.create(.gatewayAgents, agent)
        }
        await #expect(throws: FabricStoreError.self) {
            _ = try await store.create(.gatewayAgents, ["metadata": ["name": "x"]])  // no namespace
        }
    }

    @Test func generationMovesOnlyWithSpecAndStatusOnlyThroughItsOwnCall() async throws {
        let store = InMemoryFabricStore()
        var object = try await store.create(.gatewayAgents, agent)
        object = try await store.updateStatus(.gatewayAgents, namespace: "default", name: "gateway-1", status: ["lastAppliedGen": 1])
        #expect(object[path: "metadata", "generation"] == 1)
        object["metadata"]?["labels"] = ["a": "b"]
        object["status"] = ["lastAppliedGen": 99]
        object = try await store.update(.gatewayAgents, object)
        #expect(object[path: "metadata", "generation"] == 1)
        #expect(object[path: "status", "lastAppliedGen"] == 1)
        object["spec"] = ["config": ["fabricBFD": true]]
        let stale = object
        object = try await store.update(.gatewayAgents, object)
        #expect(object[path: "metadata", "generation"] == 2)
        await #expect(throws: FabricStoreError.self) { _ = try await store.update(.gatewayAgents, stale) }
        try await store.delete(.gatewayAgents, namespace: "default", name: "gateway-1")
        #expect(try await store.get(.gatewayAgents, namespace: "default", name: "gateway-1") == nil)
        #expect(await store.writes().map(\.verb) == [.create, .updateStatus, .update, .update, .delete])
    }
}
