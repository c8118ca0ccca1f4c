import Foundation
import SkiffAPI
import SkiffClient

extension HollowNodeRunner {
    /// Creates the node's Lease, or renews it when it exists (a restarted process).
    func createOrRenewLease(name: String, nodeUID: String?) async throws {
        let lease = builder.lease(nodeName: name, nodeUID: nodeUID, now: now())
        do {
            _ = try await client.create(lease)
        } catch let error as ClientError where error.isAlreadyExists {
            try await renewLease(name: name)
        }
    }

    /// Moves `renewTime` forward (a merge patch: no read-modify-write, no conflicts).
    func renewLease(name: String) async throws {
        let body = #"{"spec":{"holderIdentity":"\#(name)","renewTime":"\#(KubeTime.formatMicro(now()))"}}"#
        _ = try await client.patch(CoordinationV1.Lease.self, name, namespace: HollowNodeBuilder.leaseNamespace,
                                   Patch(.merge, body: Array(body.utf8)))
    }

    /// Writes the node's heartbeat: the same conditions with a new `lastHeartbeatTime`.
    func reportNodeStatus(name: String, since: Date) async throws {
        struct Body: Encodable {
            struct Status: Encodable { var conditions: [CoreV1.NodeCondition] }
            var status: Status
        }
        let body = try JSONEncoder().encode(Body(status: .init(conditions: HollowNodeBuilder.conditions(now: now(), transition: since))))
        _ = try await client.patch(CoreV1.Node.self, name, Patch(.merge, body: Array(body)), subresource: "status")
    }

    /// One loop for every node's Lease (each renewed once per period at its own offset) and its
    /// node-status heartbeat (once per report period, also spread). A lost Lease or Node is
    /// recreated; errors are counted and retried at the next turn, never fatal.
    func renewLeases() async throws {
        let names = nodeNames
        let origin = now()
        let leases = LeaseSchedule(period: options.leaseRenewPeriod, count: names.count, origin: origin)
        let heartbeats = LeaseSchedule(period: options.nodeStatusReportPeriod, count: names.count, origin: origin)
        let tick = max(min(options.leaseRenewPeriod / Double(max(names.count, 1)), 0.1), 0.02)
        var last = origin
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(Int(tick * 1000)))
            let current = now()
            let dueLeases = leases.due(from: last, to: current)
            let dueHeartbeats = heartbeats.due(from: last, to: current)
            last = current
            try await forEach(dueLeases, concurrency: options.registrationConcurrency) { index in
                let name = names[index]
                do {
                    try await self.renewLease(name: name)
                    self.state.withLock { $0.stats.leaseRenewals += 1 }
                } catch let error as ClientError where error.isNotFound {
                    let uid = self.state.withLock { $0.nodes[name]?.uid }
                    try? await self.createOrRenewLease(name: name, nodeUID: uid)
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    self.state.withLock { $0.stats.leaseErrors += 1 }
                }
            }
            try await forEach(dueHeartbeats, concurrency: options.registrationConcurrency) { index in
                let name = names[index]
                let since = self.state.withLock { $0.nodes[name]?.registeredAt } ?? origin
                try? await self.reportNodeStatus(name: name, since: since)
            }
        }
    }
}
