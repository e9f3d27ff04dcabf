// libFuzzer harness: bytes of a watch response → line splitter (in chunks whose sizes come from
// the input) → watch event decoder → the health model's views and evaluator. Any input must end
// in events or typed errors: a trap, an ASan report, a timeout or memory beyond -rss_limit_mb
// fails the run. Built by scripts/fuzz.sh watch.
import Foundation
import HealthModel
import KubeAPI
import KubeClient

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    // The first byte picks the chunk size, so chunk boundaries fall everywhere in the input.
    let chunkSize = Int(bytes.first ?? 0) % 97 + 1
    let body = bytes.dropFirst()
    var splitter = LineSplitter(maxLineLength: 48 << 10)
    var decoder = WatchEventDecoder(path: "/apis/gwint.githedgehog.com/v1alpha1/gatewayagents")
    var start = body.startIndex
    let now = Date(timeIntervalSince1970: 1_760_000_000)
    while start < body.endIndex {
        let end = min(start + chunkSize, body.endIndex)
        let lines: [ArraySlice<UInt8>]
        do { lines = try splitter.append(Array(body[start..<end])) } catch { break }
        start = end
        for line in lines {
            guard let event = try? decoder.decode(line) else { continue }
            examine(event.object, now: now)
        }
    }
    return 0
}

/// What the operator does with an object of each kind it watches.
func examine(_ object: JSONValue, now: Date) {
    _ = object.serialized()
    switch object["kind"]?.stringValue {
    case "Pod":
        let pod = PodView(json: object)
        _ = HealthEvaluator.evaluate(GatewayInputs(gateway: nil, agent: nil, pods: [pod]), previous: nil, policy: HealthPolicy(), now: now)
    case "Agent":
        let agent = SwitchAgentView(json: object)
        _ = HealthEvaluator.evaluate(GatewayInputs(gateway: nil, agent: nil, switchAgents: [agent]), previous: nil, policy: HealthPolicy(), now: now)
    case "Gateway":
        _ = HealthEvaluator.evaluate(GatewayInputs(gateway: GatewayView(json: object), agent: nil), previous: nil, policy: HealthPolicy(), now: now)
    case "GatewayHealth":
        if let status = object["status"], let previous = Assessment(status: status) {
            _ = HealthEvaluator.evaluate(GatewayInputs(gateway: nil, agent: nil), previous: previous, policy: HealthPolicy(), now: now).statusJSON()
        }
    default:
        let agent = GatewayAgentView(json: object)
        let assessment = HealthEvaluator.evaluate(GatewayInputs(gateway: nil, agent: agent), previous: nil, policy: HealthPolicy(), now: now)
        // The persisted form must read back (the next evaluation starts from it).
        _ = Assessment(status: assessment.statusJSON())
    }
}
