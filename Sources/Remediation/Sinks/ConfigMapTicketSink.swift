import Foundation
import KubeAPI
import KubeClient

/// Stores each draft as a ConfigMap `gatewaymedic-ticket-<id>` in the operator's namespace, labelled
/// so that `kubectl get configmaps -l gatewaymedic.io/ticket` lists them; data `ticket.md` and
/// `ticket.json`. The in-cluster default sink.
public struct ConfigMapTicketSink: TicketSink {
    public static let ticketLabel = "gatewaymedic.io/ticket"
    public static let gatewayLabel = "gatewaymedic.io/gateway"
    public static let namePrefix = "gatewaymedic-ticket-"

    private let client: KubeClient
    public let namespace: String

    public init(client: KubeClient, namespace: String) {
        self.client = client
        self.namespace = namespace
    }

    public static func configMapName(id: String) -> String { namePrefix + id }

    /// The ConfigMap for a draft.
    public static func configMap(for draft: TicketDraft, namespace: String) -> JSONValue {
        let labels: [String: JSONValue] = [
            ticketLabel: "true",
            gatewayLabel: .string(labelValue(draft.gateway)),
            "gatewaymedic.io/ticket-status": .string(draft.status.rawValue),
            "app.kubernetes.io/managed-by": "gateway-medic",
        ]
        return [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": .string(configMapName(id: draft.id)), "namespace": .string(namespace), "labels": .object(labels)],
            "data": ["ticket.md": .string(TicketRenderer.markdown(draft)), "ticket.json": .string(TicketRenderer.json(draft))],
        ]
    }

    /// The sink the settings ask for: nil when `tickets.configMaps` is false.
    public var name: String { "configmap" }

    public static func make(enabled: Bool, context: TicketSinkContext) -> ConfigMapTicketSink? {
        enabled ? ConfigMapTicketSink(client: context.client, namespace: context.namespace) : nil
    }

    /// A new draft: its ConfigMap does not exist yet, so it is created. When it exists after all
    /// (stored by an instance whose drafts this one could not read), it is patched instead.
    public func open(_ draft: TicketDraft) async throws {
        do {
            _ = try await client.create(.configMaps, namespace: namespace, body: Self.configMap(for: draft, namespace: namespace))
        } catch where error.isAlreadyExists {
            do { try await patch(draft) } catch { throw TicketSinkError.api(id: draft.id, message: error.description) }
        } catch {
            throw TicketSinkError.api(id: draft.id, message: error.description)
        }
    }

    /// A new version of a stored draft: its ConfigMap is patched directly, no refused create
    /// first. When it is gone (deleted by hand), it is created again.
    public func update(_ draft: TicketDraft) async throws {
        do {
            try await patch(draft)
        } catch where error.isNotFound {
            do {
                _ = try await client.create(.configMaps, namespace: namespace, body: Self.configMap(for: draft, namespace: namespace))
            } catch {
                throw TicketSinkError.api(id: draft.id, message: error.description)
            }
        } catch {
            throw TicketSinkError.api(id: draft.id, message: error.description)
        }
    }

    /// Replaces the labels and data of the draft's ConfigMap (a merge patch).
    private func patch(_ draft: TicketDraft) async throws(KubeError) {
        let body = Self.configMap(for: draft, namespace: namespace)
        let patch: JSONValue = ["metadata": ["labels": body[path: "metadata", "labels"] ?? [:]], "data": body["data"] ?? [:]]
        _ = try await client.patch(.configMaps, namespace: namespace, name: Self.configMapName(id: draft.id), patch: .merge(patch))
    }

    public func remove(id: String) async throws {
        do {
            try await client.delete(.configMaps, namespace: namespace, name: Self.configMapName(id: id))
        } catch where error.isNotFound {
            return
        } catch {
            throw TicketSinkError.api(id: id, message: error.description)
        }
    }

    /// Every stored draft (to continue them after a restart or a leader handover); ConfigMaps that
    /// do not hold a readable draft are skipped.
    public func loadAll() async throws -> [TicketDraft]? {
        let list: ObjectList
        do {
            list = try await client.listAll(.configMaps, namespace: namespace, options: ListOptions(labelSelector: Self.ticketLabel))
        } catch {
            throw TicketSinkError.api(id: "(list)", message: error.description)
        }
        return list.items.compactMap { $0[path: "data", "ticket.json"]?.stringValue.flatMap(TicketRenderer.draft(fromJSON:)) }
            .sorted { $0.id < $1.id }
    }

    /// A label value: at most 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends.
    static func labelValue(_ text: String) -> String {
        var v = String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "-" }.prefix(63))
        while let last = v.last, !(last.isLetter || last.isNumber) { v.removeLast() }
        while let first = v.first, !(first.isLetter || first.isNumber) { v.removeFirst() }
        return v
    }
}
