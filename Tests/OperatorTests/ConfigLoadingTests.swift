import Foundation
import HealthModel
import Testing
@testable import OperatorRuntime

@Suite struct ConfigLoadingTests {
    /// A config file in a fresh temporary folder.
    static func file(_ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gm-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("config.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

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
        flags.podGrace = 30
        flags.leaderElection = false
        flags.serverPort = 0
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

    @Test func wrongTypeNamesTheKeyAndTheFile() throws {
        let path = try Self.file("health:\n  podGrace: one minute\n")
        let error = try #require(throws: ConfigError.self) { try OperatorConfig.load(file: path) }
        #expect(error.file == path)
        #expect(error.key == "health.podGrace")
        #expect(error.description.contains("expected a number"))
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
        flags.workers = 0
        let workers = try #require(throws: ConfigError.self) { try OperatorConfig.resolve(file: nil, overrides: flags) }
        #expect(workers.key == "queue.workers")

        let path = try Self.file("leaderElection:\n  leaseDuration: 5\n")
        let lease = try #require(throws: ConfigError.self) { try OperatorConfig.resolve(file: path, overrides: ConfigOverrides()) }
        #expect(lease.key == "leaderElection")
        // With leader election off, the lease timings do not matter.
        var off = ConfigOverrides()
        off.leaderElection = false
        #expect(try OperatorConfig.resolve(file: path, overrides: off).leaderElection.leaseDuration == 5)
        #expect(throws: Never.self) { try OperatorConfig.default.validate() }
    }

    @Test func everyKeyOfTheModelIsAccepted() throws {
        // A file written from the model itself (every key, every section) loads back unchanged.
        var config = OperatorConfig.default
        config.operatorNamespace = "medic"
        config.health.bgpFlapWindow = 900
        let text = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        #expect(try OperatorConfig.parse(yaml: text, source: "inline") == config)
    }
}
