import Foundation
import SkiffAPI
import SkiffClient

extension Kubelet {
    /// Creates the Node or, when it exists (a restarted agent), updates our labels, podCIDR
    /// when unset and the status; then creates or renews the Lease.
    func registerNode() async throws {
        let images = (try? await runtime.listImages()) ?? []
        let builder = statusBuilder
        let desired = builder.initialNode(images: images, now: now())
        var node: CoreV1.Node
        do {
            node = try await client.create(desired)
        } catch let error as ClientError where error.isAlreadyExists {
            node = try await client.get(CoreV1.Node.self, config.nodeName)
            var labels = node.metadata?.labels ?? [:]
            for (key, value) in desired.metadata?.labels ?? [:] { labels[key] = value }
            node.metadata?.labels = labels
            if node.spec?.podCIDR == nil, let cidr = desired.spec?.podCIDR {
                node.spec?.podCIDR = cidr
                node.spec?.podCIDRs = [cidr]
            }
            node = try await client.update(node)
            node.status = builder.status(images: images, previous: node.status, now: now())
            node = try await client.updateStatus(node)
        }
        let status = node.status
        state.withLock {
            $0.nodeUID = node.metadata?.uid
            $0.lastNodeStatus = status
            $0.lastNodeStatusWrite = .now
        }
        try await createOrRenewLease()
    }

    func createOrRenewLease() async throws {
        let uid = state.withLock { $0.nodeUID }
        do {
            _ = try await client.create(statusBuilder.lease(nodeUID: uid, now: now()))
        } catch let error as ClientError where error.isAlreadyExists {
            try await renewLease()
        }
    }

    /// Moves `renewTime` forward with a merge patch (no read-modify-write).
    func renewLease() async throws {
        let body = #"{"spec":{"holderIdentity":"\#(config.nodeName)","leaseDurationSeconds":\#(config.leaseDurationSeconds),"renewTime":"\#(KubeTime.formatMicro(now()))"}}"#
        _ = try await client.patch(CoordinationV1.Lease.self, config.nodeName, namespace: NodeStatusBuilder.leaseNamespace,
                                   Patch(.merge, body: Array(body.utf8)))
    }

    /// Renews the Lease every `leaseRenewInterval`; a deleted Lease is recreated, errors are
    /// logged and retried at the next turn.
    func renewLeaseLoop() async throws {
        while true {
            try await Task.sleep(for: config.leaseRenewInterval)
            do {
                try await renewLease()
            } catch let error as ClientError where error.isNotFound {
                try? await createOrRenewLease()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.debug("lease renewal failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Recomputes the node status every `nodeStatusUpdateInterval` and writes it when it
    /// changed, or at least every `nodeStatusReportInterval` (upstream's two frequencies).
    func nodeStatusLoop() async throws {
        while true {
            try await Task.sleep(for: config.nodeStatusUpdateInterval)
            do {
                try await syncNodeStatus(force: false)
            } catch let error as ClientError where error.isNotFound {
                // Someone deleted our Node: register again, as the kubelet does after a restart.
                try? await registerNode()
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.debug("node status update failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Writes the node status when it changed beyond heartbeats or the report interval passed.
    func syncNodeStatus(force: Bool) async throws {
        let images = (try? await runtime.listImages()) ?? []
        let (previous, lastWrite) = state.withLock { ($0.lastNodeStatus, $0.lastNodeStatusWrite) }
        let status = statusBuilder.status(images: images, previous: previous, now: now())
        let due = lastWrite.map { ContinuousClock.now - $0 >= config.nodeStatusReportInterval } ?? true
        guard force || due || NodeStatusBuilder.differsBeyondHeartbeat(previous, status) else { return }
        struct Body: Encodable { var status: CoreV1.NodeStatus }
        let body = try JSONEncoder().encode(Body(status: status))
        // A merge patch replaces the lists (conditions, addresses, images) as a whole.
        _ = try await client.patch(CoreV1.Node.self, config.nodeName, Patch(.merge, body: Array(body)), subresource: "status")
        state.withLock {
            $0.lastNodeStatus = status
            $0.lastNodeStatusWrite = .now
        }
    }
}
