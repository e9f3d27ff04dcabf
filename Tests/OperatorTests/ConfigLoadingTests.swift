import Foundation
import HealthModel
import KubeClient
import OperatorTestSupport
import Remediation
import Testing
@testable import OperatorRuntime

@Suite struct ConfigLoadingTests {
    /// A config file in a fresh temporary folder (OperatorTestSupport's `configFile`).
    static func file(_ text: String) throws -> String { try configFile(text) }

    @Test func noFileAndEmptyFileGiveTheDefaults() throws {
        #expect(try OperatorConfig.load(file: nil) == .default)
        #expect(try OperatorConfig.load(file: Self.file("")) == .default)
        #expect(try OperatorConfig.load(file: Self.file("# only a comment\n")) == .default)
    }

    @Test func fileOverridesOnlyWhatItSets() throws {
        let path = try Self.file("""
            gatewayNamespace: gw
            dryRun: true
            health:
              podGrace: 90
              missedKeepalives: 5
              immediateFailureReasons: [CrashLoopBackOff, ImagePullBackOff]
            leaderElection:
              leaseName: medic
            server:
              port: 9090
            """)
        let config = try OperatorConfig.load(file: path)
        var expected = OperatorConfig.default
        expected.gatewayNamespace = "gw"
        expected.dryRun = true
        expected.health.podGrace = 90
        expected.health.missedKeepalives = 5
        expected.health.immediateFailureReasons = ["CrashLoopBackOff", "ImagePullBackOff"]
        expected.leaderElection.leaseName = "medic"
        expected.server.port = 9090
        #expect(config == expected)
        #expect(config.health.startupGrace == HealthPolicy.default.startupGrace)
    }

    @Test func flagsOverrideTheFile() throws {
        let path = try Self.file("health:\n  podGrace: 90\n  applyTimeout: 200\nqueue:\n  workers: 8\n")
        var flags = ConfigOverrides()
        flags["health.podGrace"] = .number(30)
        flags["leaderElection.enabled"] = .bool(false)
        flags["server.port"] = .wholeNumber(0)
        let config = try OperatorConfig.resolve(file: path, overrides: flags)
        #expect(config.health.podGrace == 30)  // flag beats file
        #expect(config.health.applyTimeout == 200)  // file beats default
        #expect(config.queue.workers == 8)
        #expect(config.leaderElection.enabled == false)
        #expect(config.server.port == 0)
        #expect(config.events == EventSettings())  // neither: default
    }

    @Test func unknownKeyNamesTheKeyAndTheFile() throws {
        let path = try Self.file("health:\n  podGrase: 90\n")
        let error = try #require(throws: ConfigError.self) { try OperatorConfig.load(file: path) }
        #expect(error.file == path)
        #expect(error.key == "health.podGrase")
        #expect(error.reason == .unknownKey(suggestion: "podGrace"))
        #expect(error.description.contains(path) && error.description.contains("health.podGrase"))
        #expect(error.description.contains("did you mean \"podGrace\""))

        let top = try #require(throws: ConfigError.self) { try OperatorConfig.load(file: Self.file("leaderElect: false\n")) }
        #expect(top.key == "leaderElect")
    }

    /// Durations take kubectl's words in the file as on the command line (issue 22); bare numbers
    /// stay seconds, so existing files keep working.
    @Test func durationsTakeUnitsOrSeconds() throws {
        let config = try OperatorConfig.load(file: Self.file(
            "health:\n  podGrace: 2m\n  applyTimeout: 90\n  startupGrace: 1h30m\nleaderElection:\n  retryPeriod: 1.5s\nremediation:\n  cooldown: 15m\n  resolvedTicketTTL: 168h\n"))
        #expect(config.health.podGrace == 120)
        #expect(config.health.applyTimeout == 90)
        #expect(config.health.startupGrace == 5400)
        #expect(config.leaderElection.retryPeriod == 1.5)
        #expect(config.remediation.cooldown == 900)
        #expect(config.remediation.resolvedTicketTTL == 604_800)
    }

    @Test func wrongTypeNamesTheKeyAndTheFile() throws {
        let path = try Self.file("health:\n  podGrace: one minute\n")
        let error = try #require(throws: ConfigError.self) { try OperatorConfig.load(file: path) }
        #expect(error.file == path)
        #expect(error.key == "health.podGrace")
        #expect(error.description.contains("expected a duration (90s, 2m, 1h30m or a number of seconds)"))
        #expect(error.description.contains("\"one minute\""))

        let workers = try #require(throws: ConfigError.self) { try OperatorConfig.load(file: Self.file("queue:\n  workers: 2.5\n")) }
        #expect(workers.key == "queue.workers")

        let section = try #require(throws: ConfigError.self) { try OperatorConfig.load(file: Self.file("server: 8080\n")) }
        #expect(section.key == "server")
        #expect(section.reason == .notAMapping(found: "number"))
    }

    @Test func missingAndMalformedFilesAreClearErrors() throws {
        let missing = try #require(throws: ConfigError.self) { try OperatorConfig.load(file: "/nonexistent/gm.yaml") }
        #expect(missing.reason == .fileNotFound)
        #expect(missing.description.contains("/nonexistent/gm.yaml"))
        let path = try Self.file("health: [unclosed\n")
        let malformed = try #require(throws: ConfigError.self) { try OperatorConfig.load(file: path) }
        #expect(malformed.file == path)
        if case .malformedYAML = malformed.reason {} else { Issue.record("expected malformedYAML, got \(malformed.reason)") }
    }

    @Test func invalidMergedValuesAreRefusedWithTheirKey() throws {
        var flags = ConfigOverrides()
        flags["queue.workers"] = .wholeNumber(0)
        let workers = try #require(throws: ConfigError.self) { try OperatorConfig.resolve(file: nil, overrides: flags) }
        #expect(workers.key == "queue.workers")

        let path = try Self.file("leaderElection:\n  leaseDuration: 5\n")
        let lease = try #require(throws: ConfigError.self) { try OperatorConfig.resolve(file: path, overrides: ConfigOverrides()) }
        #expect(lease.key == "leaderElection")
        // With leader election off, the lease timings do not matter.
        var off = ConfigOverrides()
        off["leaderElection.enabled"] = .bool(false)
        #expect(try OperatorConfig.resolve(file: path, overrides: off).leaderElection.leaseDuration == 5)
        #expect(throws: Never.self) { try OperatorConfig.default.validate() }
    }

    @Test func theWatchDeliveryWindowReachesTheClientAndIsBounded() throws {
        // The default is the client library's: `run` and a bare KubeClient batch alike.
        #expect(OperatorConfig.default.informers.applied(to: ClientOptions()).watchDeliveryWindow
                == ClientOptions().watchDeliveryWindow)
        let config = try OperatorConfig.resolve(file: Self.file("informers:\n  watchDeliveryWindow: 0.05\n"),
                                                overrides: ConfigOverrides())
        #expect(config.informers.applied(to: ClientOptions()).watchDeliveryWindow == .milliseconds(50))
        let atOnce = try OperatorConfig.resolve(file: Self.file("informers:\n  watchDeliveryWindow: 0\n"), overrides: ConfigOverrides())
        #expect(atOnce.informers.applied(to: ClientOptions()).watchDeliveryWindow == .zero)
        let tooLong = try #require(throws: ConfigError.self) {
            try OperatorConfig.resolve(file: Self.file("informers:\n  watchDeliveryWindow: 2s\n"), overrides: ConfigOverrides())
        }
        #expect(tooLong.key == "informers.watchDeliveryWindow")
        #expect(tooLong.description.contains("must be 0 to 1 second"))
    }

    @Test func everyKeyOfTheModelIsAccepted() throws {
        // A file written from the model itself (every key, every section, the optional ones set)
        // loads back unchanged.
        var config = OperatorConfig.default
        config.operatorNamespace = "medic"
        config.health.bgpFlapWindow = 900
        config.tickets.directory = "/var/tmp/tickets"
        config.tickets.webhook = WebhookSettings(url: "https://tickets.example.com/hook", headerName: "X-Token",
                                                 secretFile: "/run/secret", secretEnv: "HOOK_TOKEN")
        let text = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        #expect(try OperatorConfig.parse(yaml: text, source: "inline") == config)
    }

    /// The rows of the docs' settings table: YAML key and default cell.
    static func documentedSettings() throws -> [(key: String, defaultCell: String)] {
        let docs = try CLIHelpAndFlagsTests.docs()
        let table = try #require(docs.components(separatedBy: "## Settings").dropFirst().first?.components(separatedBy: "\n## ").first)
        return table.split(separator: "\n").compactMap { line -> (String, String)? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5, cells[2].hasPrefix("`"), cells[2].hasSuffix("`") else { return nil }
            return (String(cells[2].dropFirst().dropLast()), cells[3])
        }
    }

    /// A YAML value of `kind` for `key`: the documented default when it is a literal, else a
    /// sample the validation accepts.
    static func sampleValue(_ key: String, kind: SettingKeys.ValueKind, defaultCell: String, folder: String) -> String {
        let literal = defaultCell.hasPrefix("`") && defaultCell.hasSuffix("`") && defaultCell != "`none`"
            ? String(defaultCell.dropFirst().dropLast()) : nil
        func quoted(_ text: String) -> String { "\"\(text)\"" }
        switch kind {
        case .bool: return literal ?? "true"
        case .number, .wholeNumber: return literal ?? "1"
        case .list: return "[\(quoted(literal ?? "CrashLoopBackOff"))]"
        case .text:
            if let literal { return quoted(literal) }
            if key.hasSuffix(".url") { return quoted("http://127.0.0.1:9/gateway-medic/tickets") }
            if key.hasSuffix("directory") || key.hasSuffix("File") { return quoted(folder + "/" + key) }
            return quoted("medic-\(key.split(separator: ".").last ?? "")")
        }
    }

    /// Acceptance 3a: a config file holding every key of docs/configuration.md is accepted
    /// (keys read from the doc, values of the type the operator reads), and every key the
    /// operator reads has a row in the doc. The old key check refused `tickets.webhook` and
    /// `tickets.directory`, which the encoded defaults leave out.
    @Test func aFileWithEveryDocumentedKeyIsAcceptedAndEveryKeyIsDocumented() throws {
        let documented = try Self.documentedSettings()
        #expect(documented.count > 40)
        let folder = NSTemporaryDirectory() + "gm-every-key-\(UUID().uuidString)"
        // Nested as in the file: section → its lines.
        var lines: [String] = []
        var openSections: [String] = []
        for (key, defaultCell) in documented.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: ".").map(String.init)
            guard let kind = OperatorConfig.settingKeys[dotted: key], case .value(let valueKind) = kind else {
                Issue.record("docs/configuration.md documents \(key), which the operator does not read as a value")
                continue
            }
            let sections = Array(parts.dropLast())
            let shared = zip(openSections, sections).prefix { $0 == $1 }.count
            for (depth, section) in sections.enumerated().dropFirst(shared) {
                lines.append(String(repeating: "  ", count: depth) + section + ":")
            }
            openSections = sections
            let value = Self.sampleValue(key, kind: valueKind, defaultCell: defaultCell, folder: folder)
            lines.append(String(repeating: "  ", count: sections.count) + "\(parts.last ?? key): \(value)")
        }
        let path = try Self.file(lines.joined(separator: "\n") + "\n")
        let config = try OperatorConfig.resolve(file: path, overrides: ConfigOverrides())
        #expect(config.tickets.webhook?.url == "http://127.0.0.1:9/gateway-medic/tickets")
        #expect(config.tickets.webhook?.secretEnv == "medic-secretEnv")
        #expect(config.tickets.directory == folder + "/tickets.directory")
        #expect(config.operatorNamespace == "medic-operatorNamespace")

        let readByTheOperator = Set(OperatorConfig.settingKeys.dottedKeys)
        let inTheDocs = Set(documented.map(\.key))
        #expect(readByTheOperator.subtracting(inTheDocs).isEmpty,
                "settings without a row in docs/configuration.md: \(readByTheOperator.subtracting(inTheDocs).sorted())")
    }

    @Test func optionalSettingsAreKeysToo() {
        let keys = OperatorConfig.settingKeys
        #expect(keys[dotted: "tickets.webhook.url"] == .value(.text))
        #expect(keys[dotted: "tickets.webhook.secretEnv"] == .value(.text))
        #expect(keys[dotted: "tickets.directory"] == .value(.text))
        #expect(keys[dotted: "operatorNamespace"] == .value(.text))
        #expect(keys[dotted: "health.immediateFailureReasons"] == .value(.list))
        #expect(keys[dotted: "queue.workers"] == .value(.wholeNumber))
        #expect(keys[dotted: "remediation.ticketAfter"] == .value(.number))
        #expect(keys[dotted: "tickets.webhook"]?.children?.keys.sorted() == ["headerName", "secretEnv", "secretFile", "url"])
        #expect(keys[dotted: "tickets.webhok"] == nil)
    }

    @Test func aTypoInTheTicketsBlockIsStillRefusedWithASuggestion() throws {
        let path = try Self.file("tickets:\n  webhook:\n    url: http://127.0.0.1:9/t\n    secretfile: /run/s\n")
        let error = try #require(throws: ConfigError.self) { try OperatorConfig.load(file: path) }
        #expect(error.key == "tickets.webhook.secretfile")
        #expect(error.reason == .unknownKey(suggestion: "secretFile"))
        #expect(error.description.contains("did you mean \"secretFile\""))

        let section = try #require(throws: ConfigError.self) {
            try OperatorConfig.load(file: Self.file("tickets:\n  webhok:\n    url: http://127.0.0.1:9/t\n"))
        }
        #expect(section.key == "tickets.webhok")
        #expect(section.reason == .unknownKey(suggestion: "webhook"))
        let remediation = try #require(throws: ConfigError.self) { try OperatorConfig.load(file: Self.file("remediation:\n  ticketAftr: 60\n")) }
        #expect(remediation.reason == .unknownKey(suggestion: "ticketAfter"))
    }

    @Test func aWebhookThatCannotWorkIsRefusedWithItsKey() throws {
        let withoutURL = try #require(throws: ConfigError.self) {
            try OperatorConfig.load(file: Self.file("tickets:\n  webhook:\n    secretEnv: HOOK\n"))
        }
        #expect(withoutURL.key == "tickets.webhook.url")

        let notHTTP = try #require(throws: ConfigError.self) {
            try OperatorConfig.resolve(file: Self.file("tickets:\n  webhook:\n    url: ftp://user:pa55word@example.com/t?token=abc\n"),
                                       overrides: ConfigOverrides())
        }
        #expect(notHTTP.key == "tickets.webhook.url")
        #expect(!notHTTP.description.contains("pa55word") && !notHTTP.description.contains("token=abc"), "\(notHTTP)")

        let header = try #require(throws: ConfigError.self) {
            try OperatorConfig.resolve(file: Self.file("tickets:\n  webhook:\n    url: https://example.com/t\n    headerName: \"X Token\"\n"),
                                       overrides: ConfigOverrides())
        }
        #expect(header.key == "tickets.webhook.headerName")
        let folder = try #require(throws: ConfigError.self) {
            try OperatorConfig.resolve(file: Self.file("tickets:\n  directory: \"\"\n"), overrides: ConfigOverrides())
        }
        #expect(folder.key == "tickets.directory")
    }

    /// Issue 20: `tickets.alertmanager` (docs/tickets.md §4) loads, its credentials are file or
    /// environment names only, and a bad section is refused naming the key.
    @Test func theAlertmanagerSectionLoadsAndIsValidated() throws {
        let config = try OperatorConfig.resolve(file: Self.file("""
            tickets:
              alertmanager:
                url: https://alertmanager.monitoring.svc:9093
                caFile: /etc/am/ca.crt
                bearerTokenFile: /etc/am/token
                resendInterval: 2m
            """), overrides: ConfigOverrides())
        #expect(config.tickets.alertmanager == AlertmanagerSettings(url: "https://alertmanager.monitoring.svc:9093", caFile: "/etc/am/ca.crt",
                                                                    bearerTokenFile: "/etc/am/token", resendInterval: 120))
        let missing = try #require(throws: ConfigError.self) {
            try OperatorConfig.load(file: Self.file("tickets:\n  alertmanager:\n    bearerTokenEnv: AM_TOKEN\n"))
        }
        #expect(missing.key == "tickets.alertmanager.url")
        let typo = try #require(throws: ConfigError.self) {
            try OperatorConfig.load(file: Self.file("tickets:\n  alertmanager:\n    url: http://am:9093\n    bearerTokenFil: /run/t\n"))
        }
        #expect(typo.key == "tickets.alertmanager.bearerTokenFil" && typo.reason == .unknownKey(suggestion: "bearerTokenFile"))
        let credentials = try #require(throws: ConfigError.self) {
            try OperatorConfig.resolve(file: Self.file("tickets:\n  alertmanager:\n    url: http://medic:pa55word@am:9093\n"),
                                       overrides: ConfigOverrides())
        }
        #expect(credentials.key == "tickets.alertmanager.url" && !credentials.description.contains("pa55word"))
        let halfBasic = try #require(throws: ConfigError.self) {
            try OperatorConfig.resolve(file: Self.file("tickets:\n  alertmanager:\n    url: http://am:9093\n    passwordEnv: AM_PASSWORD\n"),
                                       overrides: ConfigOverrides())
        }
        #expect(halfBasic.key == "tickets.alertmanager.username")
    }
}
