import KubeAPI

extension CompactJSON.Dictionary {
    /// What a GatewayHealth status usually says (an UP gateway's, a few other verdicts' words
    /// before it), for deflating the statuses the operator keeps: most of a status is keys,
    /// condition types, reasons and messages every gateway shares. About 1 KB per gateway
    /// deflated alone, about a third of that against this.
    static let gatewayHealthStatus = CompactJSON.Dictionary(#"""
"reason":"HeartbeatStale","status":"False","type":"Heartbeat","state":"DOWN",\#
"reason":"NotEstablished","status":"Unknown","reason":"NotReported",\#
"message":"the dataplane has not reported yet","remediation":{"restartTimes":[],\#
"inFlight":null},{"agentGeneration":1,"appliedGeneration":1,"bgp":"1/1",\#
"conditions":[{"lastTransitionTime":"2027-01-15T08:00:02Z","message":"the gateway is UP",\#
"observedGeneration":1,"reason":"Up","status":"True","type":"Ready"},\#
{"lastTransitionTime":"2027-01-15T08:00:02Z",\#
"message":"the heartbeat is fresh (stale after 45s = 3 \u00d7 15s without a new one)",\#
"observedGeneration":1,"reason":"HeartbeatFresh","status":"True","type":"Heartbeat"},\#
{"lastTransitionTime":"2027-01-15T08:00:02Z",\#
"message":"lastAppliedGen 1 matches metadata.generation 1","observedGeneration":1,\#
"reason":"GenerationApplied","status":"True","type":"ConfigApplied"},\#
{"lastTransitionTime":"2027-01-15T08:00:02Z",\#
"message":"state.frr.lastAppliedGen 1 matches lastAppliedGen 1","observedGeneration":1,\#
"reason":"FRRGenerationApplied","status":"True","type":"RoutingApplied"},\#
{"lastTransitionTime":"2027-01-15T08:00:02Z",\#
"message":"gw--gateway-1--dataplane-x7k2q Running 1/1 ready; gw--gateway-1--frr-x7k2q Running 2/2 ready",\#
"observedGeneration":1,"reason":"PodsRunningReady","status":"True","type":"PodsReady"},\#
{"lastTransitionTime":"2027-01-15T08:00:02Z","message":"1/1 established: 172.30.128.12",\#
"observedGeneration":1,"reason":"AllEstablished","status":"True","type":"BGPEstablished"},\#
{"lastTransitionTime":"2027-01-15T08:00:17Z","message":"no flaps in the last 10m0s",\#
"observedGeneration":1,"reason":"Stable","status":"True","type":"BGPStable"},\#
{"lastTransitionTime":"2027-01-15T08:00:17Z",\#
"message":"drops rose by less than 1% of packets on all 1 compared counters",\#
"observedGeneration":1,"reason":"DropsBelowThreshold","status":"True","type":"TrafficHealthy"},\#
{"lastTransitionTime":"2027-01-15T08:00:02Z","message":"1/1 established BGP sessions exchange prefixes\#
 (172.30.128.12 received 4, sent 1); no fresh leaf reports prefix counts for its session with it",\#
"observedGeneration":1,"reason":"RoutesExchanged","status":"True","type":"Forwarding"},\#
{"lastTransitionTime":"2027-01-15T08:00:02Z",\#
"message":"no spec.peerings entry of the GatewayAgent is carried by its groups (default)",\#
"observedGeneration":1,"reason":"NoPeeringsExpected","status":"True","type":"PeeringsHealthy"},\#
{"lastTransitionTime":"2027-01-15T08:00:02Z","message":"none of its groups carries a peering",\#
"observedGeneration":1,"reason":"NoPeeringGroups","status":"True","type":"GroupRedundancy"},\#
{"lastTransitionTime":"2027-01-15T08:00:02Z","message":"spec.agentVersion is not set: no version is expected",\#
"observedGeneration":1,"reason":"NoVersionExpected","status":"True","type":"AgentVersionCurrent"}],\#
"currentGeneration":1,"evidence":{"appliedGeneration":1,"bgpEstablished":1,"bgpTotal":1,\#
"counters":[{"deltaDrops":0,"deltaPackets":1500,"drops":0,"key":"vpc:vpc-01","note":"compared",\#
"packets":17500}],"currentGeneration":1,"frrAppliedGeneration":1,"groups":[],\#
"liveness":"NotNeeded",\#
"livenessDetail":"the heartbeat is fresh","neighbors":[{"address":"172.30.128.12",\#
"enabled":true,"established":true,"expected":true,"state":"established","vrf":"default"}],\#
"pods":[{"name":"gw--gateway-1--dataplane-x7k2q","phase":"Running","ready":"1/1","restarts":0,\#
"role":"dataplane","terminating":false},{"name":"gw--gateway-1--frr-x7k2q","phase":"Running",\#
"ready":"2/2","restarts":0,"role":"frr","terminating":false}],\#
"podsSummary":"gw--gateway-1--dataplane-x7k2q Running 1/1 ready; gw--gateway-1--frr-x7k2q Running 2/2 ready",\#
"problems":[]},"frrAppliedGeneration":1,\#
"memory":{"bgpCounters":{"default/172.30.128.12":{"dropped":0,"transitions":1}},"containerRestarts":{},\#
"evaluatedAt":"2027-01-15T08:01:17Z","firstSeen":"2027-01-15T08:00:02Z","flaps":[],\#
"heartbeatClockOffset":1,"heartbeatKey":"2027-01-15T08:01:15Z","heartbeatSeenAt":"2027-01-15T08:01:16Z",\#
"podIssueSince":{},"traffic":{"vpc:vpc-01":{"d":0,"p":17500}},\#
"trafficStamp":"2027-01-15T08:01:15Z"},"message":"heartbeat fresh, configuration applied,\#
 pods running","observedGeneration":1,"reason":"Healthy",\#
"since":"2027-01-15T08:00:02Z","state":"UP"}
"""#)
}
