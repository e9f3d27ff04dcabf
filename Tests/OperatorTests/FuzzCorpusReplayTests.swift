import Foundation
import HealthModel
import KubeAPI
import KubeClient
import Testing
import YAML

/// The fuzzers' committed seed corpora (Fuzz/corpus/<target>/), replayed through the same paths
/// as the harnesses in Fuzz/, so a regression shows in `swift test` as well as in
/// `scripts/fuzz.sh`. A crashing input found by a fuzzer is added to the corpus and stays here.
@Suite struct FuzzCorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")

    static func seeds(_ target: String) -> [String] {
        let folder = corpus.appendingPathComponent(target)
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    static func bytes(_ target: String, _ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: corpus.appendingPathComponent(target).appendingPathComponent(name)))
    }

    @Test func everyCorpusHasAtLeastADozenSeeds() {
        for target in ["watch", "yaml", "kubeconfig"] {
            #expect(Self.seeds(target).count >= 12, "Fuzz/corpus/\(target)")
        }
    }

    /// Lines → tolerant decoder → views and evaluator: every line ends as an event, a stub with
    /// its reason, a skip or a typed error.
    @Test(arguments: seeds("watch"))
    func watchSeed(_ name: String) throws {
        let data = try Self.bytes("watch", name)
        var splitter = LineSplitter(maxLineLength: 2048, headLimit: 1024, tailLimit: 64)
        var decoder = WatchEventDecoder(path: "/apis/gwint.githedgehog.com/v1alpha1/gatewayagents")
        var outcomes: [String] = []
        for line in splitter.split(Array(data.dropFirst())) {
            do {
                let outcome = switch line {
                case .complete(let bytes): try decoder.decodeTolerant(bytes)
                case .oversized(let skipped): decoder.decodeOversized(skipped, limit: 2048)
                }
                switch outcome {
                case .event(let event):
                    outcomes.append("event")
                    Self.evaluate(event.object)
                case .unreadable(let event, let problem):
                    outcomes.append("unreadable")
                    #expect(!problem.isEmpty)
                    #expect(GatewayAgentView(json: event.object).unreadable == problem)
                    Self.evaluate(event.object)
                case .skipped: outcomes.append("skipped")
                }
            } catch {
                outcomes.append("error")
            }
        }
        #expect(!outcomes.isEmpty || data.count <= 1, "\(name) produced nothing")
        switch name {
        case "agent-added", "deep-nesting", "agent-wrong-types", "invalid-utf8", "escapes-surrogates": #expect(outcomes == ["event"])
        case "error-gone", "error-forbidden": #expect(outcomes == ["error"])
        case "garbage-lines": #expect(outcomes.allSatisfy { $0 == "skipped" })
        default: break
        }
    }

    static func evaluate(_ object: JSONValue) {
        let agent = GatewayAgentView(json: object)
        let now = Date(timeIntervalSince1970: 1_776_445_200)
        let assessment = HealthEvaluator.evaluate(GatewayInputs(gateway: nil, agent: agent), previous: nil, policy: HealthPolicy(), now: now)
        #expect(Assessment(status: assessment.statusJSON()) != nil, "the persisted form reads back")
        if object["kind"]?.stringValue == "GatewayAgent", agent.unreadable == nil, object[path: "status", "lastAppliedGen"]?.stringValue != nil {
            #expect(!agent.problems.isEmpty, "a wrong type is reported as a problem")
        }
    }

    /// Parses or throws a YAMLError; what parses, emits and reads back unchanged.
    @Test(arguments: seeds("yaml"))
    func yamlSeed(_ name: String) throws {
        let text = String(decoding: try Self.bytes("yaml", name), as: UTF8.self)
        do {
            let documents = try YAML.parse(text, source: name, limits: YAMLLimits(maxDepth: 512, maxNodes: 200_000))
            // Compared as emitted text: NaN is not equal to itself as a value.
            let emitted = YAML.emit(documents: documents)
            let again = try YAML.parse(emitted, source: "emitted")
            #expect(YAML.emit(documents: again) == emitted, "\(name) round trip")
        } catch {
            #expect(!error.problem.isEmpty)
            let expectedToFail = ["alias-bomb", "duplicate-keys", "complex-keys", "unknown-alias", "tabs-and-errors", "merge-not-mapping"]
            #expect(expectedToFail.contains { name.hasPrefix($0) }, "\(name) failed: \(error)")
        }
    }

    /// Gives a config or a KubeConfigError naming the field; no network, no plugin run.
    @Test(arguments: seeds("kubeconfig"))
    func kubeconfigSeed(_ name: String) throws {
        let text = String(decoding: try Self.bytes("kubeconfig", name), as: UTF8.self)
        do {
            let config = try KubeConfigLoader.load(yaml: text, origin: "/nonexistent-gateway-medic-fuzz/\(name)", environment: [:])
            #expect(config.server.hasPrefix("http"))
            #expect(["token.yaml", "exec.yaml", "client-cert.yaml", "anchors.yaml"].contains(name), "\(name) loaded")
        } catch {
            #expect(!error.description.isEmpty)
            #expect(!error.description.contains("0123-fake-token"), "no secret in errors")
        }
    }
}
