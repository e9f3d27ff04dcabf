import FabricSimulator
import Foundation
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient
import KubeEmulator
import ViewScanning

/// Watch decoding on one core, over realistic GatewayAgent objects (BGP sessions, VPCs,
/// peerings, counters) that the simulated fabric wrote, sent in 64 KB chunks as a socket
/// delivers them. Two paths: the operator's (LineSplitter → WatchEventDecoder keeping the object
/// unparsed and reading its view with its identity, `GatewayAgentView.watchReader`, falling back
/// to the tree) and the tree's
/// (`JSONValue.parse` → `GatewayAgentView(json:)`, what every object took before). A third,
/// `heartbeat`, is the operator's path as it runs in the steady state: each object is the next
/// heartbeat of a gateway whose cached view is the one read from its previous heartbeat
/// (`GatewayAgentView.watchReader(previous:)`), so what did not change can be taken from it.
struct DecodeResult: Sendable {
    enum Path: String, Sendable { case bytes, tree, heartbeat }
    var path: Path
    /// Events whose view was read from bytes (the rest fell back to the tree).
    var fromBytes: Int
    var events: Int
    var bytes: Int
    var seconds: Double
    var averageEventBytes: Double
    var eventsPerSecond: Double { Double(events) / seconds }
    var megabytesPerSecond: Double { Double(bytes) / seconds / 1_000_000 }
}

enum DecodeBenchmark {
    static func run(events: Int, path: DecodeResult.Path) async throws -> DecodeResult {
        let store = ObjectStore()
        let spec = FabricSpec(gatewayCount: 64, timing: FabricTiming(podSweepInterval: nil), seed: 3)
        let start = Date()
        let simulator = try FabricSimulator(spec: spec, store: EmulatorFabricStore(store: store), startTime: start)
        try await simulator.bootstrap(now: start)
        try await simulator.step(now: start.addingTimeInterval(40))  // every dataplane up, BGP established, counters moving
        func eventLines() throws -> [[UInt8]] {
            try store.list(.gatewayAgents, namespace: spec.fabricNamespace).items.map { agent -> [UInt8] in
                JSONValue.object(["type": .string("MODIFIED"), "object": agent]).serialized() + [UInt8(ascii: "\n")]
            }
        }
        var lines = try eventLines()
        // The heartbeat path: the views of these objects are the cache, and the objects decoded
        // are the same gateways one heartbeat interval later.
        var cache: [String: GatewayAgentView] = [:]
        if path == .heartbeat {
            var reader = WatchEventDecoder(path: "/apis/gateway.githedgehog.com/v1alpha1/gatewayagents")
            reader.defersObjects = true
            reader.objectReader = GatewayAgentView.watchReader
            for line in lines {
                guard case .event(let event) = try reader.decodeTolerant(line.dropLast()[...]),
                      let view = event.unparsed?.view as? GatewayAgentView else {
                    throw BenchError("decoding benchmark: a GatewayAgent not read from bytes")
                }
                cache[view.name] = view
            }
            try await simulator.step(now: start.addingTimeInterval(40 + spec.timing.heartbeatInterval + 1))
            lines = try eventLines()
        }
        let cached = cache
        // One pass over every agent, cut into 64 KB chunks, fed again and again: a long stream
        // without holding it all in memory.
        let pass = lines.flatMap { $0 }
        let chunkSize = 64 << 10
        let chunks = stride(from: 0, to: pass.count, by: chunkSize).map { Array(pass[$0..<min(pass.count, $0 + chunkSize)]) }
        let rounds = max(1, (events + lines.count - 1) / lines.count)
        let total = rounds * lines.count

        // Measured on this thread's CPU clock: one core, whatever else the machine does.
        let cpu0 = ProcessStats.threadCPUSeconds()
        var splitter = LineSplitter()
        var decoder = WatchEventDecoder(path: "/apis/gateway.githedgehog.com/v1alpha1/gatewayagents")
        decoder.defersObjects = path != .tree
        switch path {
        case .bytes: decoder.objectReader = GatewayAgentView.watchReader
        case .heartbeat: decoder.objectReader = GatewayAgentView.watchReader(previous: { _, name in cached[name] })
        case .tree: break
        }
        var decoded = 0, healthy = 0, fromBytes = 0
        for _ in 0..<rounds {
            for chunk in chunks {
                for line in try splitter.append(chunk) {
                    guard case .event(let event) = try decoder.decodeTolerant(line[...]) else { continue }
                    var view: GatewayAgentView?
                    if let unparsed = event.unparsed {
                        view = unparsed.view as? GatewayAgentView ?? GatewayAgentView(bytes: unparsed.bytes)
                        if view != nil { fromBytes += 1 }
                    }
                    let read = view ?? GatewayAgentView(json: event.object)
                    decoded += 1
                    if !read.name.isEmpty { healthy += 1 }
                }
            }
        }
        let seconds = ProcessStats.threadCPUSeconds() - cpu0
        guard decoded == total, healthy == total else {
            throw BenchError("decoding benchmark decoded \(decoded)/\(total) events (\(healthy) with a name)")
        }
        let bytes = pass.count * rounds
        return DecodeResult(path: path, fromBytes: fromBytes, events: decoded, bytes: bytes, seconds: seconds, averageEventBytes: Double(bytes) / Double(decoded))
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
