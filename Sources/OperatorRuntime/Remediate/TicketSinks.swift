import Foundation
import Logging
import Remediation

/// The ticket sinks the configuration asks for (docs/tickets.md §4): a dry run only prints;
/// otherwise ConfigMaps in the operator namespace (unless turned off), a folder, a webhook, each
/// made by its own factory from its own settings.
public struct TicketSinks: Sendable {
    /// In order: the ConfigMaps first, so they are the store drafts are read back from.
    public var sinks: [any TicketSink]
    public var webhook: WebhookTicketSink?

    public static func make(settings: TicketSettings, dryRun: Bool, context: TicketSinkContext,
                            output: @escaping @Sendable (String) -> Void) -> TicketSinks {
        if dryRun { return TicketSinks(sinks: [PrintTicketSink(output: output)], webhook: nil) }
        let webhook = WebhookTicketSink.make(settings: settings.webhook, context: context)
        let sinks: [(any TicketSink)?] = [
            ConfigMapTicketSink.make(enabled: settings.configMaps, context: context),
            DirectoryTicketSink.make(directory: settings.directory),
            webhook,
        ]
        return TicketSinks(sinks: sinks.compactMap { $0 }, webhook: webhook)
    }

    /// The drafts kept by the first sink that keeps any (the ConfigMaps, else the folder); nil
    /// when no sink keeps drafts, or the store cannot be read (logged).
    public func loadStored(logger: Logger) async -> [TicketDraft]? {
        for sink in sinks {
            do {
                if let drafts = try await sink.loadAll() { return drafts }
            } catch {
                logger.warning("cannot read the stored ticket drafts; continuing with the ones in memory",
                               metadata: ["sink": "\(type(of: sink))",
                                          "error": "\((error as? TicketSinkError)?.description ?? "\(type(of: error))")"])
                return nil
            }
        }
        return nil
    }
}
