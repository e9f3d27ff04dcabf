import Foundation
import Testing
@testable import GatewayMedicCLI
@testable import OperatorRuntime

@Suite struct CLIHelpAndFlagsTests {
    /// docs/configuration.md, found from this file (tests never read outside the repository).
    static func docs() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
    }

    /// Each option of `run --help`: its flags and the default its help states, if any. An option's
    /// help starts on its synopsis line or the next, indented, and may wrap.
    static func helpEntries() -> [(flags: [String], defaultValue: String?)] {
        var entries: [(flags: [String], text: String)] = []
        for raw in RunCommand.helpMessage(columns: 2000).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("-") {
                let words = line.split(separator: " ")
                let synopsis = words.prefix { $0.hasPrefix("-") || $0.hasPrefix("<") }
                let flags = synopsis.flatMap { $0.split { ",/".contains($0) } }.map(String.init).filter { $0.hasPrefix("-") }
                entries.append((flags, words.dropFirst(synopsis.count).joined(separator: " ")))
            } else if !line.isEmpty, raw.hasPrefix("    "), !entries.isEmpty {
                entries[entries.count - 1].text += " " + line
            }
        }
        return entries.map { entry in
            guard let range = entry.text.range(of: "(default: ") else { return (entry.flags, nil) }
            let rest = entry.text[range.upperBound...]
            return (entry.flags, rest.firstIndex(of: ")").map { String(rest[..<$0]) })
        }
    }

    /// A value on the command line is visible to every user of the node (`ps`, /proc): secrets
    /// come from files or the environment only (the webhook's from `secretFile` / `secretEnv`).
    @Test func noFlagTakesASecretValue() {
        let flags = Self.helpEntries().flatMap(\.flags)
        #expect(!flags.isEmpty)
        for flag in flags {
            let lower = flag.lowercased()
            #expect(!["secret", "token", "password", "key"].contains { lower.contains($0) }, "\(flag) takes a secret on the command line")
        }
    }

    @Test func everyRunFlagIsDocumentedWithItsDefault() throws {
        let docs = try Self.docs()
        let entries = Self.helpEntries()
        #expect(entries.count > 30)
        for entry in entries {
            for flag in entry.flags {
                #expect(docs.contains("`\(flag)`"), "\(flag) is missing from docs/configuration.md")
            }
            // A short default (a number, a name, true/false) must be on the flag's row.
            guard let value = entry.defaultValue, !value.contains(" "), let flag = entry.flags.first(where: { $0.hasPrefix("--") })
            else { continue }
            let row = docs.split(separator: "\n").first { $0.hasPrefix("|") && $0.contains("`\(flag)`") }
            #expect(row?.contains("`\(value)`") == true, "\(flag): the docs row does not show the default `\(value)`")
        }
    }

    @Test func helpDefaultsComeFromOperatorConfig() {
        let defaults = Dictionary(Self.helpEntries().compactMap { e in e.defaultValue.map { (e.flags.first ?? "", $0) } },
                                  uniquingKeysWith: { a, _ in a })
        let d = OperatorConfig.default
        #expect(defaults["--pod-grace"] == OperatorConfig.display(d.health.podGrace))
        #expect(defaults["--drop-ratio-threshold"] == "0.01")
        #expect(defaults["--workers"] == String(d.queue.workers))
        #expect(defaults["--server-port"] == String(d.server.port))
        #expect(defaults["--lease-name"] == d.leaderElection.leaseName)
    }

    @Test func flagsBecomeOverrides() throws {
        let command = try RunCommand.parse([
            "--kubeconfig", "/tmp/kc", "--context", "lab", "--config", "/tmp/c.yaml", "--dry-run", "--no-leader-elect",
            "--pod-grace", "12.5", "--missed-keepalives", "4", "--immediate-failure-reason", "A", "--immediate-failure-reason", "B",
            "--workers", "2", "--event-burst", "3", "--server-port", "0", "--log-format", "json", "--log-level", "debug",
        ])
        #expect(command.cluster.kubeconfig == "/tmp/kc")
        #expect(command.cluster.context == "lab")
        #expect(command.cluster.configFile == "/tmp/c.yaml")
        #expect(command.logFormat == .json)
        #expect(command.logLevel == .debug)
        let o = command.settings.overrides
        #expect(o["dryRun"] == .bool(true))
        #expect(o["leaderElection.enabled"] == .bool(false))
        #expect(o["health.podGrace"] == .number(12.5))
        #expect(o["health.missedKeepalives"] == .wholeNumber(4))
        #expect(o["health.immediateFailureReasons"] == .list(["A", "B"]))
        #expect(o["queue.workers"] == .wholeNumber(2) && o["events.burst"] == .wholeNumber(3) && o["server.port"] == .wholeNumber(0))
        #expect(o["health.applyTimeout"] == nil && o["leaderElection.leaseDuration"] == nil)

        // `run`'s durations take kubectl's words too (issue 22), and refuse what is not one.
        let units = try RunCommand.parse(["--apply-timeout", "2m", "--lease-duration", "15s", "--event-refill-interval", "1h"]).settings.overrides
        #expect(units["health.applyTimeout"] == .number(120) && units["leaderElection.leaseDuration"] == .number(15)
                && units["events.refillInterval"] == .number(3600))
        #expect(throws: (any Error).self) { try RunCommand.parse(["--pod-grace", "soon"]) }

        // Nothing given: nothing overridden, so the file (or the default) decides.
        #expect(try RunCommand.parse([]).settings.overrides == ConfigOverrides())
        #expect(throws: (any Error).self) { try RunCommand.parse(["--log-format", "xml"]) }
    }

    @Test func checkParsesItsOutputFormat() throws {
        #expect(try CheckCommand.parse(["-o", "json"]).output == .json)
        #expect(try CheckCommand.parse([]).output == .table)
        #expect(try CheckCommand.parse(["-o", "name"]).output == .name)
        #expect(try CheckCommand.parse(["--output", "yaml", "--fabric-namespace", "fab2"]).namespace == "fab2")
    }

    @Test func checkSpeaksKubectl() throws {
        let c = try CheckCommand.parse([
            "-n", "fab2", "gateway-1", "-l", "tier=edge", "gateway-2", "-o", "wide", "--no-headers", "--request-timeout", "2m",
            "--as", "jane", "--as-group", "a", "--as-group", "b", "-v", "6",
            "--apply-timeout", "90s", "--pod-grace", "1h", "--startup-grace", "120", "--bgp-flap-window", "1m30s",
        ])
        #expect(c.namespace == "fab2")
        #expect(c.gateways == ["gateway-1", "gateway-2"])
        #expect(c.selector == "tier=edge")
        #expect(c.output == .wide && c.noHeaders)
        #expect(c.requestTimeout?.seconds == 120)
        #expect(c.impersonateUser == "jane" && c.impersonateGroup == ["a", "b"])
        #expect(CheckCommand.logLevel(verbosity: c.verbosity) == .debug)
        let o = c.thresholds
        #expect(o["health.applyTimeout"] == .number(90) && o["health.podGrace"] == .number(3600)
                && o["health.startupGrace"] == .number(120) && o["health.bgpFlapWindow"] == .number(90))
        #expect(throws: (any Error).self) { try CheckCommand.parse(["--apply-timeout", "soon"]) }
        #expect(throws: (any Error).self) { try CheckCommand.parse(["--request-timeout", "0"]) }
    }

    /// Operator-only settings are refused, saying where they belong; unknown flags are refused too.
    @Test func checkRefusesRunFlags() {
        for (arguments, expected) in [(["--remediate"], "--remediate is a `run` flag"), (["--leader-elect"], "--leader-elect is a `run` flag"),
                                      (["gateway-1", "--workers", "3"], "--workers is a `run` flag"),
                                      (["--ticket-dir=/tmp"], "--ticket-dir is a `run` flag"), (["--bogus"], "unknown option --bogus")] {
            do {
                _ = try CheckCommand.parse(arguments)
                Issue.record("\(arguments) must be refused")
            } catch {
                #expect(CheckCommand.message(for: error).contains(expected), "\(arguments): \(CheckCommand.message(for: error))")
            }
        }
    }

    /// Every flag of `check --help` has a row in docs/configuration.md.
    @Test func everyCheckFlagIsDocumented() throws {
        let docs = try Self.docs()
        var flags: [String] = []
        for raw in CheckCommand.helpMessage(columns: 2000).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("-") else { continue }
            let synopsis = line.split(separator: " ").prefix { $0.hasPrefix("-") || $0.hasPrefix("<") }
            flags += synopsis.flatMap { $0.split { ",/".contains($0) } }.map(String.init).filter { $0.hasPrefix("-") }
        }
        #expect(flags.count > 20)
        for flag in flags {
            #expect(docs.contains("`\(flag)`"), "\(flag) of check is missing from docs/configuration.md")
        }
    }

    @Test func versionIsTheClientVersion() {
        #expect(GatewayMedic.configuration.version == GatewayMedicVersion.current)
        #expect(!GatewayMedicVersion.current.isEmpty)
    }
}

import KubeAPI

@Suite struct DurationTextTests {
    @Test(arguments: [("90s", 90.0), ("2m", 120), ("1h", 3600), ("1h30m", 5400), ("1.5s", 1.5), ("500ms", 0.5), ("120", 120),
                      ("12.5", 12.5), ("0", 0), ("1m30s", 90)])
    func parses(text: String, seconds: Double) {
        #expect(DurationText.seconds(text) == seconds)
    }

    @Test(arguments: ["", "-5s", "5x", "s", "1h-2m", "nan", "inf", "m5"])
    func refuses(text: String) {
        #expect(DurationText.seconds(text) == nil)
    }
}
