import Foundation
import Testing
@testable import GatewayMedicCLI
@testable import OperatorRuntime

/// Issue 18, acceptance 3: a setting is one declaration (`OperatorConfig.settings`); the file's
/// keys, the flags, the defaults and the docs are checked against it here.
@Suite struct SettingDeclarationTests {
    /// The rows of docs/configuration.md's settings table: flag cell, YAML key, default cell.
    static func rows() throws -> [(flag: String, key: String, defaultCell: String)] {
        let docs = try CLIHelpAndFlagsTests.docs()
        let table = try #require(docs.components(separatedBy: "## Settings").dropFirst().first?.components(separatedBy: "\n## ").first)
        return table.split(separator: "\n").compactMap { line in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, cells[2].hasPrefix("`"), cells[2].hasSuffix("`") else { return nil }
            return (cells[1], String(cells[2].dropFirst().dropLast()), cells[3])
        }
    }

    @Test func everySettingHasAKeyAFlagOrFileOnlyADefaultAndADocsRow() throws {
        let rows = try Self.rows()
        let byKey = Dictionary(rows.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(OperatorConfig.settings.count > 50)
        for setting in OperatorConfig.settings {
            #expect(!setting.key.isEmpty && !setting.doc.isEmpty, "\(setting.key): a key and a one-line doc")
            #expect(setting.defaultValue != nil || setting.unsetDefault != nil, "\(setting.key) has no default")
            guard let row = byKey[setting.key] else {
                Issue.record("\(setting.key) has no row in docs/configuration.md")
                continue
            }
            if let flag = setting.flag {
                #expect(row.flag.contains("`--\(flag)`"), "\(setting.key): the docs row does not name --\(flag)")
            } else {
                #expect(row.flag == "(file only)", "\(setting.key) has no flag; its docs row says \(row.flag)")
            }
            if let value = setting.defaultValue {
                #expect(row.defaultCell.contains("`\(value)`"), "\(setting.key): the docs row does not show the default `\(value)`")
            }
        }
        let declared = Set(OperatorConfig.settings.map(\.key))
        let documented = rows.map(\.key)
        #expect(Set(documented).subtracting(declared).isEmpty,
                "docs/configuration.md has rows for settings that do not exist: \(Set(documented).subtracting(declared).sorted())")
        #expect(documented.count == Set(documented).count, "a setting has two rows")
    }

    @Test func keysAndFlagsAreDeclaredOnceAndTheFileKeysAreTheDeclaredOnes() {
        let keys = OperatorConfig.settings.map(\.key)
        #expect(keys.count == Set(keys).count, "a key declared twice")
        let flags = OperatorConfig.settings.compactMap(\.flag)
        #expect(flags.count == Set(flags).count, "a flag declared twice")
        #expect(OperatorConfig.settingKeys.dottedKeys == keys.sorted())
    }

    /// The flags of `run --help` are exactly the declared flags (and the few that are not settings).
    @Test func runAndCheckTakeExactlyTheDeclaredFlags() throws {
        let helpFlags = Set(CLIHelpAndFlagsTests.helpEntries().flatMap(\.flags))
        let notSettings: Set = ["--kubeconfig", "--context", "--config", "--log-level", "--log-format", "-h", "--help", "--version"]
        var declared: Set<String> = []
        for setting in OperatorConfig.settings {
            guard let flag = setting.flag else { continue }
            declared.insert("--" + flag)
            if setting.kind == .bool { declared.insert("--no-" + flag) }
        }
        #expect(helpFlags.subtracting(notSettings) == declared)

        // Each declared flag reaches its setting, with the value's kind.
        for setting in OperatorConfig.settings {
            guard let flag = setting.flag else { continue }
            let sample: [String] = switch setting.kind {
            case .bool: ["--\(flag)"]
            case .duration: ["--\(flag)", "2m"]
            case .number, .wholeNumber: ["--\(flag)", "7"]
            case .text, .list: ["--\(flag)", "sample"]
            }
            let given = try RunCommand.parse(sample).settings.overrides[setting.key]
            let expected: SettingValue = switch setting.kind {
            case .bool: .bool(true)
            case .duration: .number(120)
            case .number: .number(7)
            case .wholeNumber: .wholeNumber(7)
            case .text: .text("sample")
            case .list: .list(["sample"])
            }
            #expect(given == expected, "--\(flag)")
            if setting.changesVerdict {
                #expect(try CheckCommand.parse(sample).thresholds[setting.key] == expected, "check --\(flag)")
            }
        }
        #expect(try RunCommand.parse(["--no-remediate"]).settings.overrides["remediation.enabled"] == .bool(false))
        #expect(throws: (any Error).self) { try RunCommand.parse(["--dry-run=yes"]) }
        #expect(throws: (any Error).self) { try RunCommand.parse(["--workers"]) }
        #expect(throws: (any Error).self) { try RunCommand.parse(["--workers", "2.5"]) }
        #expect(throws: (any Error).self) { try RunCommand.parse(["stray"]) }
    }

    /// A value the declaration refuses is refused with the setting's key, from the file and
    /// from a flag alike.
    @Test func eachDeclaredRuleRefusesWithTheKey() throws {
        var flags = ConfigOverrides()
        flags["server.port"] = .wholeNumber(70000)
        let port = try #require(throws: ConfigError.self) { try OperatorConfig.resolve(file: nil, overrides: flags) }
        #expect(port.key == "server.port" && port.description.contains("must be 0 (off) to 65535, got 70000"))
        var ratio = ConfigOverrides()
        ratio["health.dropRatioThreshold"] = .number(2)
        let drop = try #require(throws: ConfigError.self) { try OperatorConfig.resolve(file: nil, overrides: ratio) }
        #expect(drop.key == "health.dropRatioThreshold")
        var unknown = ConfigOverrides()
        unknown["health.noSuchThing"] = .number(1)
        #expect(unknown.applied(to: .default) == .default, "a key no setting declares changes nothing")
    }

    /// Acceptance 3: a setting added by its declaration alone is read from the file, parsed from
    /// its flag, listed in the help and refused by its rule. (Declared here, in the test target,
    /// over an existing field: a new field is the only other line a new setting needs.)
    @Test func aSettingDeclaredOnceIsAFileKeyAFlagAndHelp() throws {
        let extra = Setting.value("queue.parallelism", \.queue.workers, flag: "parallelism",
                                  doc: "Throwaway: the workers under another name.", rule: SettingRule.atLeast(2))
        let all = OperatorConfig.settings + [extra]
        let config = try OperatorConfig.parse(yaml: "queue:\n  parallelism: 7\n", source: "inline", settings: all)
        #expect(config.queue.workers == 7)
        let typo = try #require(throws: ConfigError.self) {
            try OperatorConfig.parse(yaml: "queue:\n  paralelism: 7\n", source: "inline", settings: all)
        }
        #expect(typo.reason == .unknownKey(suggestion: "parallelism"))
        #expect(throws: ConfigError.self) { try OperatorConfig.parse(yaml: "queue:\n  parallelism: 7\n", source: "inline") }

        let flags = try SettingFlags.parse(["--parallelism", "3"], for: .run, among: all).overrides
        #expect(flags["queue.parallelism"] == .wholeNumber(3))
        #expect(flags.applied(to: .default, settings: all).queue.workers == 3)
        #expect(SettingFlags.help(for: .run, among: all).contains("--parallelism <n>"))
        #expect(!SettingFlags.help(for: .check, among: all).contains("--parallelism"), "not a verdict setting")
        #expect(throws: (any Error).self) { try SettingFlags.parse(["--parallelism", "3"], for: .check, among: all) }
        var one = OperatorConfig.default
        one.queue.workers = 1
        #expect(extra.problem(in: one) == "must be at least 2, got 1")
        #expect(extra.defaultValue == .wholeNumber(OperatorConfig.default.queue.workers), "its default is the field's")
    }
}
