import Foundation
import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient
import Synchronization

/// kube-controller-manager's `nodelifecycle` with its taint eviction: a node whose kubelet
/// has not renewed its Lease nor posted status for `gracePeriod` goes Ready=Unknown; nodes not
/// Ready get the not-ready / unreachable NoSchedule and NoExecute taints (NoExecute ones rate
/// limited per zone); pods not tolerating a NoExecute taint are deleted, at once or after
/// their `tolerationSeconds`.
///
/// Heartbeats are judged on the local monotonic clock from when this controller last saw the
/// Lease or the Ready heartbeat change (as upstream's probeTimestamp), never on the
/// timestamps' values, so clock skew between node and controller does not matter.
final class NodeLifecycleController: Reconciler {
    let client: Client
    let nodes: Lister<CoreV1.Node>
    let pods: Lister<CoreV1.Pod>
    let leases: Lister<CoordinationV1.Lease>
    let recorder: EventRecorder?
    let gracePeriod: Duration
    let monitorPeriod: Duration
    let logger = Logger(label: "skiff.controller.nodelifecycle")

    struct Probe {
        var heartbeat: String
        var renew: String
        var observed: ContinuousClock.Instant
    }
    private let probes = Mutex<[String: Probe]>([:])
    /// Per zone: when the next NoExecute taint may be added.
    private let nextTaint = Mutex<[String: ContinuousClock.Instant]>([:])

    init(factory: SharedInformerFactory, gracePeriod: Duration, monitorPeriod: Duration = .seconds(5), recorder: EventRecorder?) {
        client = factory.client
        nodes = factory.informer(CoreV1.Node.self).lister
        let podInformer = factory.informer(CoreV1.Pod.self)
        podInformer.addIndex(.nodeName)
        pods = podInformer.lister
        leases = factory.informer(CoordinationV1.Lease.self, namespace: "kube-node-lease").lister
        self.gracePeriod = gracePeriod
        self.monitorPeriod = monitorPeriod
        self.recorder = recorder
    }

    /// The controller plus the monitor loop that looks at every node each `monitorPeriod`.
    static func make(factory: SharedInformerFactory, gracePeriod: Duration, recorder: EventRecorder?) -> [any Service] {
        let monitor = min(.seconds(5), gracePeriod / 4)
        let r = NodeLifecycleController(factory: factory, gracePeriod: gracePeriod, monitorPeriod: monitor, recorder: recorder)
        let c = Controller(name: "nodelifecycle", reconciler: r, workers: 4, logger: r.logger)
        c.watch(factory.informer(CoreV1.Node.self))
        c.watch(factory.informer(CoordinationV1.Lease.self, namespace: "kube-node-lease")) { [ObjectKey(name: $0.metadata?.name ?? "")] }
        // A pod landing on a tainted node must be looked at too.
        let nodes = r.nodes
        c.watch(factory.informer(CoreV1.Pod.self)) { pod in
            guard let node = pod.spec?.nodeName, !node.isEmpty,
                  nodes.get(node)?.spec?.taints?.contains(where: { $0.effect == "NoExecute" }) == true else { return [] }
            return [ObjectKey(name: node)]
        }
        let ticker = NodeMonitor(period: monitor, nodes: r.nodes, queue: c.queue)
        return [c, ticker]
    }

    /// Records a heartbeat when the Ready condition's heartbeat or the Lease's renewTime moved;
    /// returns how long ago the last one was seen.
    func sinceHeartbeat(_ node: CoreV1.Node) -> Duration {
        let name = node.metadata?.name ?? ""
        let heartbeat = NodeHealth.ready(node)?.lastHeartbeatTime ?? ""
        let renew = leases.get(name, namespace: "kube-node-lease")?.spec?.renewTime ?? ""
        let now = ContinuousClock.now
        return probes.withLock { p in
            if let old = p[name], old.heartbeat == heartbeat, old.renew == renew { return now - old.observed }
            p[name] = Probe(heartbeat: heartbeat, renew: renew, observed: now)
            return .zero
        }
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        guard let node = nodes.get(key.name) else {
            probes.withLock { _ = $0.removeValue(forKey: key.name) }
            return nil
        }
        let since = sinceHeartbeat(node)
        let nowDate = Date()
        let now = KubeTime.format(nowDate)
        if since > gracePeriod, NodeHealth.ready(node)?.status != "Unknown" {
            var updated = node
            updated.status?.conditions = NodeHealth.unknownConditions(node, now: now)
            if updated.status == nil { updated.status = CoreV1.NodeStatus(conditions: NodeHealth.unknownConditions(node, now: now)) }
            do {
                _ = try await client.updateStatus(updated)
                logger.info("node \(key.name): no heartbeat for \(since), Ready=Unknown")
                recorder?.event(node, type: .normal, reason: "NodeNotReady", message: "Node \(key.name) status is now: NodeNotReady")
            } catch let e as ClientError where e.isConflict || e.isNotFound {}
            return .after(monitorPeriod)
        }
        if NodeHealth.ready(node)?.status != "True" {
            try await markPodsNotReady(node, now: now)
        }
        // Condition taints.
        var wanted = NodeHealth.conditionTaints(readyStatus: NodeHealth.ready(node)?.status ?? "Unknown")
        var retryTaint: Duration?
        if wanted.contains(where: { $0.effect == "NoExecute" }),
           !(node.spec?.taints ?? []).contains(where: { $0.effect == "NoExecute" && NodeHealth.isConditionTaint($0) }) {
            if let wait = takeTaintToken(for: node) {
                wanted.removeAll { $0.effect == "NoExecute" }
                retryTaint = wait
            }
        }
        if let taints = NodeHealth.taints(node, wanted: wanted, now: now) {
            let patch = Patch(.merge, .object(["spec": .object(["taints": .array(taints.map(Self.json))]),
                                               "metadata": .object(["resourceVersion": .string(node.metadata?.resourceVersion ?? "")])]))
            do {
                _ = try await client.patch(CoreV1.Node.self, key.name, patch)
            } catch let e as ClientError where e.isConflict || e.isNotFound {
                return .rateLimited
            }
            return nil  // the node's update brings the key back with the new taints
        }
        // Taint-based eviction.
        var next: Date? = nil
        let taints = node.spec?.taints ?? []
        for pod in pods.byIndex(.nodeName, key.name) where !pod.isTerminating && pod.phase != "Succeeded" && pod.phase != "Failed" {
            guard let due = NodeHealth.evictionTime(pod, taints: taints, now: nowDate) else { continue }
            if due <= nowDate {
                do {
                    try await client.delete(CoreV1.Pod.self, pod.name, namespace: pod.namespace,
                                            options: DeleteOptions(preconditionUID: pod.uid))
                    recorder?.event(pod, type: .normal, reason: "TaintManagerEviction", message: "Marking for deletion Pod \(pod.namespace)/\(pod.name)")
                } catch let e as ClientError where e.isNotFound || e.isConflict {}
            } else {
                next = min(next ?? due, due)
            }
        }
        var after = retryTaint
        if let next {
            let d = Duration.milliseconds(Int64(max(0, next.timeIntervalSince(nowDate)) * 1000) + 50)
            after = min(after ?? d, d)
        }
        return after.map { .after($0) }
    }

    /// `MarkPodsNotReady`: pods on a node that is not Ready stop counting as ready (so
    /// Services stop sending them traffic) until their kubelet reports again.
    func markPodsNotReady(_ node: CoreV1.Node, now: String) async throws {
        for pod in pods.byIndex(.nodeName, node.metadata?.name ?? "") where pod.isReady {
            var updated = pod
            updated.status?.conditions = pod.status?.conditions?.map { c in
                guard c.type == "Ready" else { return c }
                var c = c
                c.status = "False"
                c.lastTransitionTime = now
                return c
            }
            do {
                _ = try await client.updateStatus(updated)
                recorder?.event(pod, type: .warning, reason: "NodeNotReady", message: "Node is not ready")
            } catch let e as ClientError where e.isConflict || e.isNotFound {}
        }
    }

    /// nil when a NoExecute taint may be added in the node's zone now (and takes the slot);
    /// otherwise how long to wait.
    func takeTaintToken(for node: CoreV1.Node) -> Duration? {
        let zone = NodeHealth.zone(node)
        let all = nodes.list()
        var perZone: [String: (ready: Int, notReady: Int)] = [:]
        for n in all {
            let z = NodeHealth.zone(n)
            if NodeHealth.ready(n)?.status == "True" { perZone[z, default: (0, 0)].ready += 1 } else { perZone[z, default: (0, 0)].notReady += 1 }
        }
        let allFull = !perZone.isEmpty && perZone.values.allSatisfy { NodeHealth.zoneState(ready: $0.ready, notReady: $0.notReady) == .fullDisruption }
        let counts = perZone[zone] ?? (0, 1)
        let rate = NodeHealth.taintRate(NodeHealth.zoneState(ready: counts.ready, notReady: counts.notReady),
                                        zoneSize: counts.ready + counts.notReady, allZonesFullyDisrupted: allFull)
        guard rate > 0 else { return monitorPeriod }
        let now = ContinuousClock.now
        return nextTaint.withLock { m in
            if let at = m[zone], at > now { return at - now }
            m[zone] = now + .milliseconds(Int64(1000 / rate))
            return nil
        }
    }

    static func json(_ t: CoreV1.Taint) -> JSONValue {
        var o: [String: JSONValue] = ["key": .string(t.key ?? ""), "effect": .string(t.effect ?? "")]
        if let v = t.value { o["value"] = .string(v) }
        if let at = t.timeAdded { o["timeAdded"] = .string(at) }
        return .object(o)
    }
}

/// Enqueues every node each period, so silence (no events at all) is noticed.
struct NodeMonitor: Service {
    let period: Duration
    let nodes: Lister<CoreV1.Node>
    let queue: WorkQueue<ObjectKey>

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                for n in nodes.list() { queue.add(ObjectKey(name: n.metadata?.name ?? "")) }
                try? await Task.sleep(for: period)
            }
        }
    }
}
