import Foundation

/// One entry of a GatewayAgent's `spec.peerings.<name>`: the group that carries it, the VPCs it
/// joins (the keys of its `peering` map) and its NAT, as PeeringsHealthy reports it (docs §3.10).
public struct PeeringSpecView: Sendable, Equatable {
    /// The NAT kinds of an `expose[].nat`, in the order a message names the first one found.
    public static let natKinds = ["masquerade", "portForward", "static"]

    public var name: String
    /// `gatewayGroup` as written; empty means `default` (see `groupName`).
    public var group: String
    /// The VPC names, sorted: the status reports the peering as `<a>-><b>` between two of them.
    public var vpcs: [String]
    /// The first NAT kind of its exposes (VPCs sorted, then in order), nil when none uses NAT.
    public var nat: String?
    /// That kind's `idleTimeout` as written (masquerade and portForward have one; static has none).
    public var idleTimeout: String?

    public init(name: String, group: String, vpcs: [String] = [], nat: String? = nil, idleTimeout: String? = nil) {
        self.name = name
        self.group = group
        self.vpcs = vpcs
        self.nat = nat
        self.idleTimeout = idleTimeout
    }

    /// The group that carries it: `gatewayGroup`, `default` when empty.
    public var groupName: String { group.isEmpty ? "default" : group }

    package mutating func noteNAT(_ kind: String, idleTimeout: String?) {
        guard nat == nil else { return }
        nat = kind
        self.idleTimeout = idleTimeout
    }

    /// Whether a `status.state.peerings` key `<a>-><b>` is a direction of this peering.
    public func isDirection(_ key: String) -> Bool {
        // Read in place, as bytes (no Foundation search, no copies, no Unicode comparison):
        // every heartbeat matches each peering against each counter. Names beyond ASCII (no
        // Kubernetes name), in the key or a VPC, are compared as strings, canonical equivalence and all.
        let ascii: Bool? = key.utf8.withContiguousStorageIfAvailable { k -> Bool? in
            guard k.allSatisfy({ $0 < 0x80 }) else { return nil }
            guard k.count >= 2,
                  let dash = (0..<(k.count - 1)).first(where: { k[$0] == UInt8(ascii: "-") && k[$0 + 1] == UInt8(ascii: ">") })
            else { return false }
            let from = UnsafeBufferPointer(rebasing: k[..<dash]), to = UnsafeBufferPointer(rebasing: k[(dash + 2)...])
            guard !from.elementsEqual(to) else { return false }
            var foundFrom = false, foundTo = false
            for vpc in vpcs {
                guard let same = vpc.utf8.withContiguousStorageIfAvailable({ v in
                    v.allSatisfy({ $0 < 0x80 }) ? (v.elementsEqual(from), v.elementsEqual(to)) : nil
                }), let same else { return nil }
                foundFrom = foundFrom || same.0
                foundTo = foundTo || same.1
            }
            return foundFrom && foundTo
        } ?? nil
        if let ascii { return ascii }
        let bytes = key.utf8
        guard let dash = zip(bytes.indices, bytes.dropFirst()).first(where: { bytes[$0.0] == UInt8(ascii: "-") && $0.1 == UInt8(ascii: ">") })?.0
        else { return false }
        let from = key[..<dash], to = key[bytes.index(dash, offsetBy: 2)...]
        return from != to && vpcs.contains { $0 == from } && vpcs.contains { $0 == to }
    }
}
