import Foundation
import KubeAPI
import YAML

/// A kubeconfig user's `exec` section: how to run a credential plugin.
public struct ExecConfig: Sendable, Equatable {
    public enum InteractiveMode: String, Sendable, Equatable {
        case never = "Never"
        case ifAvailable = "IfAvailable"
        case always = "Always"
    }

    public static let v1 = "client.authentication.k8s.io/v1"
    public static let v1beta1 = "client.authentication.k8s.io/v1beta1"

    public var apiVersion: String
    /// As written; resolved to an executable by `ExecCredentials`.
    public var command: String
    public var args: [String]
    /// The kubeconfig's `env` entries, in order.
    public var env: [(name: String, value: String)]
    public var interactiveMode: InteractiveMode
    public var provideClusterInfo: Bool
    public var installHint: String?

    public init(apiVersion: String, command: String, args: [String] = [], env: [(name: String, value: String)] = [],
                interactiveMode: InteractiveMode = .ifAvailable, provideClusterInfo: Bool = false, installHint: String? = nil) {
        self.apiVersion = apiVersion
        self.command = command
        self.args = args
        self.env = env
        self.interactiveMode = interactiveMode
        self.provideClusterInfo = provideClusterInfo
        self.installHint = installHint
    }

    public static func == (a: ExecConfig, b: ExecConfig) -> Bool {
        a.apiVersion == b.apiVersion && a.command == b.command && a.args == b.args
            && a.env.map(\.name) == b.env.map(\.name) && a.env.map(\.value) == b.env.map(\.value)
            && a.interactiveMode == b.interactiveMode && a.provideClusterInfo == b.provideClusterInfo && a.installHint == b.installHint
    }

    /// Reads `exec` from a user entry; `field` is the path of the `exec` mapping.
    static func read(_ exec: [String: YAMLNode], field: String, fields: FieldReader) throws(KubeConfigError) -> ExecConfig {
        guard let apiVersion = try fields.string(exec["apiVersion"], at: "\(field).apiVersion") else {
            throw KubeConfigError(file: fields.file, field: "\(field).apiVersion", reason: .missingField)
        }
        guard apiVersion == v1 || apiVersion == v1beta1 else {
            throw KubeConfigError(file: fields.file, field: "\(field).apiVersion",
                                  reason: .invalidField("unsupported exec apiVersion \"\(apiVersion)\" (use \(v1) or \(v1beta1))"))
        }
        guard let command = try fields.string(exec["command"], at: "\(field).command"), !command.isEmpty else {
            throw KubeConfigError(file: fields.file, field: "\(field).command", reason: .missingField)
        }
        var env: [(name: String, value: String)] = []
        for (i, entry) in (try fields.sequence(exec["env"], at: "\(field).env") ?? []).enumerated() {
            let entryField = "\(field).env[\(i)]"
            let mapping = try fields.mapping(entry, at: entryField) ?? [:]
            guard let name = try fields.string(mapping["name"], at: "\(entryField).name"), !name.isEmpty else {
                throw KubeConfigError(file: fields.file, field: "\(entryField).name", reason: .missingField)
            }
            env.append((name, try fields.string(mapping["value"], at: "\(entryField).value") ?? ""))
        }
        var mode = InteractiveMode.ifAvailable
        if let text = try fields.string(exec["interactiveMode"], at: "\(field).interactiveMode") {
            guard let parsed = InteractiveMode(rawValue: text) else {
                throw KubeConfigError(file: fields.file, field: "\(field).interactiveMode",
                                      reason: .invalidField("must be Never, IfAvailable or Always, not \"\(text)\""))
            }
            mode = parsed
        }
        return ExecConfig(
            apiVersion: apiVersion, command: command, args: try fields.strings(exec["args"], at: "\(field).args"), env: env,
            interactiveMode: mode,
            provideClusterInfo: try fields.bool(exec["provideClusterInfo"], at: "\(field).provideClusterInfo") ?? false,
            installHint: try fields.string(exec["installHint"], at: "\(field).installHint"))
    }
}
