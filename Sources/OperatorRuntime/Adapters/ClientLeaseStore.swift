import ControllerKit
import KubeAPI
import KubeClient

/// `LeaseStore` over a `KubeClient`. A 409 (AlreadyExists on create, Conflict on update) is
/// `LeaseStoreError.conflict`, as `LeaderElector` expects; other errors pass through.
public struct ClientLeaseStore: LeaseStore {
    public let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public func get(namespace: String, name: String) async throws -> Lease? {
        do {
            return try await client.get(.leases, namespace: namespace, name: name).decode(Lease.self)
        } catch let error as KubeError where error.isNotFound {
            return nil
        }
    }

    public func create(_ lease: Lease) async throws -> Lease {
        do {
            let stored = try await client.create(.leases, namespace: lease.metadata.namespace, body: try JSONValue(encoding: lease))
            return try stored.decode(Lease.self)
        } catch let error as KubeError where error.statusCode == 409 {
            throw LeaseStoreError.conflict(namespace: lease.metadata.namespace ?? "", name: lease.metadata.name ?? "")
        }
    }

    public func update(_ lease: Lease) async throws -> Lease {
        let name = lease.metadata.name ?? ""
        do {
            let stored = try await client.update(.leases, namespace: lease.metadata.namespace, name: name,
                                                 body: try JSONValue(encoding: lease))
            return try stored.decode(Lease.self)
        } catch let error as KubeError where error.statusCode == 409 {
            throw LeaseStoreError.conflict(namespace: lease.metadata.namespace ?? "", name: name)
        }
    }
}
