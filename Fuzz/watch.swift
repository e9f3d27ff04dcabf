// libFuzzer harness: bytes of a watch response → line splitter (in chunks whose sizes come from
// the input) → watch event decoder → the health model's views and evaluator. Any input must end
// in events or typed errors: a trap, an ASan report, a timeout or memory beyond -rss_limit_mb
// fails the run. Built by scripts/fuzz.sh watch.
import Foundation
import HealthModel
import KubeAPI
import KubeClient
import ViewScanning

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    // The first byte picks the chunk size, so chunk boundaries fall everywhere in the input.
    let chunkSize = Int(bytes.first ?? 0) % 97 + 1
    let body = bytes.dropFirst()
    // A small limit, so that the oversized-line path (head and tail kept, a stub made of
    // them) is fuzzed as much as the normal one.
    let limit = 2048
    var splitter = LineSplitter(maxLineLength: limit, headLimit: 1024, tailLimit: 64)
    var decoder = WatchEventDecoder(path: "/apis/gwint.githedgehog.com/v1alpha1/gatewayagents")
    var start = body.startIndex
    let now = Date(timeIntervalSince1970: 1_760_000_000)
    while start < body.endIndex {
        let end = min(start + chunkSize, body.endIndex)
        let lines = splitter.split(Array(body[start..<end]))
        start = end
        for line in lines {
            let outcome: WatchEventDecoder.Outcome
            switch line {
            case .complete(let bytes):
                if bytes.count > limit { fatalError("a line over the limit came through whole") }
                checkKeptParse(bytes)
                checkUnparsed(bytes)
                guard let decoded = try? decoder.decodeTolerant(bytes) else { continue }
                outcome = decoded
            case .oversized(let skipped):
                if skipped.length <= limit { fatalError("a line within the limit was called oversized") }
                outcome = decoder.decodeOversized(skipped, limit: limit)
            }
            switch outcome {
            case .event(let event): examine(event.object, now: now)
            case .unreadable(let event, _):
                if UnreadableObject.reason(event.object) == nil { fatalError("a stub without its reason") }
                examine(event.object, now: now)
            case .skipped: break
            }
        }
        if splitter.pendingByteCount > limit + 1024 + 64 { fatalError("the splitter holds more than its limit") }
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

/// A writer's answer parsed for its metadata only must agree with the whole parse whenever that
/// succeeds (skipping is looser than parsing, never stricter).
func checkKeptParse(_ bytes: ArraySlice<UInt8>) {
    guard let whole = try? JSONValue.parse(bytes), case .object = whole else { return }
    guard let kept = try? JSONValue.parse(bytes, keeping: ["metadata"]) else {
        fatalError("a document that parses whole failed to parse for its metadata")
    }
    if kept["metadata"] != whole["metadata"] || (kept.objectValue?.count ?? 0) > 1 {
        fatalError("the kept parse disagrees with the whole parse")
    }
}

/// The last GatewayAgentView the one-pass reader read (a cache for the next input's).
nonisolated(unsafe) var lastAgentView: GatewayAgentView?
/// The same for switch Agents.
nonisolated(unsafe) var lastLeafView: SwitchAgentView?

/// A line kept unparsed (the watch's fast path) must parse, to the object and identity the
/// whole decode gives, and a view read from its bytes must equal the view read from the tree.
func checkUnparsed(_ line: ArraySlice<UInt8>) {
    let alone = WatchEvent.Unparsed.scan(line: line)
    // The watch's one pass (identity and view together) finds what the scan alone finds, and
    // carries the view the byte reader reads.
    let agent = WatchEvent.Unparsed.scan(line: line, reader: GatewayAgentView.watchReader)
    let leaf = WatchEvent.Unparsed.scan(line: line, reader: SwitchAgentView.watchReader)
    for read in [agent, leaf] where read?.0 != alone?.0 || read?.1 != alone?.1 {
        fatalError("the one-pass scan disagrees with the scan alone")
    }
    if let agent, agent.1.view as? GatewayAgentView != GatewayAgentView(bytes: agent.1.bytes) {
        fatalError("the one-pass GatewayAgentView differs from the byte reader's")
    }
    if let leaf, leaf.1.view as? SwitchAgentView != SwitchAgentView(bytes: leaf.1.bytes) {
        fatalError("the one-pass SwitchAgentView differs from the byte reader's")
    }
    // With a cached view (`watchReader(previous:)`): the one read from these bytes (its spec
    // is taken, not read; its status values compared in place) or the last input's (whatever
    // of it the bytes give again) changes nothing in the view, nor whether there is one.
    let view = agent?.1.view as? GatewayAgentView
    for cached in [view, lastAgentView] {
        guard let cached else { continue }
        let read = WatchEvent.Unparsed.scan(line: line, reader: GatewayAgentView.watchReader(previous: { _, _ in cached }))
        if read?.1.view as? GatewayAgentView != view { fatalError("a view read beside a cached view differs from the one read without") }
        if let read = read?.1.view as? GatewayAgentView, read.specDigest != view?.specDigest || read.specLength != view?.specLength {
            fatalError("a view read beside a cached view has another spec digest")
        }
    }
    if let view { lastAgentView = view }
    // The same for a switch Agent: its sessions read beside the cached view's.
    let leafView = leaf?.1.view as? SwitchAgentView
    for cached in [leafView, lastLeafView] {
        guard let cached else { continue }
        let read = WatchEvent.Unparsed.scan(line: line, reader: SwitchAgentView.watchReader(previous: { _, _ in cached }))
        if read?.1.view as? SwitchAgentView != leafView { fatalError("a leaf read beside a cached view differs from the one read without") }
    }
    if let leafView { lastLeafView = leafView }
    guard let (type, unparsed) = alone else { return }
    var whole = WatchEventDecoder(path: "/fuzz")
    guard case .event(let event)? = try? whole.decodeTolerant(line) else { fatalError("a line kept unparsed does not decode") }
    guard let object = try? JSONValue.parse(unparsed.bytes) else { fatalError("kept bytes that do not parse") }
    if object != event.object || type != event.type { fatalError("kept bytes that parse to another event") }
    if unparsed.name != object[path: "metadata", "name"]?.stringValue
        || unparsed.namespace != object[path: "metadata", "namespace"]?.stringValue
        || unparsed.resourceVersion != object[path: "metadata", "resourceVersion"]?.stringValue {
        fatalError("the identity read from the bytes is not the object's")
    }
    if let fast = GatewayAgentView(bytes: unparsed.bytes), fast != GatewayAgentView(json: object) {
        fatalError("GatewayAgentView from bytes differs from the tree's")
    }
    if let fast = SwitchAgentView(bytes: unparsed.bytes), fast != SwitchAgentView(json: object) {
        fatalError("SwitchAgentView from bytes differs from the tree's")
    }
}
