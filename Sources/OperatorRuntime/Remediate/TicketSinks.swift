import Foundation
import KubeClient
import Logging
import Remediation

/// The ticket sinks the configuration asks for (docs/tickets.md §4): a dry run only prints;
/// otherwise ConfigMaps in the operator namespace (unless turned off), a folder, a webhook.
public struct TicketSinks: Sendable {
    public var sinks: [any TicketSink]
    /// The sink drafts are read back from at startup (the ConfigMaps, else the folder).
    public var store: (any TicketSink)?
    public var webhook: WebhookTicketSink?

    public static func make(settings: TicketSettings, dryRun: Bool, client: KubeClient, operatorNamespace: String,
                            output: @escaping @Sendable (String) -> Void, logger: Logger,
                            webhookRetry: WebhookRetryPolicy = WebhookRetryPolicy()) -> TicketSinks {
        if dryRun { return TicketSinks(sinks: [PrintTicketSink(output: output)], store: nil, webhook: nil) }
        var sinks: [any TicketSink] = []
        var store: (any TicketSink)?
        if settings.configMaps {
            let sink = ConfigMapTicketSink(client: client, namespace: operatorNamespace)
            sinks.append(sink)
            store = sink
        }
        if let directory = settings.directory, !directory.isEmpty {
            let sink = DirectoryTicketSink(path: directory)
            sinks.append(sink)
            store = store ?? sink
        }
        var webhook: WebhookTicketSink?
        if let hook = settings.webhook, !hook.url.isEmpty {
            let secret: WebhookSecretSource
            if let file = hook.secretFile, !file.isEmpty {
                secret = .file(file)
            } else if let name = hook.secretEnv, !name.isEmpty {
                secret = .environment(name)
            } else {
                secret = .none
            }
            do {
                let sink = WebhookTicketSink(url: hook.url, headerName: hook.headerName, secret: secret, poster: try WebhookPoster(),
                                             retry: webhookRetry, logger: logger)
                sinks.append(sink)
                webhook = sink
            } catch {
                logger.error("the ticket webhook cannot start; drafts go to the other sinks only",
                             metadata: ["url": "\(WebhookPoster.displayURL(hook.url))", "error": "\(error.description)"])
            }
        }
        return TicketSinks(sinks: sinks, store: store, webhook: webhook)
    }

    /// Drafts kept by the store sink (empty without one, or when it cannot be read: logged).
    public func loadStored(logger: Logger) async -> [TicketDraft] {
        do {
            switch store {
            case let sink as ConfigMapTicketSink: return try await sink.loadAll()
            case let sink as DirectoryTicketSink: return try sink.loadAll()
            default: return []
            }
        } catch {
            logger.warning("cannot read the stored ticket drafts; starting without them",
                           metadata: ["error": "\((error as? TicketSinkError)?.description ?? "\(type(of: error))")"])
            return []
        }
    }
}
