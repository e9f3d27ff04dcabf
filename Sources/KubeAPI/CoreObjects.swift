/// core/v1 Event. gateway-medic writes these on the GatewayAgent; `count` aggregates repeats.
public struct Event: Codable, Sendable, Hashable {
    public var apiVersion: String? = "v1"
    public var kind: String? = "Event"
    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference
    public var reason: String?
    public var message: String?
    public var type: String?  // Normal | Warning
    public var count: Int?
    public var firstTimestamp: String?
    public var lastTimestamp: String?
    public var eventTime: String?
    public var source: EventSource?
    public var reportingComponent: String?
    public var reportingInstance: String?
    public var action: String?

    public init(metadata: ObjectMeta, involvedObject: ObjectReference, reason: String?, message: String?, type: String?,
                count: Int? = 1, firstTimestamp: String? = nil, lastTimestamp: String? = nil, source: EventSource? = nil) {
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.type = type
        self.count = count
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.source = source
    }
}

public struct ObjectReference: Codable, Sendable, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var name: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var fieldPath: String?
    public init(apiVersion: String? = nil, kind: String? = nil, name: String? = nil, namespace: String? = nil, uid: String? = nil) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.uid = uid
    }
}

public struct EventSource: Codable, Sendable, Hashable {
    public var component: String?
    public var host: String?
    public init(component: String? = nil, host: String? = nil) {
        self.component = component
        self.host = host
    }
}

/// coordination.k8s.io/v1 Lease, for leader election.
public struct Lease: Codable, Sendable, Hashable {
    public var apiVersion: String? = "coordination.k8s.io/v1"
    public var kind: String? = "Lease"
    public var metadata: ObjectMeta
    public var spec: LeaseSpec?
    public init(metadata: ObjectMeta, spec: LeaseSpec?) {
        self.metadata = metadata
        self.spec = spec
    }
}

public struct LeaseSpec: Codable, Sendable, Hashable {
    public var holderIdentity: String?
    public var leaseDurationSeconds: Int?
    public var acquireTime: String?  // MicroTime
    public var renewTime: String?  // MicroTime
    public var leaseTransitions: Int?
    public init(holderIdentity: String? = nil, leaseDurationSeconds: Int? = nil, acquireTime: String? = nil, renewTime: String? = nil, leaseTransitions: Int? = nil) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }
}

/// policy/v1 Eviction, posted to `pods/<name>/eviction`.
public struct Eviction: Codable, Sendable, Hashable {
    public var apiVersion: String = "policy/v1"
    public var kind: String = "Eviction"
    public var metadata: ObjectMeta
    public var deleteOptions: DeleteOptions?
    public init(metadata: ObjectMeta, deleteOptions: DeleteOptions? = nil) {
        self.metadata = metadata
        self.deleteOptions = deleteOptions
    }
}

public struct DeleteOptions: Codable, Sendable, Hashable {
    public var apiVersion: String? = "v1"
    public var kind: String? = "DeleteOptions"
    public var gracePeriodSeconds: Int?
    public var preconditions: Preconditions?
    public var propagationPolicy: String?
    public init(gracePeriodSeconds: Int? = nil, preconditions: Preconditions? = nil, propagationPolicy: String? = nil) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.preconditions = preconditions
        self.propagationPolicy = propagationPolicy
    }
}

public struct Preconditions: Codable, Sendable, Hashable {
    public var uid: String?
    public var resourceVersion: String?
    public init(uid: String? = nil, resourceVersion: String? = nil) {
        self.uid = uid
        self.resourceVersion = resourceVersion
    }
}

/// metav1.Condition.
public struct Condition: Codable, Sendable, Hashable {
    public var type: String
    public var status: String  // True | False | Unknown
    public var reason: String
    public var message: String
    public var lastTransitionTime: String
    public var observedGeneration: Int64?
    public init(type: String, status: String, reason: String, message: String, lastTransitionTime: String, observedGeneration: Int64?) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.observedGeneration = observedGeneration
    }
}
