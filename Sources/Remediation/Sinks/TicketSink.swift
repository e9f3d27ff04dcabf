import Foundation

/// Where ticket drafts go. `write` creates or replaces a draft; `remove` forgets an expired one
/// (removing one that is not there is not an error).
public protocol TicketSink: Sendable {
    func write(_ draft: TicketDraft) async throws
    func remove(id: String) async throws
}

extension TicketSink {
    /// Applies planner changes in order; returns the errors instead of stopping at the first, so
    /// one failing draft does not hold back the others.
    public func apply(_ changes: [TicketChange]) async -> [any Error] {
        var errors: [any Error] = []
        for change in changes {
            do {
                if let draft = change.draft { try await write(draft) } else { try await remove(id: change.id) }
            } catch {
                errors.append(error)
            }
        }
        return errors
    }
}

/// Dry-run: prints each draft as Markdown through `output` instead of storing it.
public struct PrintTicketSink: TicketSink {
    private let output: @Sendable (String) -> Void

    public init(output: @escaping @Sendable (String) -> Void) {
        self.output = output
    }

    public func write(_ draft: TicketDraft) async throws {
        output("--- ticket draft \(draft.id) (\(draft.status.rawValue)) ---\n" + TicketRenderer.markdown(draft))
    }

    public func remove(id: String) async throws {
        output("--- ticket draft \(id) expired (would be removed) ---")
    }
}

/// Failures of the ticket sinks, with what a user needs to act on.
public enum TicketSinkError: Error, Sendable, CustomStringConvertible {
    case io(path: String, message: String)
    case api(id: String, message: String)
    case secretUnavailable(source: String, message: String)

    public var description: String {
        switch self {
        case .io(let path, let message): "cannot write the ticket file \(path): \(message)"
        case .api(let id, let message): "cannot store ticket draft \(id) as a ConfigMap: \(message)"
        case .secretUnavailable(let source, let message): "cannot read the webhook secret from \(source): \(message)"
        }
    }
}
