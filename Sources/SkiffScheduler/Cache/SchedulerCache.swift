import Foundation
import SkiffAPI

/// The scheduler's view of nodes and the pods placed on them (upstream `internalcache.Cache`).
///
/// Pods enter either from the informer (bound pods) or by `assume` — the scheduler counts a pod
/// on its node as soon as it decides, before the binding is acknowledged. An assumed pod is
/// confirmed when the informer reports it bound, dropped by `forget` when binding fails, and
/// expires `assumedPodTTL` after `finishBinding` if the informer never reports it.
///
/// A plain value with an injected clock (every time-dependent call takes `now`); the owner
/// serialises access.
package struct SchedulerCache: Sendable {
    package enum CacheError: Error, Equatable {
        case alreadyPresent(String)
        case notAssumed(String)
        case missingNodeName(String)
    }

    private struct PodState: Sendable {
        var pod: PodInfo
        var assumed: Bool
        var bindingFinished = false
        var deadline: Date?
    }

    private var nodes: [String: NodeInfo] = [:]
    private var podStates: [String: PodState] = [:]
    private var imageNodeCounts: [String: Int] = [:]
    private var dirty: Set<String> = []
    private var generation: Int64 = 0
    /// nil: assumed pods never expire (upstream's current default); otherwise seconds after binding finished.
    package var assumedPodTTL: TimeInterval?

    package init(assumedPodTTL: TimeInterval? = nil) {
        self.assumedPodTTL = assumedPodTTL
    }

    // MARK: nodes

    package mutating func addNode(_ node: CoreV1.Node) {
        let name = node.metadata?.name ?? ""
        var info = nodes[name] ?? NodeInfo(name: name)
        countImages(of: info, sign: -1)
        info.setNode(node)
        countImages(of: info, sign: 1)
        store(info)
    }

    package mutating func updateNode(_ node: CoreV1.Node) { addNode(node) }

    package mutating func removeNode(_ name: String) {
        guard var info = nodes[name] else { return }
        countImages(of: info, sign: -1)
        info.removeNode()
        // Pods may outlive their node in the informer's view; keep their accounting until they go.
        if info.pods.isEmpty {
            nodes.removeValue(forKey: name)
            generation += 1
            dirty.insert(name)
        } else {
            store(info)
        }
    }

    package var nodeCount: Int { nodes.values.reduce(0) { $0 + ($1.node == nil ? 0 : 1) } }

    package func nodeInfo(_ name: String) -> NodeInfo? { nodes[name] }

    // MARK: pods

    /// Counts `pod` on `pod.nodeName` before the binding is known to have happened.
    package mutating func assume(_ pod: PodInfo) throws(CacheError) {
        guard podStates[pod.uid] == nil else { throw .alreadyPresent(pod.key) }
        guard !pod.nodeName.isEmpty else { throw .missingNodeName(pod.key) }
        podStates[pod.uid] = PodState(pod: pod, assumed: true)
        place(pod)
    }

    /// Binding was sent; from now the assumed pod may expire.
    package mutating func finishBinding(uid: String, now: Date) {
        guard var state = podStates[uid], state.assumed else { return }
        state.bindingFinished = true
        if let ttl = assumedPodTTL { state.deadline = now.addingTimeInterval(ttl) }
        podStates[uid] = state
    }

    /// Binding failed: the assumed pod leaves its node.
    package mutating func forget(uid: String) throws(CacheError) {
        guard let state = podStates[uid], state.assumed else { throw .notAssumed(uid) }
        podStates.removeValue(forKey: uid)
        unplace(state.pod)
    }

    package func isAssumed(uid: String) -> Bool { podStates[uid]?.assumed ?? false }

    package func pod(uid: String) -> PodInfo? { podStates[uid]?.pod }

    package var podCount: Int { podStates.count }

    /// The informer reports a bound pod: confirms an assumed pod (its node may differ if someone
    /// else bound it) or adds it.
    package mutating func addPod(_ pod: PodInfo) {
        guard !pod.nodeName.isEmpty else { return }
        if let state = podStates[pod.uid] {
            unplace(state.pod)
        }
        podStates[pod.uid] = PodState(pod: pod, assumed: false)
        place(pod)
    }

    package mutating func updatePod(_ pod: PodInfo) { addPod(pod) }

    package mutating func removePod(uid: String) {
        guard let state = podStates.removeValue(forKey: uid) else { return }
        unplace(state.pod)
    }

    /// Drops assumed pods whose binding finished more than the TTL ago; returns them.
    @discardableResult
    package mutating func cleanupExpiredAssumedPods(now: Date) -> [PodInfo] {
        var expired: [PodInfo] = []
        for (uid, state) in podStates where state.assumed && state.bindingFinished {
            if let deadline = state.deadline, now >= deadline {
                expired.append(state.pod)
                podStates.removeValue(forKey: uid)
                unplace(state.pod)
            }
        }
        return expired
    }

    // MARK: snapshot

    /// Brings `snapshot` up to date, copying only nodes changed since its last update.
    package mutating func updateSnapshot(_ snapshot: inout Snapshot) {
        if snapshot.generation == generation { return }
        if snapshot.generation < 0 {
            // First fill: every node, in name order for determinism.
            for name in nodes.keys.sorted() {
                if let info = nodes[name], info.node != nil { snapshot.replace(info) }
            }
        } else {
            for name in dirty.sorted() {
                if let info = nodes[name], info.node != nil {
                    snapshot.replace(info)
                } else {
                    snapshot.remove(name)
                }
            }
        }
        dirty.removeAll(keepingCapacity: true)
        snapshot.reindexAffinity()
        snapshot.imageNodeCounts = imageNodeCounts
        snapshot.generation = generation
    }

    // MARK: private

    private mutating func place(_ pod: PodInfo) {
        var info = nodes[pod.nodeName] ?? NodeInfo(name: pod.nodeName)
        info.addPod(pod)
        store(info)
    }

    private mutating func unplace(_ pod: PodInfo) {
        guard var info = nodes[pod.nodeName] else { return }
        info.removePod(uid: pod.uid)
        if info.node == nil && info.pods.isEmpty {
            nodes.removeValue(forKey: pod.nodeName)
            generation += 1
            dirty.insert(pod.nodeName)
        } else {
            store(info)
        }
    }

    private mutating func store(_ info: NodeInfo) {
        var info = info
        generation += 1
        info.generation = generation
        nodes[info.name] = info
        dirty.insert(info.name)
    }

    private mutating func countImages(of info: NodeInfo, sign: Int) {
        guard info.node != nil else { return }
        for name in info.imageSizes.keys {
            let n = (imageNodeCounts[name] ?? 0) + sign
            imageNodeCounts[name] = n > 0 ? n : nil
        }
    }
}
