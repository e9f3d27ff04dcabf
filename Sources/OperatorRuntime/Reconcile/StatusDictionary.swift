import KubeAPI

extension CompactJSON.Dictionary {
    /// What a GatewayHealth status usually says, for deflating the statuses the operator keeps
    /// in memory (never persisted or sent: only `GatewayHealthRecord` and the reconciler's cache
    /// deflate against it): most of a status is keys, condition types, reasons and messages every
    /// gateway shares. It is the status of an UP gateway of a simulated fabric (the
    /// FabricSimulator's, as a real fabric has it: a member of a peering-carrying group, issue
    /// 19's Forwarding with the leaves' prefix reports, PeeringsHealthy, GroupRedundancy,
    /// AgentVersionCurrent and their evidence, peering counters), with settled BGPStable and
    /// TrafficHealthy verdicts and its memory. It must fit `maxLength` (4 KB): only the last
    /// 4 KB is used. A simulated fabric's status is about 1.1 KB deflated alone, about 500 bytes
    /// against the former dictionary (a gateway without peerings) and about 300 against this.
    static let gatewayHealthStatus = CompactJSON.Dictionary(#"""
{"agentGeneration":1,"appliedGeneration":1,"bgp":"2/2"\#
,"conditions":[{"lastTransitionTime":"2027-01-15T08:02:00Z","message":"the gateway is UP"\#
,"observedGeneration":1,"reason":"Up","status":"True","type":"Ready"}\#
,{"lastTransitionTime":"2027-01-15T08:02:00Z"\#
,"message":"the heartbeat is fresh (stale after 45s = 3 × 15s without a new one)"\#
,"observedGeneration":1,"reason":"HeartbeatFresh","status":"True","type":"Heartbeat"}\#
,{"lastTransitionTime":"2027-01-15T08:02:00Z"\#
,"message":"lastAppliedGen 1 matches metadata.generation 1","observedGeneration":1\#
,"reason":"GenerationApplied","status":"True","type":"ConfigApplied"}\#
,{"lastTransitionTime":"2027-01-15T08:02:00Z"\#
,"message":"state.frr.lastAppliedGen 1 matches lastAppliedGen 1","observedGeneration":1\#
,"reason":"FRRGenerationApplied","status":"True","type":"RoutingApplied"}\#
,{"lastTransitionTime":"2027-01-15T08:02:00Z"\#
,"message":"gw--gateway-1--dataplane-w2g2c Running 1/1 ready; gw--gateway-1--frr-w7bj9 Running 2/2 ready"\#
,"observedGeneration":1,"reason":"PodsRunningReady","status":"True","type":"PodsReady"}\#
,{"lastTransitionTime":"2027-01-15T08:02:00Z","message":"2/2 established: 172.31.0.0, 172.31.0.2"\#
,"observedGeneration":1,"reason":"AllEstablished","status":"True","type":"BGPEstablished"}\#
,{"lastTransitionTime":"2027-01-15T08:02:00Z","message":"no flaps in the last 10m0s"\#
,"observedGeneration":1,"reason":"Stable","status":"True","type":"BGPStable"}\#
,{"lastTransitionTime":"2027-01-15T08:02:00Z"\#
,"message":"drops rose by less than 1% of packets on all 4 compared counters","observedGeneration":1\#
,"reason":"DropsBelowThreshold","status":"True","type":"TrafficHealthy"}\#
,{"lastTransitionTime":"2027-01-15T08:02:00Z"\#
,"message":"2/2 established BGP sessions exchange prefixes (172.31.0.0 received 3\#
, sent 1; 172.31.0.2 received 3, sent 1); leaves that received prefixes from it: leaf-01 (4)\#
, leaf-02 (4)","observedGeneration":1,"reason":"RoutesExchanged","status":"True"\#
,"type":"Forwarding"},{"lastTransitionTime":"2027-01-15T08:02:00Z"\#
,"message":"1 expected peerings healthy (vpc-01--vpc-02); gw-group-1: active member"\#
,"observedGeneration":1,"reason":"AllPeeringsHealthy","status":"True","type":"PeeringsHealthy"}\#
,{"lastTransitionTime":"2027-01-15T08:02:00Z"\#
,"message":"every peering-carrying group has at least 2 members forwarding: gw-group-1 2 of 2"\#
,"observedGeneration":1,"reason":"Redundant","status":"True","type":"GroupRedundancy"}\#
,{"lastTransitionTime":"2027-01-15T08:02:00Z"\#
,"message":"status.agentVersion v0.42.0 is spec.agentVersion","observedGeneration":1\#
,"reason":"VersionsMatch","status":"True","type":"AgentVersionCurrent"}],"currentGeneration":1\#
,"evidence":{"appliedGeneration":1,"bgpEstablished":2,"bgpTotal":2,"counters":[{"deltaDrops":0\#
,"deltaPackets":1500,"drops":0,"key":"vpc:vpc-01","note":"compared","packets":10772},{"deltaDrops":0\#
,"deltaPackets":1500,"drops":0,"key":"peering:vpc-01->vpc-02","note":"compared","packets":3827}]\#
,"currentGeneration":1,"frrAppliedGeneration":1,"groups":["gw-group-1:20"]\#
,"heartbeat":"2027-01-15T08:01:46Z","liveness":"NotNeeded","livenessDetail":"the heartbeat is fresh"\#
,"neighbors":[{"address":"172.31.0.0","enabled":true,"established":true,"expected":true\#
,"state":"established","vrf":"default"}],"pods":[{"name":"gw--gateway-1--dataplane-w2g2c"\#
,"phase":"Running","ready":"1/1","restarts":0,"role":"dataplane","terminating":false}\#
,{"name":"gw--gateway-1--frr-w7bj9","phase":"Running","ready":"2/2","restarts":0,"role":"frr"\#
,"terminating":false}],"problems":[]},"memory":{"bgpCounters":{"default/172.31.0.0":{"dropped":0\#
,"transitions":1}},"containerRestarts":{},"evaluatedAt":"2027-01-15T08:02:30Z"\#
,"firstSeen":"2027-01-15T08:02:00Z","flaps":[],"heartbeatClockOffset":1\#
,"heartbeatKey":"2027-01-15T08:02:16Z","heartbeatSeenAt":"2027-01-15T08:02:17Z","podIssueSince":{}\#
,"traffic":{"peering:vpc-01->vpc-02":{"d":0,"p":3827},"vpc:vpc-01":{"d":0,"p":10772}}\#
,"trafficStamp":"2027-01-15T08:02:16Z"},"message":"heartbeat fresh, configuration applied\#
, pods running","observedGeneration":1,"reason":"Healthy","since":"2027-01-15T08:02:00Z"\#
,"state":"UP"}
"""#)
}
