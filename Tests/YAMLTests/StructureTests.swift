import KubeAPI
import Testing
import YAML

@Test func multiDocumentStreamsSkipEmptyDocuments() throws {
    let text = """
    ---
    # only a comment
    ---
    a: 1
    ---
    ---
    - x
    - z
    ...
    ---
    plain
    """
    let docs = try YAML.parse(text)
    #expect(docs == [["a": 1], ["x", "z"], "plain"])
}

@Test func anEmptyStreamHasNoDocuments() throws {
    #expect(try YAML.parse("") == [])
    #expect(try YAML.parse("# nothing\n") == [])
    #expect(try YAML.parseSingle("") == .null)
}

@Test func parseSingleRefusesSeveralDocuments() {
    do {
        _ = try YAML.parseSingle("a: 1\n---\nb: 2\n", source: "two.yaml")
        Issue.record("expected an error")
    } catch {
        #expect(error.kind == .multipleDocuments)
        #expect(error.line == 3)
    }
}

@Test func anchorsAndAliases() throws {
    let v = try YAML.parseSingle("""
    base: &b {x: 1, w: [1, 2]}
    copy: *b
    name: &n hello
    again: *n
    """)
    #expect(v["copy"] == ["x": 1, "w": [1, 2]])
    #expect(v["again"] == "hello")
}

@Test func anchorsDoNotCrossDocuments() {
    do {
        _ = try YAML.parse("a: &x 1\n---\nb: *x\n")
        Issue.record("expected an error")
    } catch {
        #expect(error.kind == .unknownAnchor)
        #expect(error.line == 3)
    }
}

@Test func anAliasToItsOwnAncestorIsRefused() {
    #expect(throws: YAMLError.self) { try YAML.parse("a: &x [1, *x]\n") }
}

@Test func mergeKeys() throws {
    let v = try YAML.parseSingle("""
    defaults: &d {a: 1, b: 2}
    extra: &e {b: 20, c: 30}
    one:
      <<: *d
      b: 3
    list:
      <<: [*e, *d]
      z: 0
    inline:
      b: 9
      <<: {a: 7, b: 8}
    quoted:
      "<<": literal
    """)
    #expect(v["one"] == ["a": 1, "b": 3])
    // Explicit keys win; among merged mappings the first wins.
    #expect(v["list"] == ["a": 1, "b": 20, "c": 30, "z": 0])
    #expect(v["inline"] == ["a": 7, "b": 9])
    #expect(v["quoted"] == ["<<": "literal"])
}

@Test func mergeOfAScalarIsRefused() {
    do {
        _ = try YAML.parse("a: &s text\nb:\n  <<: *s\n")
        Issue.record("expected an error")
    } catch {
        #expect(error.kind == .invalidMerge)
        #expect(error.line == 3)
    }
}

@Test func duplicateKeysAreRefused() {
    do {
        _ = try YAML.parse("metadata:\n  name: a\n  name: b\n", source: "dup.yaml")
        Issue.record("expected an error")
    } catch {
        #expect(error.kind == .duplicateKey)
        #expect(error.line == 3)
        #expect(error.column == 3)
        #expect(error.description.contains("dup.yaml:3:3"))
        #expect(error.description.contains("name"))
    }
    // Keys that resolve to the same string collide too.
    #expect(throws: YAMLError.self) { try YAML.parse("true: a\nyes: b\n") }
}

@Test func collectionKeysAreRefused() {
    #expect(throws: YAMLError.self) { try YAML.parse("? [a, b]\n: c\n") }
}

@Test func billionLaughsIsRefused() {
    var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in 1...9 {
        let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
        text += "a\(i): &a\(i) [\(refs)]\n"
    }
    do {
        _ = try YAML.parse(text)
        Issue.record("expected an error")
    } catch {
        #expect(error.kind == .aliasBudgetExceeded)
    }
}

@Test func aSmallBudgetIsEnforcedAndAModestDocumentFits() throws {
    let text = "a: &a [1, 2, 3]\nb: [*a, *a, *a]\n"
    #expect(try YAML.parse(text).count == 1)
    #expect(throws: YAMLError.self) { try YAML.parse(text, limits: YAMLLimits(maxNodes: 10)) }
}

@Test func depthIsLimited() throws {
    let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
    do {
        _ = try YAML.parse(deep)
        Issue.record("expected an error")
    } catch {
        #expect(error.kind == .depthExceeded)
    }
    let fine = String(repeating: "[", count: 50) + String(repeating: "]", count: 50)
    #expect(try YAML.parse(fine).count == 1)
}

@Test func syntaxErrorsCarrySourceLineAndColumn() {
    do {
        _ = try YAML.parse("a: 1\nb: [1, 2\nc: 3\n", source: "broken.yaml")
        Issue.record("expected an error")
    } catch {
        #expect(error.kind == .syntax)
        #expect(error.source == "broken.yaml")
        #expect(error.line >= 2)
        #expect(error.column > 0)
        #expect(error.description.hasPrefix("broken.yaml:\(error.line):\(error.column): "))
    }
    do {
        _ = try YAML.parse("key: value\n  bad: indent\n")
        Issue.record("expected an error")
    } catch {
        #expect(error.line == 2)
        #expect(!error.problem.isEmpty)
    }
}

@Test func tabsAndUnicode() throws {
    #expect(try YAML.parseSingle("name: \"caf\\u00e9\"\nemoji: 🦔\n") == ["name": "café", "emoji": "🦔"])
}
