import Foundation
import KubeAPI

/// The persisted form: an assessment is the `.status` of its GatewayHealth object, and is read back
/// from it as the next evaluation's `previous`. Every time is written as RFC 3339 in whole seconds,
/// and the evaluator reasons in whole seconds, so the round trip never changes the next verdict
/// (what is left out — `nextCheck`, a fresh heartbeat's value — is never read by the evaluator).
extension Assessment {
    /// The GatewayHealth `.status` object. Besides the assessment it carries flat fields for the
    /// printer columns: `appliedGeneration`, `currentGeneration`, `bgp` ("x/y"), and `since`.
    /// Nothing in it is an age, and nothing that changes with every heartbeat while the verdict
    /// stands is written as if it were current: `nextCheck` is left out, and so is the reported
    /// heartbeat while it is fresh (`persistedEvidence`).
    /// - Parameter observedGeneration: the GatewayHealth's own `metadata.generation` the status is
    ///   written for, set as `status.observedGeneration` and on every condition (API conventions:
    ///   kstatus tools wait for it to reach the object's generation); nil leaves them out.
    public func statusJSON(observedGeneration: Int64? = nil) -> JSONValue {
        var status: [String: JSONValue] = [
            "state": .string(state.rawValue),
            "since": .string(KubeTime.format(since)),
            "reason": .string(reason),
            "message": .string(message),
            "conditions": .array(conditions.map { Self.conditionJSON($0, observedGeneration: observedGeneration) }),
            "evidence": persistedEvidence.json(),
            "memory": memory.json(),
            "bgp": .string(evidence.bgpSummary),
        ]
        status["observedGeneration"] = observedGeneration.map { .int($0) }
        status["agentGeneration"] = agentGeneration.map { .int($0) }
        status["appliedGeneration"] = evidence.appliedGeneration.map { .int($0) }
        status["currentGeneration"] = evidence.currentGeneration.map { .int($0) }
        return .object(status)
    }

    /// The evidence as persisted: without the reported heartbeat while it is fresh. That value
    /// changes with every heartbeat and the status is written only when something material
    /// changes, so a persisted copy would soon read as a heartbeat hours old; the Heartbeat
    /// condition says it is fresh. (Liveness evidence is not needed exactly when the heartbeat is
    /// fresh.) A stale heartbeat's value stays put, and is the evidence that matters then.
    public var persistedEvidence: Evidence {
        guard evidence.liveness == .notNeeded, evidence.heartbeat != nil else { return evidence }
        var persisted = evidence
        persisted.heartbeat = nil
        return persisted
    }

    /// Reads a persisted status back. Nil only when the verdict itself (state, since) is unusable;
    /// a broken part of the memory is dropped field by field, which re-seeds just those timers.
    /// The conditions' `observedGeneration` belongs to the object, not the assessment: not read.
    public init?(status: JSONValue) {
        guard let stateText = status["state"]?.stringValue, let state = GatewayState(rawValue: stateText),
              let sinceText = status["since"]?.stringValue, let since = KubeTime.parse(sinceText)
        else { return nil }
        let conditions = (status["conditions"]?.arrayValue ?? []).compactMap(Self.condition)
        let evidence = status["evidence"].flatMap { try? $0.decode(Evidence.self) } ?? Evidence()
        self.init(state: state, since: since.wholeSeconds,
                  reason: status["reason"]?.stringValue ?? "",
                  message: status["message"]?.stringValue ?? "",
                  conditions: conditions, evidence: evidence,
                  memory: status["memory"].map(HealthMemory.init(json:)) ?? HealthMemory(),
                  nextCheck: nil, agentGeneration: status["agentGeneration"]?.intValue)
    }

    private static func conditionJSON(_ c: Condition, observedGeneration: Int64?) -> JSONValue {
        var object: [String: JSONValue] = [
            "type": .string(c.type), "status": .string(c.status), "reason": .string(c.reason),
            "message": .string(c.message), "lastTransitionTime": .string(c.lastTransitionTime),
        ]
        object["observedGeneration"] = observedGeneration.map { .int($0) }
        return .object(object)
    }

    private static func condition(_ json: JSONValue) -> Condition? {
        guard let type = json["type"]?.stringValue, let status = json["status"]?.stringValue,
              let time = json["lastTransitionTime"]?.stringValue, KubeTime.parse(time) != nil
        else { return nil }
        return Condition(type: type, status: status, reason: json["reason"]?.stringValue ?? "",
                         message: json["message"]?.stringValue ?? "", lastTransitionTime: time,
                         observedGeneration: nil)
    }
}

extension HealthMemory {
    func json() -> JSONValue {
        func time(_ d: Date?) -> JSONValue? { d.map { .string(KubeTime.format($0)) } }
        var o: [String: JSONValue] = [:]
        o["evaluatedAt"] = time(evaluatedAt)
        o["firstSeen"] = time(firstSeen)
        o["heartbeatKey"] = heartbeatKey.map { .string($0) }
        o["heartbeatSeenAt"] = time(heartbeatSeenAt)
        o["heartbeatClockOffset"] = heartbeatClockOffset.map { .int(Int64($0.rounded(.down))) }
        o["configLagSince"] = time(configLagSince)
        o["routingLagSince"] = time(routingLagSince)
        o["podIssueSince"] = .object(podIssueSince.mapValues { .string(KubeTime.format($0)) })
        if !failedContainers.isEmpty {
            o["failedContainers"] = .object(failedContainers.mapValues { f in
                ["pod": .string(f.pod), "containers": .array(f.containers.map { .string($0) })]
            })
        }
        o["containerRestarts"] = containerRestarts.map { .object($0.mapValues { .int($0) }) }
        if !restartRises.isEmpty {
            o["restartRises"] = .array(restartRises.map { r in
                ["container": .string(r.container), "at": .string(KubeTime.format(r.at)), "restarts": .int(r.restarts)]
            })
        }
        o["bgpCounters"] = .object(bgpCounters.mapValues { s in
            var c: [String: JSONValue] = [:]
            c["transitions"] = s.transitions.map { .int($0) }
            c["dropped"] = s.dropped.map { .int($0) }
            return .object(c)
        })
        o["flaps"] = .array(flaps.map { f in
            ["neighbor": .string(f.neighbor), "at": .string(KubeTime.format(f.at)),
             "transitions": .int(f.transitions), "dropped": .int(f.dropped)]
        })
        o["trafficStamp"] = trafficStamp.map { .string($0) }
        o["traffic"] = .object(traffic.mapValues { ["p": .int($0.packets), "d": .int($0.drops)] })
        if !peeringRises.isEmpty { o["peeringRises"] = .object(peeringRises.mapValues { .string(KubeTime.format($0)) }) }
        return .object(o)
    }

    /// Tolerant: each field that is missing or malformed is simply not remembered.
    init(json: JSONValue) {
        func time(_ key: String) -> Date? { json[key]?.stringValue.flatMap(KubeTime.parse)?.wholeSeconds }
        self.init(evaluatedAt: time("evaluatedAt"), firstSeen: time("firstSeen"),
                  heartbeatKey: json["heartbeatKey"]?.stringValue, heartbeatSeenAt: time("heartbeatSeenAt"),
                  heartbeatClockOffset: json["heartbeatClockOffset"]?.intValue.map(Double.init),
                  configLagSince: time("configLagSince"), routingLagSince: time("routingLagSince"))
        if heartbeatKey == nil || heartbeatSeenAt == nil { heartbeatKey = nil; heartbeatSeenAt = nil }
        for (role, value) in json["podIssueSince"]?.objectValue ?? [:] {
            if let date = value.stringValue.flatMap(KubeTime.parse) { podIssueSince[role] = date.wholeSeconds }
        }
        for (role, value) in json["failedContainers"]?.objectValue ?? [:] {
            guard let pod = value["pod"]?.stringValue, let names = value["containers"]?.arrayValue?.compactMap(\.stringValue),
                  !names.isEmpty else { continue }
            failedContainers[role] = FailedContainers(pod: pod, containers: names)
        }
        if let counts = json["containerRestarts"]?.objectValue {
            containerRestarts = counts.compactMapValues { $0.intValue.flatMap { $0 >= 0 ? $0 : nil } }
        }
        for item in json["restartRises"]?.arrayValue ?? [] {
            guard let container = item["container"]?.stringValue, let at = item["at"]?.stringValue.flatMap(KubeTime.parse),
                  let restarts = item["restarts"]?.intValue, restarts > 0 else { continue }
            restartRises.append(RestartRise(container: container, at: at.wholeSeconds, restarts: restarts))
        }
        bgpCounters = SmallMap((json["bgpCounters"]?.objectValue ?? [:]).compactMap { key, value in
            value.objectValue == nil ? nil
                : (key, BGPCounterSample(transitions: value["transitions"]?.intValue, dropped: value["dropped"]?.intValue))
        })
        for item in json["flaps"]?.arrayValue ?? [] {
            guard let neighbor = item["neighbor"]?.stringValue, let at = item["at"]?.stringValue.flatMap(KubeTime.parse),
                  let t = item["transitions"]?.intValue, let d = item["dropped"]?.intValue else { continue }
            flaps.append(FlapRecord(neighbor: neighbor, at: at.wholeSeconds, transitions: t, dropped: d))
        }
        trafficStamp = json["trafficStamp"]?.stringValue
        traffic = SmallMap((json["traffic"]?.objectValue ?? [:]).compactMap { key, value in
            guard let p = value["p"]?.intValue, let d = value["d"]?.intValue, p >= 0, d >= 0 else { return nil }
            return (key, TrafficSample(packets: p, drops: d))
        })
        peeringRises = SmallMap((json["peeringRises"]?.objectValue ?? [:]).compactMap { key, value in
            value.stringValue.flatMap(KubeTime.parse).map { (key, $0.wholeSeconds) }
        })
    }
}

extension Evidence {
    /// The same document as `JSONValue(encoding:)` (the tests compare them) without the trip
    /// through JSONEncoder and back, which was 6 % of the operator's CPU while it synced 10,000
    /// gateways. Nil optionals are left out, as synthesized Codable does.
    public func json() -> JSONValue {
        var o: [String: JSONValue] = [
            "bgpEstablished": .int(Int64(bgpEstablished)), "bgpTotal": .int(Int64(bgpTotal)),
            "neighbors": .array(neighbors.map(\.json)), "counters": .array(counters.map(\.json)),
            "pods": .array(pods.map(\.json)), "podsSummary": .string(podsSummary),
            "liveness": .string(liveness.rawValue), "livenessDetail": .string(livenessDetail),
            "groups": .array(groups.map { .string($0) }),
            "problems": .array(problems.map { ["path": .string($0.path), "issue": .string($0.issue)] }),
        ]
        o["heartbeat"] = heartbeat.map { .string($0) }
        o["appliedGeneration"] = appliedGeneration.map { .int($0) }
        o["currentGeneration"] = currentGeneration.map { .int($0) }
        o["frrAppliedGeneration"] = frrAppliedGeneration.map { .int($0) }
        o["configLagSince"] = configLagSince.map { .string($0) }
        o["routingLagSince"] = routingLagSince.map { .string($0) }
        return .object(o)
    }
}

extension NeighborEvidence {
    var json: JSONValue {
        var o: [String: JSONValue] = ["address": .string(address), "state": .string(state), "expected": .bool(expected),
                                      "established": .bool(established)]
        o["vrf"] = vrf.map { .string($0) }
        o["enabled"] = enabled.map { .bool($0) }
        return .object(o)
    }
}

extension CounterEvidence {
    var json: JSONValue {
        var o: [String: JSONValue] = ["key": .string(key), "note": .string(note)]
        o["packets"] = packets.map { .int($0) }
        o["drops"] = drops.map { .int($0) }
        o["deltaPackets"] = deltaPackets.map { .int($0) }
        o["deltaDrops"] = deltaDrops.map { .int($0) }
        return .object(o)
    }
}

extension PodEvidence {
    var json: JSONValue {
        var o: [String: JSONValue] = ["name": .string(name), "role": .string(role), "phase": .string(phase), "ready": .string(ready),
                                      "restarts": .int(restarts), "terminating": .bool(terminating)]
        o["detail"] = detail.map { .string($0) }
        return .object(o)
    }
}
