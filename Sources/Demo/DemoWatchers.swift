import Foundation
import HedgehogResources
import KubeAPI
import KubeEmulator
import Remediation

/// Feeds the display from the emulator's store: GatewayHealth states, Events, and ticket drafts
/// (ConfigMaps labelled `gatewaymedic.io/ticket`, in any namespace). Watching the store, not
/// polling, means no state the operator wrote between two demo steps is missed.
struct DemoWatchers {
    private let tasks: [Task<Void, Never>]
    private let watches: [StoreWatch]

    static func start(store: ObjectStore, namespace: String, display: DemoDisplay) throws -> DemoWatchers {
        let from = String(store.resourceVersion)
        let healths: StoreWatch
        let events: StoreWatch
        let tickets: StoreWatch
        do {
            healths = try store.watch(.gatewayHealths, namespace: namespace, resourceVersion: from)
            events = try store.watch(.events, resourceVersion: from)
            tickets = try store.watch(.configMaps, labelSelector: ConfigMapTicketSink.ticketLabel, resourceVersion: from)
        } catch {
            throw DemoError.setup("cannot watch the embedded API server's store: \(error.message ?? "\(error)")")
        }
        let tasks = [
            Task {
                for await event in healths.events where event.type == .added || event.type == .modified {
                    let object = event.object
                    guard let name = object[path: "metadata", "name"]?.stringValue,
                          let state = object[path: "status", "state"]?.stringValue else { continue }
                    await display.stateObserved(gateway: name, state: state, reason: object[path: "status", "reason"]?.stringValue ?? "")
                    let conditions = object[path: "status", "conditions"]?.arrayValue ?? []
                    if let forwarding = conditions.first(where: { $0["type"]?.stringValue == DemoDisplay.forwarding }),
                       let status = forwarding["status"]?.stringValue {
                        await display.forwardingObserved(gateway: name, status: status, reason: forwarding["reason"]?.stringValue ?? "")
                    }
                }
            },
            Task {
                for await event in events.events where event.type == .added || event.type == .modified {
                    let o = event.object
                    await display.eventObserved(
                        name: o[path: "metadata", "name"]?.stringValue ?? "", type: o["type"]?.stringValue ?? "Normal",
                        reason: o["reason"]?.stringValue ?? "", gateway: o[path: "involvedObject", "name"]?.stringValue ?? "",
                        message: o["message"]?.stringValue ?? "", count: Int(o["count"]?.intValue ?? 1))
                }
            },
            Task {
                for await event in tickets.events where event.type == .added || event.type == .modified {
                    let o = event.object
                    let name = o[path: "metadata", "name"]?.stringValue ?? "ticket"
                    let draft = o[path: "data", "ticket.json"]?.stringValue.flatMap(TicketRenderer.draft(fromJSON:))
                    await display.ticketObserved(id: name, title: draft?.title ?? name)
                }
            },
        ]
        return DemoWatchers(tasks: tasks, watches: [healths, events, tickets])
    }

    func stop() async {
        for watch in watches { watch.cancel() }
        for task in tasks {
            task.cancel()
            await task.value
        }
    }
}
