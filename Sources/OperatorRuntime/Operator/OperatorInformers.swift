import ControllerKit
import HealthModel
import HedgehogResources
import KubeAPI
import KubeClient
import Logging
import ViewScanning

/// An informer of any value type, as the operator runs it.
struct InformerHandle: Sendable {
    let name: String
    let run: @Sendable () async -> Void
    let waitUntilSynced: @Sendable () async -> Void
    let hasSynced: @Sendable () -> Bool
    /// What it watches (tests compare the server's newest change of it with `deliveredVersion`).
    let resource: ResourceType
    let namespace: String
    let deliveredVersion: @Sendable () -> String?
    let cachedCount: @Sendable () async -> Int
    let listCount: @Sendable () -> Int
    let watchRestarts: @Sendable () -> Int

    init<Value: Sendable>(_ informer: Informer<Value>, resource: ResourceType, namespace: String) {
        name = informer.name
        cachedCount = { informer.store.count }
        listCount = { informer.listCount }
        watchRestarts = { informer.watchRestarts }
        run = { await informer.run() }
        waitUntilSynced = { await informer.waitUntilSynced() }
        hasSynced = { informer.hasSynced }
        self.resource = resource
        self.namespace = namespace
        deliveredVersion = { informer.deliveredResourceVersion }
    }
}

/// The operator's five informers. Each caches only the health model's view of its objects and
/// enqueues exactly the gateways a change affects (the fleet index says which).
enum OperatorInformers {
    static func make(config: OperatorConfig, client: KubeClient, clock: any RuntimeClock, logger: Logger,
                     fleet: FleetState, healths: Store<GatewayHealthRecord>, queue: WorkQueue<ObjectKey>,
                     reconciler: GatewayReconciler, liveness: CacheLiveness) -> [InformerHandle] {
        let enqueue: @Sendable ([ObjectKey]) async -> Void = { keys in
            for key in keys { await queue.add(key) }
        }
        // `viewReader`: the watch reads each object's view from the event's bytes, with its
        // identity in the same pass, and the store takes it (the heartbeat path).
        func source(_ resource: ResourceType, _ namespace: String, viewReader: WatchObjectReader? = nil) -> any ListWatchSource {
            ClientListWatch(client: client, resource: resource, namespace: namespace, defersObjects: viewReader != nil,
                            objectReader: viewReader, streamingLists: config.informers.streamingLists)
        }
        // A broken watch resumes; until it has caught up nothing is written (CacheLiveness says why).
        func options(_ resource: ResourceType, optional: Bool = false) -> InformerOptions {
            InformerOptions(optionalResource: optional, onCurrencyChange: liveness.tracking(resource.plural))
        }
        let fabric = config.fabricNamespace
        let gateways = Informer<AnnotatedGateway>(
            name: "gateways", source: source(.gateways, fabric), projection: { AnnotatedGateway(json: $0) },
            clock: clock, options: options(.gateways), logger: logger) { change in await enqueue(fleet.apply(change)) }
        // GatewayPeerings: only the group each names (remediation's group-safety guard). Optional:
        // without the CRD no group carries peerings.
        let peerings = Informer<String>(
            name: "gatewaypeerings", source: source(.gatewayPeerings, fabric),
            projection: { RemediationFacts.peeringGroup($0) }, clock: clock,
            options: options(.gatewayPeerings, optional: true), logger: logger) { change in
            await enqueue(fleet.apply(peering: change))
        }
        // The store first: the watch's reader takes the spec part of the cached view when the
        // spec's bytes did not change (a heartbeat), so it reads the store while it reads an event.
        let agentStore = Store<GatewayAgentView>(projection: { GatewayAgentView(json: $0) },
                                                 byteProjection: { GatewayAgentView(bytes: $0) })
        let agentReader = GatewayAgentView.watchReader(previous: { namespace, name in agentStore.get(ObjectKey(namespace: namespace, name: name)) })
        // Captured once and passed borrowed: `.standard` as the cheap test's default argument
        // was a copy of the whole registry (a retain and a release of each of its ten arrays
        // and sets) on every heartbeat.
        let rules = HealthRules.standard
        let agents = Informer<GatewayAgentView>(
            name: "gatewayagents", source: source(.gatewayAgents, fabric, viewReader: agentReader), store: agentStore,
            clock: clock, options: options(.gatewayAgents), logger: logger) { change in
            // A heartbeat that moves no verdict moves the gateway's staleness check instead of
            // queueing an evaluation (`GatewayReconciler.advance`); anything else is queued.
            guard case .updated(let key, let old, let new) = change, HealthEvaluator.changesOnlyQuietInputs(from: old, to: new, rules: rules)
            else { return await enqueue(fleet.apply(change)) }
            let now = clock.now()
            let (keys, groupPeers) = fleet.apply(heartbeat: change, policy: config.health, now: now)
            guard let moved = await reconciler.advance(key, from: old, to: new, now: now, groupPeers: groupPeers)
            else { return await enqueue(keys) }
            queue.postpone(key, from: moved.from, to: moved.to)
            // Its group mates when the heartbeat ends a silence they may have judged (§3.11).
            let mates = keys.filter { $0 != key }
            if !mates.isEmpty { await enqueue(mates) }
        }
        let pods = Informer<PodView>(
            name: "pods", source: source(.pods, config.gatewayNamespace),
            // Only gateway pods (owned by a gw--<gateway>--<role> DaemonSet) are cached.
            projection: { json in
                let pod = PodView(json: json)
                return pod.gatewayName == nil ? nil : pod
            },
            clock: clock, options: options(.pods), logger: logger) { change in await enqueue(fleet.apply(change)) }
        // The store first, as for GatewayAgents: a leaf heartbeat's sessions are read beside the
        // cached view's, which they most often are.
        let switchStore = Store<SwitchAgentView>(projection: { SwitchAgentView(json: $0) },
                                                 byteProjection: { SwitchAgentView(bytes: $0) })
        let switchReader = SwitchAgentView.watchReader(previous: { namespace, name in switchStore.get(ObjectKey(namespace: namespace, name: name)) })
        let switchSource = PresenceTrackingSource(base: source(.switchAgents, fabric, viewReader: switchReader)) { visible in
            await enqueue(fleet.setSwitchAgentsVisible(visible))
        }
        let switchAgents = Informer<SwitchAgentView>(
            name: "agents", source: switchSource, store: switchStore, clock: clock,
            options: options(.switchAgents, optional: true), logger: logger) { change in
            // Gateways whose Forwarding evidence changed are judged again; of those a leaf's
            // heartbeat merely reports on, only the ones that may need its word as liveness
            // evidence (`GatewayReconciler.noteLeafWord` told the fleet index which cannot).
            let effect = fleet.apply(change)
            await enqueue(effect.reported.isEmpty ? effect.changed : effect.changed + effect.reported)
        }
        let healthInformer = Informer<GatewayHealthRecord>(
            name: "gatewayhealths", source: source(.gatewayHealths, fabric), store: healths, clock: clock,
            options: options(.gatewayHealths), logger: logger) { change in
            // Our own write needs no second look; anyone else's (or a relist) does, and a deleted
            // one is recreated.
            if await reconciler.noteHealthChange(change) { await queue.add(change.key) }
        }
        return [InformerHandle(gateways, resource: .gateways, namespace: fabric),
                InformerHandle(agents, resource: .gatewayAgents, namespace: fabric),
                InformerHandle(pods, resource: .pods, namespace: config.gatewayNamespace),
                InformerHandle(switchAgents, resource: .switchAgents, namespace: fabric),
                InformerHandle(healthInformer, resource: .gatewayHealths, namespace: fabric),
                InformerHandle(peerings, resource: .gatewayPeerings, namespace: fabric)]
    }
}
