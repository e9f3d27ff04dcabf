import Foundation
import KubeAPI
import Testing
@testable import KubeClient

/// Bad input at the client's edge: oversized and malformed watch lines, truncated JSON,
/// oversized list items. Each ends in an event, a stub with a reason, or a skip — never a crash,
/// never an unbounded buffer.
@Suite struct BadInputTests {
    // MARK: The splitter's bound

    @Test func fiftyMebibyteLineIsSkippedWithBoundedMemory() {
        var splitter = LineSplitter(maxLineLength: 16 << 20)
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        var peak = 0
        var lines: [LineSplitter.Line] = splitter.split(Array(#"{"type":"MODIFIED","object":{"metadata":{"name":"big"},"blob":""#.utf8))
        for _ in 0..<50 {
            lines += splitter.split(chunk)
            peak = max(peak, splitter.pendingByteCount)
        }
        lines += splitter.split(Array("\"}}\n{\"after\":1}\n".utf8))
        #expect(peak <= 16 << 20, "never more than the limit held (peak \(peak))")
        #expect(splitter.pendingByteCount == 0)
        guard lines.count == 2, case .oversized(let skipped) = lines[0], case .complete(let after) = lines[1] else {
            Issue.record("expected an oversized line then a complete one, got \(lines.count) lines")
            return
        }
        #expect(skipped.length > 50 << 20)
        #expect(skipped.head.count == 64 << 10)
        #expect(String(decoding: skipped.tail.suffix(3), as: UTF8.self) == "\"}}")
        #expect(Array(after) == Array("{\"after\":1}".utf8))
    }

    @Test func oversizedLineWithinOneChunkAndCarriageReturn() {
        var splitter = LineSplitter(maxLineLength: 8, headLimit: 4, tailLimit: 3)
        let lines = splitter.split(Array("short\r\n0123456789abc\r\nok\n".utf8))
        #expect(lines == [
            .complete(Array("short".utf8)[...]),
            .oversized(.init(length: 13, head: Array("0123".utf8), tail: Array("abc".utf8))),
            .complete(Array("ok".utf8)[...]),
        ])
    }

    // MARK: Truncated JSON

    @Test(arguments: [
        (#"{"a":1,"b":{"c":"x","d":[1,2"#, #"{"a":1,"b":{"c":"x","d":[1]}}"#),
        (#"{"a":"unterminated"#, #"{}"#),
        (#"{"a":{"b":"#, #"{"a":{}}"#),
        (#"[{"k":"v"},{"k2""#, #"[{"k":"v"},{}]"#),
        (#"{"s":"a\"b","n":12"#, #"{"s":"a\"b"}"#),
    ])
    func truncatedPrefixKeepsOnlyCompleteValues(_ input: String, _ expected: String) throws {
        #expect(TruncatedJSON.parsePrefix(Array(input.utf8)) == (try JSONValue.parse(expected)))
    }

    @Test func truncatedPrefixOfNothingUsable() {
        #expect(TruncatedJSON.parsePrefix(Array("".utf8)) == nil)
        #expect(TruncatedJSON.parsePrefix(Array("\"abc".utf8)) == nil)
        #expect(TruncatedJSON.parsePrefix(Array(String(repeating: "[", count: 5000).utf8)) != nil)
    }

    // MARK: The tolerant decoder

    @Test func deepNestingIsDroppedAndTheObjectMarked() throws {
        var decoder = WatchEventDecoder(path: "/apis/x")
        let line = #"{"type":"MODIFIED","object":{"kind":"GatewayAgent","metadata":{"name":"gw-3","namespace":"default","resourceVersion":"41"},"status":{"agentVersion":"v1","deep":"#
            + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}}}"
        guard case .event(let event) = try decoder.decodeTolerant(Array(line.utf8)[...]) else {
            Issue.record("expected the event, read in part")
            return
        }
        #expect(event.object[path: "metadata", "name"]?.stringValue == "gw-3")
        #expect(event.object[path: "status", "agentVersion"]?.stringValue == "v1", "the rest of the object is kept")
        #expect(UnreadableObject.containsDroppedValue(event.object))
        #expect(UnreadableObject.partialReason(event.object)?.contains("nested deeper than \(JSONValue.maximumDepth)") == true)
        #expect(decoder.lastResourceVersion == "41", "the resume point moves past the event")
    }

    @Test func notJSONButIdentifiableBecomesAStub() throws {
        var decoder = WatchEventDecoder(path: "/apis/x")
        let line = #"{"type":"MODIFIED","object":{"kind":"GatewayAgent","metadata":{"name":"gw-3","resourceVersion":"42"},"status":{"x":tru}}}"#
        guard case .unreadable(let event, let problem) = try decoder.decodeTolerant(Array(line.utf8)[...]) else {
            Issue.record("expected a stub")
            return
        }
        #expect(problem.contains("not valid JSON"))
        #expect(event.object[path: "metadata", "name"]?.stringValue == "gw-3")
        #expect(UnreadableObject.reason(event.object) == problem)
        #expect(decoder.lastResourceVersion == "42")
    }

    @Test func droppingDeepValuesKeepsScalarsAtTheLimitAndFailsOnBrokenInput() throws {
        let atLimit = String(repeating: "[", count: JSONValue.maximumDepth) + "1" + String(repeating: "]", count: JSONValue.maximumDepth)
        let (_, dropped) = try JSONValue.parseDroppingDeepValues(Array(atLimit.utf8))
        #expect(dropped == 0)
        #expect(throws: JSONParseError.self) { _ = try JSONValue.parse(atLimit) }
        let broken = "[" + String(repeating: "[", count: 300) + "\"]"
        #expect(throws: JSONParseError.self) { _ = try JSONValue.parseDroppingDeepValues(Array(broken.utf8)) }
    }

    @Test func unattributableLinesAreSkippedAndErrorEventsStillThrow() throws {
        var decoder = WatchEventDecoder(path: "/apis/x", resourceVersion: "5")
        for line in ["{oops}", "[1,2]", #"{"type":"ADDED"}"#, #"{"type":"ADDED","object":{"metadata":{}}"#, "\u{FF}"] {
            guard case .skipped = try decoder.decodeTolerant(Array(line.utf8)[...]) else {
                Issue.record("\(line) should be skipped")
                continue
            }
        }
        #expect(decoder.lastResourceVersion == "5")
        let gone = #"{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}}"#
        #expect(throws: KubeError.self) { _ = try decoder.decodeTolerant(Array(gone.utf8)[...]) }
    }

    @Test func invalidUTF8IsRepairedNotRejected() throws {
        var decoder = WatchEventDecoder(path: "/apis/x")
        let line: [UInt8] = Array(#"{"type":"ADDED","object":{"metadata":{"name":"gw-1"},"status":{"agentVersion":"v1."#.utf8)
            + [0xC3, 0x28, 0xFF] + Array(#""}}}"#.utf8)
        guard case .event(let event) = try decoder.decodeTolerant(line[...]) else {
            Issue.record("expected an event")
            return
        }
        #expect(event.object[path: "status", "agentVersion"]?.stringValue == "v1.\u{FFFD}(\u{FFFD}")
    }

    @Test func oversizedEventTypeFromTheTailWhenKeysAreSorted() {
        #expect(WatchEventDecoder.trailingType(Array(#"xx"}},"type":"DELETED"}"#.utf8)) == "DELETED")
        #expect(WatchEventDecoder.trailingType(Array(#"xx"}},"type":"DELETED"},"more":1}"#.utf8)) == nil)
        var decoder = WatchEventDecoder(path: "/apis/x")
        let skipped = LineSplitter.OversizedLine(length: 99_999_999, head: Array(#"{"object":{"metadata":{"name":"a"#.utf8),
                                                 tail: Array(#","type":"ADDED"}"#.utf8))
        guard case .skipped(let problem) = decoder.decodeOversized(skipped, limit: 10) else {
            Issue.record("a name cut in the middle is not guessed")
            return
        }
        #expect(problem.contains("name could not be told"))
    }

    // MARK: Kubeconfig

    @Test func referencedFileIsReadWithABound() {
        let text = """
        current-context: c
        clusters:
        - name: c
          cluster: {server: https://127.0.0.1:6443, certificate-authority: /dev/zero}
        contexts:
        - name: c
          context: {cluster: c}
        """
        #expect {
            _ = try KubeConfigLoader.load(yaml: text, origin: "/tmp/kubeconfig", environment: [:])
        } throws: { error in
            "\(error)".contains("larger than 8 MiB") && "\(error)".contains("certificate-authority")
        }
    }

    // MARK: List items

    @Test func oversizedListItemBecomesAStub() throws {
        var options = ClientOptions()
        options.maxObjectBytes = 4096
        let client = try KubeClient(config: ClusterConfig(server: "https://127.0.0.1:1"), options: options)
        defer { client.shutdown() }
        let small: JSONValue = ["metadata": ["name": "small", "resourceVersion": "1"], "status": ["x": 1]]
        let big: JSONValue = ["metadata": ["name": "big", "resourceVersion": "2", "uid": "u-2"],
                              "status": ["blob": .string(String(repeating: "y", count: 10_000))]]
        let items = client.stubOversizedItems([small, big], path: "/x")
        #expect(items[0] == small)
        #expect(items[1]["status"] == nil)
        #expect(items[1][path: "metadata", "uid"]?.stringValue == "u-2")
        #expect(UnreadableObject.reason(items[1])?.contains("4096-byte limit") == true)
    }
}
