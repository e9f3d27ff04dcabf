import Foundation
import KubeEmulator

// The project's API-server emulator as a process of its own, for tests written in another
// language (scripts/test_chart.py installs the Helm chart into it with the real Helm engine).
// Test-only: no product ships it. It prints one line, `serving <url>`, once it listens, and
// exits when its stdin closes (the test ended or died) or after --lifetime seconds, whichever
// comes first; on exit it prints the requests that failed (method, path, code) to stderr.
//
//   TestAPIServer [--tls-cert PEM --tls-key PEM] [--token-file FILE] [--no-fabric] [--lifetime SECONDS]
//
// --no-fabric leaves the Hedgehog and GatewayHealth CRDs out (an installer then creates its own).

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("TestAPIServer: \(message)\n".utf8))
    exit(2)
}

func serve() async {
    var tlsCert: String?, tlsKey: String?, tokenFile: String?
    var registerFabric = true
    var lifetime: Double = 600
    var arguments = CommandLine.arguments.dropFirst()
    while let argument = arguments.popFirst() {
        func value() -> String {
            guard let v = arguments.popFirst() else { fail("\(argument) needs a value") }
            return v
        }
        switch argument {
        case "--tls-cert": tlsCert = value()
        case "--tls-key": tlsKey = value()
        case "--token-file": tokenFile = value()
        case "--no-fabric": registerFabric = false
        case "--lifetime":
            guard let seconds = Double(value()), seconds > 0 else { fail("--lifetime needs a positive number of seconds") }
            lifetime = seconds
        default: fail("unknown argument \(argument)")
        }
    }

    var configuration = EmulatorConfiguration()
    configuration.registerFabricResources = registerFabric
    switch (tlsCert, tlsKey) {
    case (nil, nil): break
    case let (cert?, key?):
        do {
            configuration.tls = .init(certificateChainPEM: try String(contentsOfFile: cert, encoding: .utf8),
                                      privateKeyPEM: try String(contentsOfFile: key, encoding: .utf8), http2: true)
        } catch {
            fail("cannot read the TLS files: \(error)")
        }
    default: fail("--tls-cert and --tls-key go together")
    }
    if let tokenFile {
        guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
              !token.isEmpty else { fail("cannot read a token from \(tokenFile)") }
        configuration.bearerToken = token
    }

    let server = EmulatedAPIServer(configuration: configuration)
    do {
        try await server.start()
    } catch {
        fail("cannot start: \(error)")
    }

    @Sendable func finish(_ why: String) -> Never {
        let failed = server.requestLog.filter { $0.code >= 400 }
        var report = "TestAPIServer: \(why); \(server.requestLog.count) requests, \(failed.count) failed\n"
        for r in failed { report += "  \(r.code) \(r.info.method) \(r.path)\n" }
        FileHandle.standardError.write(Data(report.utf8))
        exit(0)
    }

    FileHandle.standardOutput.write(Data("serving \(server.baseURL)\n".utf8))  // unbuffered: the parent waits for it
    // The parent holds our stdin: when it closes (the test finished, or was killed), stop.
    Thread.detachNewThread {
        _ = FileHandle.standardInput.readDataToEndOfFile()
        finish("stdin closed")
    }
    try? await Task.sleep(for: .seconds(lifetime))
    finish("lifetime of \(Int(lifetime)) s reached")
}

await serve()
