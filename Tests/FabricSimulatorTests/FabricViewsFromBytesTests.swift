import FabricSimulator
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeEmulator
import Testing
import ViewScanning

/// The watch's fast path serves the objects the fabric writes: every GatewayAgent and switch
/// Agent of a running simulated fabric is read from its watch line's bytes, to the same view as
/// through the tree (otherwise the operator would quietly pay for the tree on every heartbeat).
@Suite("Fabric objects read from bytes")
struct FabricViewsFromBytesTests {
    @Test func everyAgentOfARunningFabricIsReadFromBytes() async throws {
        let store = ObjectStore()
        let spec = FabricSpec(gatewayCount: 8, timing: FabricTiming(podSweepInterval: nil), seed: 3)
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        let simulator = try FabricSimulator(spec: spec, store: EmulatorFabricStore(store: store), startTime: start)
        try await simulator.bootstrap(now: start)
        try await simulator.step(now: start.addingTimeInterval(40))
        let agents = try store.list(.gatewayAgents, namespace: spec.fabricNamespace).items
        let leaves = try store.list(.switchAgents, namespace: spec.fabricNamespace).items
        #expect(agents.count == 8)
        #expect(!leaves.isEmpty)
        for (objects, isGateway) in [(agents, true), (leaves, false)] {
            for object in objects {
                let line = ArraySlice(JSONValue.object(["type": "MODIFIED", "object": object]).serialized())
                let (type, unparsed) = try #require(WatchEvent.Unparsed.scan(line: line))
                #expect(type == .modified)
                #expect(unparsed.resourceVersion == object[path: "metadata", "resourceVersion"]?.stringValue)
                // The watch's one pass (identity and view together) answers for it too.
                let reader = isGateway ? GatewayAgentView.watchReader : SwitchAgentView.watchReader
                let read = try #require(WatchEvent.Unparsed.scan(line: line, reader: reader)).1
                #expect(read == unparsed)
                if isGateway {
                    let view = try #require(GatewayAgentView(bytes: unparsed.bytes), "\(object.jsonString)")
                    #expect(view == GatewayAgentView(json: object))
                    #expect(read.view as? GatewayAgentView == view)
                } else {
                    let view = try #require(SwitchAgentView(bytes: unparsed.bytes), "\(object.jsonString)")
                    #expect(view == SwitchAgentView(json: object))
                    #expect(read.view as? SwitchAgentView == view)
                }
            }
        }
    }
}
