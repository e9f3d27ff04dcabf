import ControllerKit
import FabricSimulator
import Foundation
import KubeAPI
import KubeEmulator
import OperatorTestSupport
import Testing
import TestSupport

/// The mounted image `scripts/test-image.sh` hands over, or nil.
struct ImageUnderTest: Sendable {
    let root: String
    let config: JSONValue

    static let current: ImageUnderTest? = {
        let env = ProcessInfo.processInfo.environment
        guard let root = env["GATEWAY_MEDIC_IMAGE_ROOT"], let configPath = env["GATEWAY_MEDIC_IMAGE_CONFIG"],
              let data = FileManager.default.contents(atPath: configPath),
              let config = (try? JSONValue.parse(data))?[path: "OCIv1", "config"] else { return nil }
        return ImageUnderTest(root: root, config: config)
    }()
}

/// Issue 21, acceptance 3: the built image's filesystem run as a pod runs it. `scripts/test-image.sh`
/// (in `make test`, after `make image`) mounts the image `gateway-medic:<version>` read-only, with
/// /proc, /dev, a tmpfs at /tmp (the pod's emptyDir) and an empty tmpfs where the service-account
/// volume goes, and names it in GATEWAY_MEDIC_IMAGE_ROOT, and `buildah inspect` of the image (its
/// OCI config: Entrypoint, Cmd, User, Env) in GATEWAY_MEDIC_IMAGE_CONFIG. Without them
/// (a plain `swift test`) this suite does not run.
@Suite(.serialized, .enabled(if: ImageUnderTest.current != nil, "set by scripts/test-image.sh"))
struct ImageRunTests {
    static let chroot = "/usr/sbin/chroot"
    static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// Writes `content` to `path` inside the image's filesystem, as root through chroot, so that
    /// the path resolves as the container sees it (/var/run is a symlink to /run in Debian).
    static func write(_ content: String, to path: String, in root: String) async throws {
        let result = try await ChildProcess.run(chroot, [root, "/bin/sh", "-c", "umask 022 && cat > \"$0\"", path],
                                                environment: ["PATH": "/usr/bin:/bin"], stdin: content, timeout: .seconds(20))
        #expect(result.status == 0, "writing \(path) in the image: \(result.stderr)")
    }

    @Test func theImageRunsInClusterModeAsUid65532AndWritesGatewayHealths() async throws {
        let image = try #require(ImageUnderTest.current)
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: Self.chroot) else {
            missingTool("running the image's filesystem needs root and \(Self.chroot): image run test skipped")
            return
        }
        guard let certs = try await TestPKI.make() else {
            missingTool("openssl not installed: image run test skipped")
            return
        }
        defer { certs.remove() }

        // What the pod runs: the image's entrypoint and command, as the image's user.
        let entrypoint = (image.config["Entrypoint"]?.arrayValue ?? []).compactMap(\.stringValue)
        let command = (image.config["Cmd"]?.arrayValue ?? []).compactMap(\.stringValue)
        let user = try #require(image.config["User"]?.stringValue)
        #expect(entrypoint == ["/usr/local/bin/gateway-medic"])
        #expect(command == ["run"])
        #expect(user == "65532:65532", "the image runs as the non-root uid the manifests require")
        var environment: [String: String] = [:]
        for entry in (image.config["Env"]?.arrayValue ?? []).compactMap(\.stringValue) {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { environment[parts[0]] = parts[1] }
        }

        // The API server: the emulator over TLS with a bearer token, a simulated fabric in it.
        let token = "image-run-\(UUID().uuidString)"
        E2EOutputRecord.secret(token)
        let server = EmulatedAPIServer(configuration: EmulatorConfiguration(tls: certs.emulatorTLS(), bearerToken: token))
        let port = try await server.start()
        let t0 = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 30)
        let timing = FabricTiming(startupDelay: 1, startupSpread: 0, applyDelay: 1, podRecreateDelay: 2, podSweepInterval: nil)
        let simulator = try FabricSimulator(spec: FabricSpec(gatewayCount: 3, timing: timing, seed: 21),
                                            store: CheckTestFabricStore(store: server.store), startTime: t0)
        try await simulator.bootstrap(now: t0)
        try await simulator.step(now: Date())

        // The service-account volume, at the standard path in the container's filesystem.
        try await Self.write(token, to: "\(Self.serviceAccountDirectory)/token", in: image.root)
        try await Self.write(certs.caPEM, to: "\(Self.serviceAccountDirectory)/ca.crt", in: image.root)
        try await Self.write("gateway-medic", to: "\(Self.serviceAccountDirectory)/namespace", in: image.root)

        environment["KUBERNETES_SERVICE_HOST"] = "127.0.0.1"
        environment["KUBERNETES_SERVICE_PORT"] = String(port)
        environment["POD_NAMESPACE"] = "gateway-medic"
        let probePort = try freePort()
        let gid = String(user.split(separator: ":").last ?? "")
        let process = try ChildProcess.start(Self.chroot, ["--userspec=\(user)", "--groups=\(gid)", image.root]
                                                 + entrypoint + command + ["--server-port", String(probePort)],
                                             environment: environment, record: E2EOutputRecord.cliOutput)
        defer { process.terminateIfRunning() }

        // chroot changes root and user, then execs the entrypoint: once the process is named
        // gateway-medic it is the operator, and runs with the image's credentials.
        let status = try #require(await eventuallyValue(20, every: .milliseconds(20)) { () -> String? in
            let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
            return text?.hasPrefix("Name:\tgateway-medic\n") == true ? text : nil
        }, "the entrypoint did not start")
        let ids = { (field: String) in
            status.split(separator: "\n").first { $0.hasPrefix("\(field):") }?.split(whereSeparator: \.isWhitespace).dropFirst().map(String.init)
        }
        #expect(ids("Uid") == ["65532", "65532", "65532", "65532"], "\(status)")
        #expect(ids("Gid") == ["65532", "65532", "65532", "65532"], "\(status)")

        // It syncs (readiness is every informer cache synced) and writes a GatewayHealth per gateway.
        let ready = await eventually(60, every: .milliseconds(200)) {
            (try? await httpGet("http://127.0.0.1:\(probePort)/readyz").status) == 200
        }
        #expect(ready, "the operator in the image became ready; its log:\n\(process.stderrLines().suffix(20).joined(separator: "\n"))")
        func states() -> [String: String] {
            var states: [String: String] = [:]
            for object in (try? server.store.list(.gatewayHealths, namespace: "default"))?.items ?? [] {
                if let name = object[path: "metadata", "name"]?.stringValue {
                    states[name] = object[path: "status", "state"]?.stringValue ?? ""
                }
            }
            return states
        }
        let expected = ["gateway-1": "UP", "gateway-2": "UP", "gateway-3": "UP"]
        #expect(await eventually(60, every: .milliseconds(200)) { states() == expected },
                "GatewayHealths written by the operator in the image: \(states()); its log:\n\(process.stderrLines().suffix(20).joined(separator: "\n"))")
        let writes = server.requestLog.filter { $0.isWrite && $0.resource == "gatewayhealths" }
        #expect(!writes.isEmpty && writes.allSatisfy { $0.info.userAgent.hasPrefix("gateway-medic") },
                "\(writes.map(\.info.userAgent))")
        #expect(try server.store.get(.leases, namespace: "gateway-medic", name: "gateway-medic")[path: "spec", "holderIdentity"] != nil,
                "the lease is taken in the pod's namespace")

        // A pod's stop: SIGTERM, a clean exit; the token never reached the log.
        process.signal(SIGTERM)
        let exit = await process.exitStatus(within: .seconds(30))
        #expect(exit == 0, "exit status \(String(describing: exit)); log:\n\(process.stderrLines().suffix(20).joined(separator: "\n"))")
        #expect(!process.stderrLines().joined().contains(token) && !process.stdoutText().contains(token))
        await server.stop()
    }
}
