import KubeAPI
import Testing
import YAML

private let trickyStrings: [String] = [
    "yes", "no", "on", "Off", "y", "N", "true", "null", "Null", "~", "", " ", "0123", "1e3", "0x1F", "08", "1_000",
    ".inf", "-.inf", ".nan", "1.5", "+1", "-1", "-", "- item", "key: value", "trailing:", "# comment", "a #b", "a#b",
    "<<", "&anchor", "*alias", "!tag", "|", ">", "@at", "`tick", "'single'", "\"double\"", "%percent", "[list]", "{map}",
    " leading", "trailing ", "tab\there", "\ttab", "line1\nline2", "line1\nline2\n", "ends\n\n", "\n", "\nleading newline",
    "  indented\nblock", "a\n  b\n", "back\\slash", "carriage\rreturn", "nul\u{0}byte", "bell\u{7}", "nel\u{85}", "sep\u{2028}",
    "---", "...", "café", "🦔 hedgehog", "2026-04-17", "10.0.0.1", "a: b: c", "?", ":", ",", "=",
]

@Test(arguments: trickyStrings)
func stringsRoundTrip(text: String) throws {
    let value: JSONValue = .object(["k": .string(text), "list": .array([.string(text)]), text: .int(1)])
    let emitted = YAML.emit(value)
    #expect(try YAML.parseSingle(emitted) == value, "emitted:\n\(emitted)")
    #expect(try YAML.parseSingle(YAML.emit(.string(text))) == .string(text))
}

@Test func scalarsAndNestingRoundTrip() throws {
    let value: JSONValue = [
        "null": nil, "bool": true, "int": -42, "big": .int(Int64.max), "double": 2.5, "whole": 1000.0, "tiny": 1e-7,
        "inf": .double(.infinity),
        "nested": ["a": ["b": ["c": [1, [2, [3, ["d": "e"]]], [:], []]]]],
        "items": [["name": "x", "ports": [80, 443], "multi": "a\nb\n"], [], [:], [[1, 2], [3]], nil],
        "emptyObject": [:], "emptyArray": [],
    ]
    let emitted = YAML.emit(value)
    #expect(try YAML.parseSingle(emitted) == value, "emitted:\n\(emitted)")
}

@Test func outputIsDeterministicBlockStyleWithSortedKeys() {
    let value: JSONValue = ["b": 1, "a": ["z": "yes", "p": [1, 2], "y": "single-letter bool word"], "c": "multi\nline"]
    let expected = """
    a:
      p:
      - 1
      - 2
      "y": single-letter bool word
      z: "yes"
    b: 1
    c: |-
      multi
      line

    """
    #expect(YAML.emit(value) == expected)
}

@Test func listsOfObjectsUseCompactForm() {
    let value: JSONValue = ["items": [["name": "a", "v": 1]]]
    #expect(YAML.emit(value) == "items:\n- name: a\n  v: 1\n")
}

@Test func multipleDocumentsRoundTrip() throws {
    let docs: [JSONValue] = [["a": 1], ["b": "0123"], "text"]
    #expect(try YAML.parse(YAML.emit(documents: docs)) == docs)
}

@Test func veryLongKeysRoundTrip() throws {
    let key = String(repeating: "k", count: 1500)
    let value: JSONValue = .object([key: "v"])
    #expect(try YAML.parseSingle(YAML.emit(value)) == value)
}
