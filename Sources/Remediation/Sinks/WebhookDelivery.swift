import Foundation
import KubeClient
import Scheduling

/// Something that POSTs JSON: `WebhookPoster` in production, anything in tests.
public protocol WebhookPosting: Sendable {
    @discardableResult
    func postJSON(url: String, body: [UInt8], headers: [String: String],
                  secretHeaders: [String: SecretString]) async throws -> Int
}

extension WebhookPoster: WebhookPosting {}

/// Where a sink's secret (the webhook's header value, Alertmanager's token or password) comes from. It is read again before every attempt, so
/// a rotated file is picked up; it is never logged.
public enum WebhookSecretSource: Sendable, CustomStringConvertible {
    case none
    /// A file whose content (surrounding whitespace trimmed) is the value.
    case file(String)
    /// An environment variable.
    case environment(String)

    public var description: String {
        switch self {
        case .none: "no secret"
        case .file(let path): "file \(path)"
        case .environment(let name): "environment variable \(name)"
        }
    }

    var isSet: Bool {
        if case .none = self { return false }
        return true
    }

    func read(environment: [String: String]) throws(TicketSinkError) -> SecretString? {
        switch self {
        case .none:
            return nil
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .secretUnavailable(source: description, message: "the file is missing or unreadable")
            }
            let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if value.isEmpty { throw .secretUnavailable(source: description, message: "the file is empty") }
            return SecretString(value)
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw .secretUnavailable(source: description, message: "it is unset or empty")
            }
            return SecretString(value)
        }
    }
}

/// Exponential backoff between delivery attempts.
public struct WebhookRetryPolicy: Sendable, Equatable {
    public var initialDelay: Duration
    public var maxDelay: Duration
    public var multiplier: Double

    public init(initialDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(60), multiplier: Double = 2) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.multiplier = multiplier
    }

    /// The wait after the `attempt`-th consecutive failure (1-based).
    public func delay(afterAttempt attempt: Int) -> Duration {
        let delay = Backoff(initial: initialDelay, factor: multiplier, cap: maxDelay).delay(afterFailures: attempt)
        return .milliseconds(Int64((delay.seconds * 1000).rounded()))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
