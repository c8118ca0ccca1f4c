import Foundation
import SkiffAPI
import SkiffClient

extension HollowNodeRunner {
    /// A pod worker: takes pod keys off the queue (one worker per key at a time) and syncs them.
    func servePods() async {
        while let key = await queue.get() {
            await syncPod(key)
            queue.done(key)
        }
    }

    /// Plays one pod forward and carries out what `HollowPod` asks for.
    func syncPod(_ key: ObjectKey) async {
        let cached = pods.cache.get(key)
        guard let pod = cached, let uid = pod.metadata?.uid, let nodeName = pod.spec?.nodeName else {
            forgetPod(key)
            return
        }
        // Take the simulation out (replacing one of an older pod with the same name), sync it,
        // and put it back before any write: workers never hold the lock across an await.
        let prepared: (HollowPod, HollowNodeContext, String?)? = state.withLock { state in
            guard let node = state.nodes[nodeName] else { return nil }
            if let old = state.sims[key], old.uid != uid {
                if let oldNode = state.podNodes[key] { state.ipAllocators[oldNode]?.release(podUID: old.uid) }
                state.sims[key] = nil
            }
            if state.sims[key] == nil { state.stats.podsTracked += 1 }
            let sim = state.sims[key] ?? HollowPod(uid: uid)
            let ip = pod.spec?.hostNetwork == true ? node.hostIP : state.ipAllocators[nodeName]?.allocate(podUID: uid)
            return (sim, HollowNodeContext(name: nodeName, hostIP: node.hostIP), ip)
        }
        guard let (initial, node, ip) = prepared else { return }
        var sim = initial
        let time = now()
        let actions = sim.sync(pod: pod, node: node, podIP: ip, now: time)
        state.withLock { state in
            state.sims[key] = sim
            state.podNodes[key] = nodeName
        }

        var failed = false
        for action in actions {
            switch action {
            case .updateStatus(let status):
                do {
                    try await writeStatus(status, of: key, uid: uid)
                    state.withLock { $0.stats.statusWrites += 1 }
                } catch let error as ClientError where error.isNotFound {
                    forgetPod(key)
                    return
                } catch {
                    logger.debug("pod status write failed", metadata: ["pod": "\(key)", "error": "\(error)"])
                    state.withLock { state in
                        state.sims[key]?.statusWriteFailed()
                        state.stats.statusWriteErrors += 1
                    }
                    failed = true
                }
            case .delete:
                do {
                    try await client.delete(CoreV1.Pod.self, key.name, namespace: key.namespace,
                                            options: DeleteOptions(gracePeriodSeconds: 0, preconditionUID: uid))
                    state.withLock { $0.stats.podDeletes += 1 }
                } catch let error as ClientError where error.isNotFound || error.isConflict {
                    // Gone already, or a new pod took the name: nothing of ours to delete.
                } catch {
                    state.withLock { $0.sims[key]?.deleteFailed() }
                    failed = true
                }
            case .requeue(let at):
                queue.addAfter(key, .milliseconds(max(Int(at.timeIntervalSince(time) * 1000), 0) + 1))
            }
        }
        if ip == nil, !actions.contains(.delete) {
            // Waiting for a free address in the node's subnet: look again later.
            queue.addAfter(key, .seconds(5))
        }
        if failed {
            queue.addRateLimited(key)
        } else {
            queue.forget(key)
        }
    }

    /// A merge patch of the whole status: lists (conditions, containerStatuses) are replaced, no
    /// resourceVersion is needed, so a concurrent metadata change never makes us retry.
    private func writeStatus(_ status: CoreV1.PodStatus, of key: ObjectKey, uid: String) async throws {
        struct Body: Encodable {
            struct Metadata: Encodable { var uid: String }
            var metadata: Metadata
            var status: CoreV1.PodStatus
        }
        let body = try JSONEncoder().encode(Body(metadata: .init(uid: uid), status: status))
        _ = try await client.patch(CoreV1.Pod.self, key.name, namespace: key.namespace, Patch(.merge, body: Array(body)),
                                   subresource: "status")
    }

    /// The pod is gone from the cache (deleted) or unbound: drop its simulation and its IP.
    func forgetPod(_ key: ObjectKey) {
        state.withLock { state in
            guard let sim = state.sims.removeValue(forKey: key) else { return }
            if let node = state.podNodes.removeValue(forKey: key) { state.ipAllocators[node]?.release(podUID: sim.uid) }
        }
        queue.forget(key)
    }
}
