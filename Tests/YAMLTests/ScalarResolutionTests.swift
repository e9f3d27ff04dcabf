import KubeAPI
import Testing
import YAML

/// Reads `value: <text>` and returns the value, so each scalar rule is checked in context.
private func scalar(_ text: String) throws -> JSONValue {
    try YAML.parseSingle("value: \(text)\n")["value"] ?? .string("<missing>")
}

@Test(arguments: ["~", "null", "Null", "NULL", ""])
func plainNulls(text: String) throws {
    #expect(try scalar(text) == .null)
}

@Test(arguments: ["yes", "Yes", "YES", "y", "Y", "true", "True", "TRUE", "on", "On", "ON"])
func plainTrue(text: String) throws {
    #expect(try scalar(text) == .bool(true))
}

@Test(arguments: ["no", "No", "NO", "n", "N", "false", "False", "FALSE", "off", "Off", "OFF"])
func plainFalse(text: String) throws {
    #expect(try scalar(text) == .bool(false))
}

@Test func mixedCaseBoolWordsStayStrings() throws {
    #expect(try scalar("yEs") == .string("yEs"))
    #expect(try scalar("tRUE") == .string("tRUE"))
}

@Test func integers() throws {
    #expect(try scalar("42") == .int(42))
    #expect(try scalar("-17") == .int(-17))
    #expect(try scalar("+5") == .int(5))
    #expect(try scalar("0x1F") == .int(31))
    #expect(try scalar("-0x10") == .int(-16))
    #expect(try scalar("0o17") == .int(15))
    #expect(try scalar("0123") == .int(83))  // leading zero: octal (YAML 1.1)
    #expect(try scalar("0b101") == .int(5))
    #expect(try scalar("1_000_000") == .int(1_000_000))
    #expect(try scalar("0") == .int(0))
    #expect(try scalar("9223372036854775807") == .int(Int64.max))
    #expect(try scalar("-9223372036854775808") == .int(Int64.min))
    #expect(try scalar("18446744073709551615") == .double(0x1p64))
}

@Test func floats() throws {
    #expect(try scalar("1.5") == .double(1.5))
    #expect(try scalar("1e3") == .double(1000))
    #expect(try scalar("-2.5E-1") == .double(-0.25))
    #expect(try scalar(".5") == .double(0.5))
    #expect(try scalar("1.") == .double(1))
    #expect(try scalar("08") == .double(8))  // not octal, but a float, as go-yaml v2 reads it
    #expect(try scalar(".inf") == .double(.infinity))
    #expect(try scalar("-.Inf") == .double(-.infinity))
    #expect(try scalar("+.INF") == .double(.infinity))
    let nan = try scalar(".nan")
    #expect(nan.doubleValue?.isNaN == true)
}

@Test func plainTextThatLooksAlmostLikeANumberStaysAString() throws {
    #expect(try scalar("1.2.3") == .string("1.2.3"))
    #expect(try scalar("0x") == .string("0x"))
    #expect(try scalar("12abc") == .string("12abc"))
    #expect(try scalar("_1") == .string("_1"))
    #expect(try scalar("-x") == .string("-x"))
    #expect(try scalar("e3") == .string("e3"))
    #expect(try scalar("2026-04-17T16:29:04Z") == .string("2026-04-17T16:29:04Z"))
    #expect(try scalar("hello world") == .string("hello world"))
}

@Test func quotedAndBlockScalarsAreStrings() throws {
    #expect(try scalar("\"yes\"") == .string("yes"))
    #expect(try scalar("'0123'") == .string("0123"))
    #expect(try scalar("\"\"") == .string(""))
    #expect(try scalar("'null'") == .string("null"))
    #expect(try YAML.parseSingle("value: |\n  123\n")["value"] == .string("123\n"))
    #expect(try YAML.parseSingle("value: >-\n  true\n")["value"] == .string("true"))
}

@Test func explicitTagsWin() throws {
    #expect(try scalar("!!str 123") == .string("123"))
    #expect(try scalar("!!str yes") == .string("yes"))
    #expect(try scalar("! 0x10") == .string("0x10"))
    #expect(try scalar("!!int \"42\"") == .int(42))
    #expect(try scalar("!!float 3") == .double(3))
    #expect(try scalar("!!bool \"on\"") == .bool(true))
    #expect(try scalar("!!null ''") == .null)
    #expect(try scalar("!custom 7") == .int(7))
}

@Test func explicitTagThatDoesNotFitIsAnError() {
    #expect(throws: YAMLError.self) { try scalar("!!int abc") }
    do {
        _ = try YAML.parse("a: 1\nb: !!bool maybe\n", source: "t.yaml")
        Issue.record("expected an error")
    } catch {
        #expect(error.kind == .tagMismatch)
        #expect(error.line == 2)
        #expect(error.source == "t.yaml")
    }
}

@Test func nodesKeepTheOriginalText() throws {
    let node = try #require(try YAML.parseSingleNode("token: 0123\nflag: yes\n"))
    #expect(node["token"]?.text == "0123")
    #expect(node["token"]?.json == .int(83))
    #expect(node["flag"]?.text == "yes")
    #expect(node["flag"]?.line == 2)
    #expect(node["flag"]?.column == 7)
}

@Test func nonStringKeysBecomeCanonicalStrings() throws {
    let v = try YAML.parseSingle("1: a\ntrue: b\n~: c\n0x10: d\n")
    #expect(v == ["1": "a", "true": "b", "null": "c", "16": "d"])
}
