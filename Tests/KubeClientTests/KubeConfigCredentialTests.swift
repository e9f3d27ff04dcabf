import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite struct KubeConfigTokenFileTests {
    let folder: ConfigFixtureFolder
    init() throws { folder = try ConfigFixtureFolder() }

    @Test func tokenFileIsReReadAfterRotation() async throws {
        let path = try folder.write("token", "one\n")
        let clock = ConfigTestClock(Date(timeIntervalSince1970: 1_000_000))
        let provider = try TokenFileCredentials(path: path, now: { clock.now })
        #expect(try await provider.credentials(refresh: false).bearerToken?.value == "one")

        try folder.write("token", "two")
        clock.advance(59)
        #expect(try await provider.credentials(refresh: false).bearerToken?.value == "one")  // cached copy is fresh
        clock.advance(2)
        #expect(try await provider.credentials(refresh: false).bearerToken?.value == "two")  // older than a minute

        try folder.write("token", "three")
        #expect(try await provider.credentials(refresh: true).bearerToken?.value == "three")  // a 401 forces a read

        try FileManager.default.removeItem(atPath: path)
        clock.advance(120)
        #expect(try await provider.credentials(refresh: true).bearerToken?.value == "three")  // failed read keeps the old one
    }

    @Test func missingOrEmptyTokenFileIsAnError() throws {
        #expect(throws: KubeConfigError.self) { try TokenFileCredentials(path: folder.file("absent")) }
        let empty = try folder.write("empty", "\n")
        #expect(throws: KubeConfigError.self) { try TokenFileCredentials(path: empty) }
    }

    @Test func tokenFileFromKubeconfigThatIsMissingNamesTheField() throws {
        let path = try folder.write("config", """
        current-context: x
        clusters: [{name: c, cluster: {server: https://c}}]
        users: [{name: u, user: {tokenFile: gone.txt}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        """)
        do {
            _ = try KubeConfigLoader.load(explicitPath: path, environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.file == path)
            #expect(error.field == "users[\"u\"].user.tokenFile")
            #expect(error.description.contains(folder.file("gone.txt")))
        }
    }
}

@Suite struct KubeConfigExecTests {
    let folder: ConfigFixtureFolder
    init() throws { folder = try ConfigFixtureFolder() }

    /// A plugin that counts its runs, records its environment, and prints `body` (with COUNT replaced).
    @discardableResult
    func plugin(_ name: String = "plugin.sh", body: String, exitCode: Int = 0) throws -> String {
        try folder.write(name, """
        #!/bin/sh
        echo run >> "\(folder.file("count"))"
        env > "\(folder.file("env.txt"))"
        N=$(wc -l < "\(folder.file("count"))" | tr -d ' ')
        cat <<JSON | sed "s/COUNT/$N/g"
        \(body)
        JSON
        echo "plugin diagnostics here" >&2
        exit \(exitCode)
        """, executable: true)
    }

    var runs: Int { folder.read("count").split(separator: "\n").count }

    func kubeconfig(apiVersion: String, command: String, extra: String = "") throws -> String {
        try folder.write("config", """
        current-context: x
        clusters: [{name: c, cluster: {server: https://c.example}}]
        users:
        - name: u
          user:
            exec:
              apiVersion: \(apiVersion)
              command: \(command)
              args: [--flag, "0123"]
              env:
              - {name: PLUGIN_SETTING, value: from-kubeconfig}
              interactiveMode: Never
        \(extra)
        contexts: [{name: x, context: {cluster: c, user: u}}]
        """)
    }

    /// As client-go: the plugin inherits the whole environment given (`AWS_PROFILE=prod gateway-medic
    /// check` must reach an AWS plugin) with the kubeconfig's `env` over it.
    @Test func v1PluginInheritsTheEnvironmentPlusEnvAndGetsExecInfo() async throws {
        try plugin(body: #"{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "exec-token-COUNT"}}"#)
        let path = try kubeconfig(apiVersion: "client.authentication.k8s.io/v1", command: "./plugin.sh")
        let parentOnly = "GM_CONFIG_PARENT_ONLY_\(UUID().uuidString.prefix(8))"
        setenv(parentOnly, "visible-to-parent", 1)
        defer { unsetenv(parentOnly) }
        let env = ["PATH": "/usr/bin:/bin", "HOME": folder.path, "AWS_PROFILE": "prod", "PLUGIN_SETTING": "overridden"]
        let config = try KubeConfigLoader.load(explicitPath: path, environment: env)
        let credentials = try await config.credentials.credentials(refresh: false)
        #expect(credentials.bearerToken?.value == "exec-token-1")

        let seen = folder.read("env.txt")
        #expect(seen.contains("PLUGIN_SETTING=from-kubeconfig"))
        #expect(seen.contains("HOME=\(folder.path)"))
        #expect(seen.contains("PATH=/usr/bin:/bin"))
        #expect(seen.contains("AWS_PROFILE=prod"))
        #expect(!seen.contains("PLUGIN_SETTING=overridden"), "the kubeconfig's env wins over the inherited value")
        #expect(!seen.contains(parentOnly), "the environment given, not this process's own")
        let infoLine = try #require(seen.split(separator: "\n").first { $0.hasPrefix("KUBERNETES_EXEC_INFO=") })
        let info = try JSONValue.parse(String(infoLine.dropFirst("KUBERNETES_EXEC_INFO=".count)))
        #expect(info["apiVersion"] == "client.authentication.k8s.io/v1")
        #expect(info["kind"] == "ExecCredential")
        #expect(info[path: "spec", "interactive"] == false)

        // Cached (no expiry): no second run; refresh runs it again.
        #expect(try await config.credentials.credentials(refresh: false).bearerToken?.value == "exec-token-1")
        #expect(runs == 1)
        #expect(try await config.credentials.credentials(refresh: true).bearerToken?.value == "exec-token-2")
        #expect(runs == 2)
    }

    @Test func provideClusterInfoPassesTheClusterToThePlugin() async throws {
        try plugin(body: #"{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "t"}}"#)
        let path = try folder.write("config", """
        current-context: x
        clusters: [{name: c, cluster: {server: https://c.example, tls-server-name: api.c, certificate-authority-data: \(configBase64("CA"))}}]
        users:
        - name: u
          user:
            exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh, provideClusterInfo: true}
        contexts: [{name: x, context: {cluster: c, user: u}}]
        """)
        let config = try KubeConfigLoader.load(explicitPath: path, environment: ["PATH": "/usr/bin:/bin"])
        #expect(try await config.credentials.credentials(refresh: false).bearerToken?.value == "t")
        let line = try #require(folder.read("env.txt").split(separator: "\n").first { $0.hasPrefix("KUBERNETES_EXEC_INFO=") })
        let info = try JSONValue.parse(String(line.dropFirst("KUBERNETES_EXEC_INFO=".count)))
        #expect(info[path: "spec", "cluster", "server"] == "https://c.example")
        #expect(info[path: "spec", "cluster", "tls-server-name"] == "api.c")
        #expect(info[path: "spec", "cluster", "certificate-authority-data"] == .string(configBase64("CA")))
    }

    @Test func v1beta1PluginWithClientCertificate() async throws {
        try plugin(body: #"{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential", "status": {"clientCertificateData": "CERT-COUNT", "clientKeyData": "KEY-COUNT"}}"#)
        let path = try kubeconfig(apiVersion: "client.authentication.k8s.io/v1beta1", command: folder.file("plugin.sh"))
        let config = try KubeConfigLoader.load(explicitPath: path, environment: ["PATH": "/usr/bin:/bin"])
        let credentials = try await config.credentials.credentials(refresh: false)
        #expect(credentials.clientCertificatePEM == SecretBytes("CERT-1"))
        #expect(credentials.clientKeyPEM == SecretBytes("KEY-1"))
        #expect(credentials.bearerToken == nil)
        #expect(folder.read("env.txt").contains("client.authentication.k8s.io/v1beta1"))
    }

    @Test func credentialsAreCachedUntilExpiry() async throws {
        try plugin(body: #"{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "t-COUNT", "expirationTimestamp": "2030-01-01T00:00:00Z"}}"#)
        let expiry = try #require(KubeTime.parse("2030-01-01T00:00:00Z"))
        let clock = ConfigTestClock(expiry.addingTimeInterval(-3600))
        let provider = ExecCredentials(
            config: ExecConfig(apiVersion: ExecConfig.v1, command: "./plugin.sh"), origin: folder.file("config"),
            field: "users[\"u\"].user.exec", environment: ["PATH": "/usr/bin:/bin"], now: { clock.now })
        #expect(try await provider.credentials(refresh: false).bearerToken?.value == "t-1")
        clock.advance(1800)
        #expect(try await provider.credentials(refresh: false).bearerToken?.value == "t-1")
        #expect(runs == 1)
        clock.set(expiry.addingTimeInterval(1))
        #expect(try await provider.credentials(refresh: false).bearerToken?.value == "t-2")
        #expect(try await provider.credentials(refresh: true).bearerToken?.value == "t-3")
        #expect(runs == 3)
    }

    @Test func concurrentCallersShareOneRun() async throws {
        try plugin(body: #"{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "t-COUNT"}}"#)
        let provider = ExecCredentials(config: ExecConfig(apiVersion: ExecConfig.v1, command: "./plugin.sh"),
                                       origin: folder.file("config"), field: "exec", environment: ["PATH": "/usr/bin:/bin"])
        let tokens = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<8 { group.addTask { try await provider.credentials(refresh: false).bearerToken?.value } }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(Set(tokens) == ["t-1"])
        #expect(runs == 1)
    }

    /// Runs a provider that must fail and returns its error.
    func failure(_ config: ExecConfig, timeout: TimeInterval = 20) async -> KubeConfigError? {
        let provider = ExecCredentials(config: config, origin: folder.file("config"), field: "users[\"u\"].user.exec",
                                       environment: ["PATH": "/usr/bin:/bin"], timeout: timeout, terminal: false)
        do {
            _ = try await provider.credentials(refresh: false)
            return nil
        } catch let error as KubeConfigError {
            return error
        } catch {
            Issue.record("unexpected error type: \(error)")
            return nil
        }
    }

    @Test func mismatchedApiVersionIsATypedError() async throws {
        try plugin(body: #"{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential", "status": {"token": "never-printed"}}"#)
        let error = await failure(ExecConfig(apiVersion: ExecConfig.v1, command: "./plugin.sh"))
        guard case .execPluginFailed(let command, let detail)? = error?.reason else {
            Issue.record("expected an exec failure, got \(String(describing: error))")
            return
        }
        #expect(command == "./plugin.sh")
        #expect(detail.contains("apiVersion"))
        #expect(error?.file == folder.file("config"))
        #expect(error?.field == "users[\"u\"].user.exec")
        #expect(error?.description.contains("never-printed") == false)
    }

    @Test func badOutputsAreTypedErrors() async throws {
        let cases = [
            "not json at all",
            #"{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {}}"#,
            #"{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"clientKeyData": "K"}}"#,
            #"{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "x", "expirationTimestamp": "soon"}}"#,
            #"{"apiVersion": "client.authentication.k8s.io/v1", "kind": "Other", "status": {"token": "x"}}"#,
        ]
        for (i, body) in cases.enumerated() {
            try plugin("bad\(i).sh", body: body)
            let error = await failure(ExecConfig(apiVersion: ExecConfig.v1, command: "./bad\(i).sh"))
            #expect(error?.description.contains("bad\(i).sh") == true, "case \(i)")
        }
    }

    @Test func failingPluginReportsStatusAndStderrButNotStdout() async throws {
        try plugin(body: #"{"token": "SECRET-IN-STDOUT"}"#, exitCode: 3)
        let error = await failure(ExecConfig(apiVersion: ExecConfig.v1, command: "./plugin.sh"))
        let text = error?.description ?? ""
        #expect(text.contains("status 3"))
        #expect(text.contains("plugin diagnostics here"))
        #expect(!text.contains("SECRET-IN-STDOUT"))
    }

    @Test func missingCommandShowsTheInstallHint() async {
        let error = await failure(ExecConfig(apiVersion: ExecConfig.v1, command: "gm-no-such-plugin", installHint: "install it from example.com"))
        #expect(error?.description.contains("gm-no-such-plugin") == true)
        #expect(error?.description.contains("install it from example.com") == true)
    }

    @Test func alwaysInteractiveWithoutATerminalIsRefused() async throws {
        try plugin(body: "{}")
        let error = await failure(ExecConfig(apiVersion: ExecConfig.v1, command: "./plugin.sh", interactiveMode: .always))
        #expect(error?.description.contains("not a terminal") == true)
        #expect(runs == 0)
    }

    /// `spec.interactive` is true only with a terminal and a mode other than Never; Always runs with one.
    @Test(arguments: [(ExecConfig.InteractiveMode.never, true, false), (.ifAvailable, true, true), (.ifAvailable, false, false),
                      (.always, true, true)])
    func interactiveModeWithATerminal(mode: ExecConfig.InteractiveMode, terminal: Bool, interactive: Bool) async throws {
        try plugin(body: #"{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "t"}}"#)
        let provider = ExecCredentials(config: ExecConfig(apiVersion: ExecConfig.v1, command: "./plugin.sh", interactiveMode: mode),
                                       origin: folder.file("config"), field: "exec", environment: ["PATH": "/usr/bin:/bin"],
                                       terminal: terminal)
        #expect(try await provider.credentials(refresh: false).bearerToken?.value == "t")
        let infoLine = try #require(folder.read("env.txt").split(separator: "\n").first { $0.hasPrefix("KUBERNETES_EXEC_INFO=") })
        let info = try JSONValue.parse(String(infoLine.dropFirst("KUBERNETES_EXEC_INFO=".count)))
        #expect(info[path: "spec", "interactive"] == .bool(interactive))
    }

    @Test func hangingPluginTimesOut() async throws {
        try folder.write("hang.sh", "#!/bin/sh\nsleep 5\n", executable: true)
        let error = await failure(ExecConfig(apiVersion: ExecConfig.v1, command: "./hang.sh"), timeout: 0.5)
        #expect(error?.description.contains("timed out") == true)
    }

    /// The kernel refuses to exec a file someone holds open for writing ("text file busy"), as
    /// a concurrently forked child briefly does right after the plugin was written.
    @Test func pluginHeldOpenForWritingIsRetriedThenReported() async throws {
        let path = try plugin(body: #"{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"token": "t"}}"#)
        let writer = open(path, O_WRONLY)
        #expect(writer >= 0)
        let error = await failure(ExecConfig(apiVersion: ExecConfig.v1, command: "./plugin.sh"))
        close(writer)
        let text = error?.description ?? ""
        #expect(text.contains(String(cString: strerror(ETXTBSY))), "\(text)")
        #expect(text.contains("tried 7 times"), "\(text)")
        #expect(runs == 0)

        // Once the writer lets go, the same plugin starts.
        let provider = ExecCredentials(config: ExecConfig(apiVersion: ExecConfig.v1, command: "./plugin.sh"),
                                       origin: folder.file("config"), field: "users[\"u\"].user.exec",
                                       environment: ["PATH": "/usr/bin:/bin"], timeout: 20)
        #expect(try await provider.credentials(refresh: false).bearerToken?.value == "t")
    }

    @Test func unsupportedApiVersionInKubeconfigIsRefused() throws {
        let path = try kubeconfig(apiVersion: "client.authentication.k8s.io/v1alpha1", command: "x")
        do {
            _ = try KubeConfigLoader.load(explicitPath: path, environment: [:])
            Issue.record("expected an error")
        } catch {
            #expect(error.field == "users[\"u\"].user.exec.apiVersion")
            #expect(error.file == path)
        }
    }
}
