import Foundation
import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient
import Synchronization

/// The DaemonSet controller (kube-controller-manager's `daemonset`): one pod per eligible
/// node, pinned there with a `metadata.name` node affinity the scheduler honours; rolling or
/// on-delete updates tracked with ControllerRevisions; status counters. Decisions come from
/// `DaemonSetSync.plan`; this type performs them with expectations and a failed-pod back-off.
final class DaemonSetController: Reconciler {
    let client: Client
    let daemonSets: Lister<AppsV1.DaemonSet>
    let pods: Lister<CoreV1.Pod>
    let nodes: Lister<CoreV1.Node>
    let revisions: Lister<AppsV1.ControllerRevision>
    let expectations = Expectations()
    /// Per "ns/ds/node": (current delay, when it was set). Upstream: 1 s doubling to 15 min.
    let backoff = Mutex<[String: (delay: Duration, since: ContinuousClock.Instant)]>([:])
    let recorder: EventRecorder?
    let logger: Logger

    init(factory: SharedInformerFactory, recorder: EventRecorder? = nil,
         logger: Logger = Logger(label: "skiff.controller.daemonset")) {
        client = factory.client
        let podInformer = factory.informer(CoreV1.Pod.self)
        podInformer.addIndex(.ownerUID)
        daemonSets = factory.informer(AppsV1.DaemonSet.self).lister
        pods = podInformer.lister
        nodes = factory.informer(CoreV1.Node.self).lister
        revisions = factory.informer(AppsV1.ControllerRevision.self).lister
        self.recorder = recorder
        self.logger = logger
    }

    static func make(factory: SharedInformerFactory, recorder: EventRecorder? = nil, workers: Int = 2) -> Controller {
        let r = DaemonSetController(factory: factory, recorder: recorder)
        let c = Controller(name: "daemonset", reconciler: r, workers: workers, logger: r.logger)
        r.wire(c, factory: factory)
        return c
    }

    func wire(_ c: Controller, factory: SharedInformerFactory) {
        let podInformer = factory.informer(CoreV1.Pod.self)
        let nodeInformer = factory.informer(CoreV1.Node.self)
        let expectations = self.expectations
        let daemonSets = self.daemonSets
        podInformer.addEventHandler { event in
            switch event {
            case .added(let p):
                guard let key = Self.owner(of: p, in: daemonSets) else { return }
                if p.isTerminating { expectations.deletionObserved(key, podKey: Self.podKey(p)) } else { expectations.creationObserved(key) }
            case .updated(let old, let new):
                if new.isTerminating, !old.isTerminating, let key = Self.owner(of: new, in: daemonSets) {
                    expectations.deletionObserved(key, podKey: Self.podKey(new))
                }
            case .deleted(let p, _):
                if let key = Self.owner(of: p, in: daemonSets) { expectations.deletionObserved(key, podKey: Self.podKey(p)) }
            }
        }
        c.watch(factory.informer(AppsV1.DaemonSet.self))
        c.watchOwned(podInformer, ownerKind: "DaemonSet")
        c.watchOwned(factory.informer(AppsV1.ControllerRevision.self), ownerKind: "DaemonSet")
        // Every DaemonSet looks again when a node appears, goes, or changes what decides
        // eligibility (not on status heartbeats).
        let queue = c.queue
        nodeInformer.addEventHandler { event in
            if case .updated(let old, let new) = event, !Self.eligibilityChanged(old, new) { return }
            for ds in daemonSets.list() { queue.add(ObjectKey.of(ds)) }
        }
        c.watch(nodeInformer) { _ in [] }
    }

    static func eligibilityChanged(_ a: CoreV1.Node, _ b: CoreV1.Node) -> Bool {
        a.metadata?.labels != b.metadata?.labels || a.spec?.taints != b.spec?.taints
            || a.spec?.unschedulable != b.spec?.unschedulable
    }

    static func podKey(_ p: CoreV1.Pod) -> String { "\(p.namespace)/\(p.name)" }

    static func owner(of p: CoreV1.Pod, in daemonSets: Lister<AppsV1.DaemonSet>) -> String? {
        guard let ref = p.controllerRef, ref.kind == "DaemonSet", let name = ref.name,
              let ds = daemonSets.get(name, namespace: p.namespace), ds.metadata?.uid == ref.uid else { return nil }
        return "\(p.namespace)/\(name)"
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        let k = key.description
        guard let ds = daemonSets.get(key) else {
            expectations.forget(k)
            return nil
        }
        let uid = ds.metadata?.uid
        let owned = pods.list(namespace: key.namespace).filter { $0.controllerRef?.uid == uid }
        let (current, old) = try await constructHistory(ds)
        let hash = current.metadata?.labels?[ControllerHistory.hashLabel] ?? ControllerHistory.suffix(current)
        let plan = DaemonSetSync.plan(ds, nodes: nodes.list(), pods: owned, hash: hash,
                                      expectationsSatisfied: expectations.satisfied(k), now: Date())
        var requeue = plan.requeueAfter
        var delete = plan.delete
        for f in plan.failed {
            if let wait = backingOff("\(k)/\(f.node)") {
                delete.removeAll { $0 == f.pod }
                requeue = min(requeue ?? wait, wait)
            } else {
                recorder?.event(ds, type: .warning, reason: "FailedDaemonPod",
                                message: "Found failed daemon pod \(key.namespace)/\(f.pod) on node \(f.node), will try to kill it")
            }
        }
        let firstError = await sync(ds, key: k, createOn: plan.createOn, delete: delete, hash: hash)
        if plan.createOn.isEmpty && delete.isEmpty {
            try await cleanupHistory(ds, old: old, owned: owned)
        }
        if plan.status != ds.status {
            var updated = ds
            updated.status = plan.status
            do {
                _ = try await client.updateStatus(updated)
            } catch let e as ClientError where e.isConflict || e.isNotFound {}
        }
        if let firstError { throw firstError }
        return requeue.map { .after($0) }
    }

    /// The remaining back-off for a node's failed pod, or nil (and the next delay recorded).
    func backingOff(_ key: String) -> Duration? {
        backoff.withLock { b in
            let now = ContinuousClock.now
            if let e = b[key], now - e.since < e.delay { return e.delay - (now - e.since) }
            let next = b[key].map { min($0.delay * 2, .seconds(900)) } ?? .seconds(1)
            b[key] = (next, now)
            return nil
        }
    }

    /// Creates (slow-start batches) and deletes pods, keeping expectations; returns the first error.
    func sync(_ ds: AppsV1.DaemonSet, key k: String, createOn: [String], delete: [String], hash: String) async -> (any Error)? {
        let ns = ds.metadata?.namespace ?? ""
        var firstError: (any Error)?
        if !createOn.isEmpty || !delete.isEmpty {
            expectations.expect(k, creations: createOn.count, deletions: delete.map { "\(ns)/\($0)" })
        }
        var remaining = createOn[...]
        for size in ReplicaSetSync.slowStartBatches(createOn.count) {
            let batch = remaining.prefix(size)
            remaining = remaining.dropFirst(size)
            let errors = await withTaskGroup(of: (any Error)?.self) { group in
                for node in batch {
                    group.addTask {
                        do {
                            let pod = try await self.client.create(DaemonSetSync.pod(for: ds, node: node, hash: hash))
                            self.recorder?.event(ds, type: .normal, reason: "SuccessfulCreate", message: "Created pod: \(pod.name)")
                            return nil
                        } catch {
                            self.expectations.creationObserved(k)
                            self.recorder?.event(ds, type: .warning, reason: "FailedCreate", message: "Error creating: \(ErrorMessage.of(error))")
                            return error
                        }
                    }
                }
                var errors: [any Error] = []
                for await e in group { if let e { errors.append(e) } }
                return errors
            }
            if let e = errors.first {
                firstError = e
                for _ in remaining { expectations.creationObserved(k) }
                break
            }
        }
        let errors = await withTaskGroup(of: (any Error)?.self) { group in
            for name in delete {
                group.addTask {
                    do {
                        try await self.client.delete(CoreV1.Pod.self, name, namespace: ns)
                        self.recorder?.event(ds, type: .normal, reason: "SuccessfulDelete", message: "Deleted pod: \(name)")
                        return nil
                    } catch {
                        self.expectations.deletionObserved(k, podKey: "\(ns)/\(name)")
                        if let e = error as? ClientError, e.isNotFound { return nil }
                        self.recorder?.event(ds, type: .warning, reason: "FailedDelete", message: "Error deleting: \(ErrorMessage.of(error))")
                        return error
                    }
                }
            }
            var errors: [any Error] = []
            for await e in group { if let e { errors.append(e) } }
            return errors
        }
        return firstError ?? errors.first
    }
}

extension DaemonSetController {
    /// The controller and its event recorder ("daemonset-controller", as upstream).
    static func services(client: Client, factory: SharedInformerFactory) -> [any Service] {
        let recorder = EventRecorder(client: client, component: "daemonset-controller")
        return [recorder, make(factory: factory, recorder: recorder)]
    }
}
