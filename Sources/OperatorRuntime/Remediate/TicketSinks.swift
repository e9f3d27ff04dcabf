import Foundation
import Logging
import Remediation

/// The ticket sinks the configuration asks for (docs/tickets.md §4): a dry run only prints;
/// otherwise ConfigMaps in the operator namespace (unless turned off), a folder, then every
/// optional sink whose section is configured, each made by its own settings
/// (`TicketSinkSettings.makeSink`): the factory knows no sink's type.
public struct TicketSinks: Sendable {
    /// In order: the ConfigMaps first, so they are the store drafts are read back from.
    public var sinks: [any TicketSink]

    public static func make(settings: TicketSettings, dryRun: Bool, context: TicketSinkContext,
                            output: @escaping @Sendable (String) -> Void) -> TicketSinks {
        if dryRun { return TicketSinks(sinks: [PrintTicketSink(output: output)]) }
        let stores: [(any TicketSink)?] = [
            ConfigMapTicketSink.make(enabled: settings.configMaps, context: context),
            DirectoryTicketSink.make(directory: settings.directory),
        ]
        let optional = settings.sinkSections.compactMap { $0?.makeSink(context: context) }
        return TicketSinks(sinks: stores.compactMap { $0 } + optional)
    }

    /// The sink of this name (`webhook`, `alertmanager`, ...), if configured.
    public func sink(named name: String) -> (any TicketSink)? { sinks.first { $0.name == name } }

    /// Stops every sink's background work (pending deliveries stay undelivered).
    public func stop() async {
        for sink in sinks { await sink.stop() }
    }

    /// The drafts kept by the first sink that keeps any (the ConfigMaps, else the folder); nil
    /// when no sink keeps drafts, or the store cannot be read (logged).
    public func loadStored(logger: Logger) async -> [TicketDraft]? {
        for sink in sinks {
            do {
                if let drafts = try await sink.loadAll() { return drafts }
            } catch {
                logger.warning("cannot read the stored ticket drafts; continuing with the ones in memory",
                               metadata: ["sink": "\(sink.name)",
                                          "error": "\((error as? TicketSinkError)?.description ?? "\(type(of: error))")"])
                return nil
            }
        }
        return nil
    }
}
