import TestSupport
import Foundation
import KubeAPI
@testable import KubeEmulator

/// Talks to the emulator with the `curl` CLI, so the tests do not depend on the product's client.
struct Curl {
    var baseURL: String
    var extraArguments: [String] = []

    struct Reply {
        var code: Int
        var body: String
        var headers: String
        var json: JSONValue? { try? JSONValue.parse(body) }
    }

    init(_ server: EmulatedAPIServer, extraArguments: [String] = []) {
        baseURL = server.baseURL
        self.extraArguments = extraArguments
    }

    /// `timeout` bounds a request that hangs; it is generous because on a loaded two-core machine
    /// starting curl and being answered can take seconds (a refused connection still fails at once).
    func request(_ method: String, _ path: String, body: String? = nil, contentType: String = "application/json",
                 headers: [String] = [], timeout: Double = 30) async throws -> Reply {
        guard let curl = ChildProcess.which("curl") else { throw CurlMissing() }
        let headerFile = FileManager.default.temporaryDirectory.appendingPathComponent("hdr-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: headerFile) }
        var args = ["-s", "-S", "-X", method, "--max-time", String(Int(timeout)), "-D", headerFile, "-w", "\n%{http_code}"] + extraArguments
        for h in headers { args += ["-H", h] }
        if body != nil {
            args += ["-H", "Content-Type: \(contentType)", "--data-binary", "@-"]
        }
        args.append(baseURL + path)
        let result = try await ChildProcess.run(curl, args, stdin: body ?? "", timeout: .seconds(timeout + 2))
        var text = result.stdout
        let codeLine = text.split(separator: "\n", omittingEmptySubsequences: false).last.map(String.init) ?? "0"
        text = String(text.dropLast(codeLine.count)).trimmingCharacters(in: .newlines)
        let headerText = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        return Reply(code: Int(codeLine) ?? 0, body: text, headers: headerText)
    }

    func get(_ path: String, headers: [String] = []) async throws -> Reply { try await request("GET", path, headers: headers) }
    func post(_ path: String, _ body: JSONValue) async throws -> Reply { try await request("POST", path, body: body.jsonString) }
    func put(_ path: String, _ body: JSONValue) async throws -> Reply { try await request("PUT", path, body: body.jsonString) }
    func patch(_ path: String, _ body: String, type: String = "application/merge-patch+json") async throws -> Reply {
        try await request("PATCH", path, body: body, contentType: type)
    }
    func delete(_ path: String, body: JSONValue? = nil) async throws -> Reply { try await request("DELETE", path, body: body?.jsonString) }

    /// Opens a watch with curl -N and returns its lines as they arrive.
    func watch(_ pathAndQuery: String) throws -> ChildProcess {
        guard let curl = ChildProcess.which("curl") else { throw CurlMissing() }
        return try ChildProcess.start(curl, ["-s", "-N", "--max-time", "30"] + extraArguments + [baseURL + pathAndQuery])
    }
}

struct CurlMissing: Error {}

/// Starts an emulator for one test and stops it afterwards.
func withEmulator<T>(_ configuration: EmulatorConfiguration = EmulatorConfiguration(),
                     _ body: (EmulatedAPIServer) async throws -> T) async throws -> T {
    let server = EmulatedAPIServer(configuration: configuration)
    try await server.start()
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}


func agent(_ name: String, namespace: String = "default", labels: [String: String] = [:], generation spec: Int64 = 1) -> JSONValue {
    var meta: JSONValue = ["name": .string(name), "namespace": .string(namespace)]
    if !labels.isEmpty { meta["labels"] = .object(labels.mapValues { JSONValue.string($0) }) }
    return ["apiVersion": "gwint.githedgehog.com/v1alpha1", "kind": "GatewayAgent", "metadata": meta,
            "spec": ["gateway": ["protocolIP": .string("172.30.8.\(spec)/32"), "asn": .int(65534)]]]
}
