// swift-tools-version:6.1
// gateway-medic: one target per concept. Data flows
//   KubeClient (watch) → ControllerKit (informer, cache, queue) → OperatorRuntime (reconcile)
//   → HealthModel (evaluate) → Remediation (plan) → OperatorRuntime (write status, Events, actions) → KubeClient.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "gateway-medic",
    platforms: [.macOS(.v14)],
    products: [
        // The operator: what the container image ships. It links no API server, emulator or simulator.
        .executable(name: "gateway-medic", targets: ["GatewayMedicCLI"]),
        // The scripted demo: the operator against the embedded emulator and a simulated fabric (`make demo`).
        .executable(name: "gateway-medic-demo", targets: ["GatewayMedicDemo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
    ],
    targets: [
        // C libraries, through the system's -dev packages.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // zlib: keeps the cached GatewayHealth statuses compressed (CompactJSON).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        // YAML text → the JSON value the API speaks.
        .target(name: "YAML", dependencies: ["CYAML", "KubeAPI"], swiftSettings: strict),
        // The generic API machinery: JSON values, ObjectMeta, lists, Status, watch events, Events, Leases.
        // It defines no product resource: no Hedgehog or gateway-medic type.
        .target(name: "KubeAPI", dependencies: ["CZlib", "Locking"], swiftSettings: strict),
        // Where the Hedgehog fabric's resources and gateway-medic's GatewayHealth live in the API.
        .target(name: "HedgehogResources", dependencies: ["KubeAPI"], swiftSettings: strict),
        // A value behind a lock, shared by the transport, the emulator and the runtime: the one lock type.
        .target(name: "Locking", swiftSettings: strict),
        // When to do something next: the one deadline heap (work queue, fabric simulator) and the one
        // exponential backoff (request retries, watch reconnects, reconcile failures, webhooks).
        .target(name: "Scheduling", swiftSettings: strict),
        // The client: kubeconfig, credentials, the libcurl transport, requests and watches.
        .target(
            name: "KubeClient",
            dependencies: [
                "CCurl", "YAML", "KubeAPI", "Locking", "Scheduling",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // An in-process Kubernetes API server for tests, the demo and the benchmark.
        .target(
            name: "KubeEmulator",
            dependencies: [
                "KubeAPI", "HedgehogResources", "Locking",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Pure: Hedgehog objects + history + policy + now → a gateway's assessment. Its views read
        // an object's parsed JSON tree (`FieldReader`), noting every malformed field.
        .target(name: "HealthModel", dependencies: ["KubeAPI"], swiftSettings: strict),
        // The watch's fast path: the GatewayAgent and switch Agent views read straight from an
        // object's bytes (`JSONScanner`); on anything unusual it misses and HealthModel reads the tree.
        .target(name: "ViewScanning", dependencies: ["HealthModel", "KubeAPI"], swiftSettings: strict),
        // Pure planning of restarts and tickets, plus their executors at the edge.
        .target(
            name: "Remediation",
            dependencies: [
                "HealthModel", "KubeAPI", "KubeClient", "Scheduling",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The generic controller kit: informer, store, list-watch source, work queue, controller, rate
        // limiter, leader election, Event recorder and the protocols of their sinks, clocks. It knows
        // no Hedgehog or gateway-medic type and no client: OperatorRuntime adapts KubeClient to it.
        .target(
            name: "ControllerKit",
            dependencies: [
                "KubeAPI", "Locking", "Scheduling",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The gateway-medic application: its informers and fleet index, the reconciler, status/Event
        // writers, remediation and ticket coordination, settings, `check`, probes and metrics.
        .target(
            name: "OperatorRuntime",
            dependencies: [
                "ControllerKit", "KubeClient", "KubeAPI", "HedgehogResources", "HealthModel", "ViewScanning", "Remediation", "YAML", "Locking", "Scheduling",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        // A simulated Hedgehog fabric living on the emulator (tests, demo, benchmark).
        .target(
            name: "FabricSimulator",
            dependencies: ["KubeEmulator", "KubeAPI", "HedgehogResources", "HealthModel", "Scheduling"],
            swiftSettings: strict
        ),
        // The demo's story and display: the operator against the emulator and a scripted simulated fabric.
        .target(
            name: "Demo",
            dependencies: [
                "OperatorRuntime", "ControllerKit", "FabricSimulator", "KubeEmulator", "KubeClient", "HedgehogResources", "HealthModel", "Remediation", "Locking",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // `make bench`: latency, sync time, CPU, memory and decoding throughput at 10 to 10,000 gateways.
        .executableTarget(
            name: "GatewayMedicBench",
            dependencies: [
                "OperatorRuntime", "ControllerKit", "FabricSimulator", "KubeEmulator", "KubeClient", "HealthModel", "ViewScanning", "KubeAPI", "HedgehogResources", "Locking",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "GatewayMedicCLI",
            dependencies: [
                "OperatorRuntime", "ControllerKit", "KubeClient", "KubeAPI", "HealthModel", "Remediation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // `gateway-medic-demo` (`make demo`): kept out of `gateway-medic` so that the operator's
        // binary and image contain no API server (`make release-check` looks with nm).
        .executableTarget(
            name: "GatewayMedicDemo",
            dependencies: [
                "Demo", "OperatorRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        // The emulator as a process of its own, for scripts/test_chart.py (Helm installs the chart
        // into it). Test-only: no product ships it.
        .executableTarget(name: "TestAPIServer", dependencies: ["KubeEmulator"], path: "Tests/TestAPIServer", swiftSettings: strict),

        // The test helpers, one of each: `eventually`, `ChildProcess` (the process runner), `TestPKI`
        // (openssl-made certificates), `LoopbackHTTPServer` (the raw HTTP server), `httpGet` (a GET
        // on loopback), `missingTool`.
        // Also the fakes of the controller kit's protocols (Lease store, Event sink, list/watch source).
        .target(
            name: "TestSupport",
            dependencies: ["KubeEmulator", "KubeAPI", "Locking", "ControllerKit", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        // The product's test helpers that several test targets share: the e2e output record (the
        // secrets handed out, every log line, the objects left, for scripts/check_e2e_record.py),
        // the quiet logger that feeds it, `CheckFixture` (an emulator with a simulated fabric in
        // it and a kubeconfig for it), `configFile`, and `Monitoring` (manifests/monitoring and the
        // Prometheus tools).
        .target(
            name: "OperatorTestSupport",
            dependencies: ["FabricSimulator", "KubeEmulator", "KubeAPI", "Locking", "YAML", .product(name: "Logging", package: "swift-log")],
            path: "Tests/OperatorTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "YAMLTests", dependencies: ["YAML"], swiftSettings: strict),
        .testTarget(name: "SchedulingTests", dependencies: ["Scheduling"], swiftSettings: strict),
        .testTarget(name: "KubeAPITests", dependencies: ["KubeAPI"], swiftSettings: strict),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "KubeEmulator", "HedgehogResources", "YAML", "TestSupport", "Locking"], swiftSettings: strict),
        .testTarget(name: "KubeEmulatorTests", dependencies: ["TestSupport", "KubeEmulator", "KubeClient", "KubeAPI", "HedgehogResources"], swiftSettings: strict),
        .testTarget(name: "HealthModelTests", dependencies: ["HealthModel", "ViewScanning"], swiftSettings: strict),
        .testTarget(name: "FabricSimulatorTests", dependencies: ["FabricSimulator", "KubeEmulator", "KubeAPI", "HedgehogResources", "HealthModel", "ViewScanning", "Locking"], swiftSettings: strict),
        .testTarget(name: "RemediationTests", dependencies: ["Remediation", "HealthModel", "KubeClient", "KubeEmulator", "TestSupport", "Locking"], swiftSettings: strict),
        .testTarget(name: "ControllerKitTests", dependencies: ["ControllerKit", "TestSupport", "KubeAPI", "Locking"], swiftSettings: strict),
        // OperatorRuntime's own tests: reconcile (and its golden file), the fleet index, settings, their
        // declarations and flags (with GatewayMedicCLI's help), metrics, the probe and metrics
        // servers, streaming lists, the hot path.
        .testTarget(
            name: "OperatorTests",
            dependencies: [
                "OperatorRuntime", "ControllerKit", "FabricSimulator", "KubeEmulator", "KubeClient", "HealthModel", "Remediation",
                "GatewayMedicCLI", "TestSupport", "OperatorTestSupport", "Locking", "Scheduling", "YAML", "KubeAPI", "HedgehogResources",
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // End to end: the whole operator over HTTP against the emulator and a simulated fabric
        // (`E2EWorld`, `RunningOperator`), faults, remediation, tickets, the CRD through kubectl.
        .testTarget(
            name: "E2ETests",
            dependencies: [
                "OperatorRuntime", "ControllerKit", "FabricSimulator", "KubeEmulator", "KubeClient", "HealthModel", "Remediation",
                "TestSupport", "OperatorTestSupport", "Locking", "YAML", "KubeAPI", "HedgehogResources",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // `check` on a simulated fabric: its verdicts, output and exit codes.
        .testTarget(
            name: "CheckTests",
            dependencies: [
                "OperatorRuntime", "ControllerKit", "FabricSimulator", "KubeEmulator", "KubeClient", "HealthModel",
                "TestSupport", "OperatorTestSupport", "YAML", "KubeAPI", "HedgehogResources",
            ],
            swiftSettings: strict
        ),
        // The built `gateway-medic` binary as a user runs it: a process (`check`, `run` with leader
        // election and webhooks, `make install`), and the image's filesystem run as a pod
        // (`ImageRunTests`, enabled by scripts/test-image.sh).
        .testTarget(
            name: "GatewayMedicBinaryTests",
            dependencies: ["ControllerKit", "FabricSimulator", "KubeEmulator", "HedgehogResources", "KubeAPI", "TestSupport", "OperatorTestSupport"],
            swiftSettings: strict
        ),
        // The Prometheus rules and alerts, with promtool, Prometheus and Alertmanager.
        .testTarget(
            name: "MonitoringTests",
            dependencies: ["FabricSimulator", "KubeAPI", "YAML", "TestSupport", "OperatorTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(name: "DemoTests", dependencies: ["Demo", "HealthModel", "Locking"], swiftSettings: strict),
    ]
)
