import Foundation
import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient

/// The ReplicaSet controller (kube-controller-manager's `replicaset`): keeps `spec.replicas`
/// pods matching the selector, owned through a controller reference, and writes status.
/// Decisions come from `ReplicaSetSync.plan` over the listers; this type performs them and
/// keeps the expectations that stop a lagging informer from causing double creates/deletes.
/// `Set` is ReplicaSet, or ReplicationController through its adapter (`ReplicatedSet`), as
/// upstream runs the replication manager on the ReplicaSet code.
final class ReplicaSetController<Set: ReplicatedSet>: Reconciler {
    let client: Client
    let replicaSets: Lister<Set>
    let pods: Lister<CoreV1.Pod>
    let expectations = Expectations()
    let recorder: EventRecorder?
    let logger: Logger

    init(factory: SharedInformerFactory, recorder: EventRecorder? = nil,
         logger: Logger = Logger(label: "skiff.controller.\(Set.controllerName)")) {
        client = factory.client
        let rsInformer = factory.informer(Set.self)
        let podInformer = factory.informer(CoreV1.Pod.self)
        podInformer.addIndex(.ownerUID)
        podInformer.addIndex(Self.orphans)
        replicaSets = rsInformer.lister
        pods = podInformer.lister
        self.recorder = recorder
        self.logger = logger
    }

    /// The Service that runs this controller (informers are run by the factory).
    static func make(factory: SharedInformerFactory, recorder: EventRecorder? = nil, workers: Int = 5) -> Controller {
        let r = ReplicaSetController(factory: factory, recorder: recorder)
        let c = Controller(name: Set.controllerName, reconciler: r, workers: workers, logger: r.logger)
        r.wire(c, factory: factory)
        return c
    }

    /// The controller and its event recorder, for the controller manager.
    static func services(client: Client, factory: SharedInformerFactory) -> [any Service] {
        let recorder = EventRecorder(client: client, component: Set.eventComponent)
        return [recorder, make(factory: factory, recorder: recorder)]
    }

    /// Informer events → expectations and keys (upstream addPod/updatePod/deletePod).
    func wire(_ c: Controller, factory: SharedInformerFactory) {
        let podInformer = factory.informer(CoreV1.Pod.self)
        let rsInformer = factory.informer(Set.self)
        let expectations = self.expectations
        let replicaSets = self.replicaSets
        // Runs before the controller's own handler, so expectations are lowered before the key is queued.
        podInformer.addEventHandler { event in
            switch event {
            case .added(let p):
                if p.isTerminating {
                    if let key = Self.owner(of: p, in: replicaSets) { expectations.deletionObserved(key, podKey: Self.podKey(p)) }
                } else if let key = Self.owner(of: p, in: replicaSets) {
                    expectations.creationObserved(key)
                }
            case .updated(let old, let new):
                if new.isTerminating, !old.isTerminating, let key = Self.owner(of: new, in: replicaSets) {
                    expectations.deletionObserved(key, podKey: Self.podKey(new))
                }
            case .deleted(let p, _):
                if let key = Self.owner(of: p, in: replicaSets) { expectations.deletionObserved(key, podKey: Self.podKey(p)) }
            }
        }
        c.watch(rsInformer)
        c.watch(podInformer) { pod in
            if let ref = pod.controllerRef {
                guard ref.kind == Set.groupVersionKind.kind, let name = ref.name else { return [] }
                return [ObjectKey(namespace: pod.namespace, name: name)]
            }
            // An orphan: every ReplicaSet that could adopt it.
            return replicaSets.list(namespace: pod.namespace).filter { rs in
                rs.metadata?.deletionTimestamp == nil
                    && ((try? LabelSelector(meta: rs.asReplicaSet.spec?.selector))?.matches(pod.labels) ?? false)
            }.map { ObjectKey.of($0) }
        }
    }

    static func podKey(_ p: CoreV1.Pod) -> String { "\(p.namespace)/\(p.name)" }

    /// The key of the ReplicaSet controlling `p`, if it is in the cache with the same UID.
    static func owner(of p: CoreV1.Pod, in replicaSets: Lister<Set>) -> String? {
        guard let ref = p.controllerRef, ref.kind == Set.groupVersionKind.kind, let name = ref.name,
              let rs = replicaSets.get(name, namespace: p.namespace), rs.metadata?.uid == ref.uid else { return nil }
        return "\(p.namespace)/\(name)"
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        let k = key.description
        guard let object = replicaSets.get(key) else {
            expectations.forget(k)
            return nil
        }
        let rs = object.asReplicaSet
        let satisfied = expectations.satisfied(k)
        // Only its own pods and orphans can be claimed; the rest of the namespace is someone
        // else's, so the indexes spare a scan of every pod in it on each sync.
        var seen = Swift.Set<String>()
        let namespacePods = (pods.byIndex(.ownerUID, rs.metadata?.uid ?? "") + pods.byIndex(Self.orphans, key.namespace))
            .filter { seen.insert($0.name).inserted }
        let plan: ReplicaSetPlan
        do {
            plan = try ReplicaSetSync.plan(rs, pods: namespacePods, related: relatedPods(rs, namespacePods),
                                           expectationsSatisfied: satisfied, now: Date())
        } catch {
            recorder?.event(object, type: .warning, reason: "InvalidSelector", message: "invalid selector: \(error)")
            return nil
        }
        let byName = Dictionary(namespacePods.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        if !plan.adopt.isEmpty {
            // Adopt only if the ReplicaSet is still the one we read (upstream's canAdopt recheck).
            let fresh = try await client.get(Set.self, key.name, namespace: key.namespace)
            guard fresh.metadata?.uid == rs.metadata?.uid, fresh.metadata?.deletionTimestamp == nil else { return nil }
            for name in plan.adopt {
                guard let pod = byName[name] else { continue }
                try await patchOwners(pod, (pod.metadata?.ownerReferences ?? []) + [ReplicaSetSync.controllerRef(rs)])
            }
        }
        for name in plan.release {
            guard let pod = byName[name] else { continue }
            try await patchOwners(pod, (pod.metadata?.ownerReferences ?? []).filter { $0.uid != rs.metadata?.uid })
        }

        var failure: (reason: String, message: String)?
        var firstError: (any Error)?
        if plan.create > 0 {
            expectations.expectCreations(k, plan.create)
            let template = ReplicaSetSync.pod(for: rs)
            var created = 0
            batches: for size in ReplicaSetSync.slowStartBatches(plan.create) {
                let errors = await withTaskGroup(of: (any Error)?.self) { group in
                    for _ in 0..<size {
                        group.addTask {
                            do {
                                let pod = try await self.client.create(template)
                                self.recorder?.event(object, type: .normal, reason: "SuccessfulCreate", message: "Created pod: \(pod.name)")
                                return nil
                            } catch {
                                // The informer will never see this pod.
                                self.expectations.creationObserved(k)
                                self.recorder?.event(object, type: .warning, reason: "FailedCreate", message: "Error creating: \(Self.message(error))")
                                return error
                            }
                        }
                    }
                    var errors: [any Error] = []
                    for await e in group { if let e { errors.append(e) } }
                    return errors
                }
                created += size
                if let e = errors.first {
                    firstError = e
                    failure = ("FailedCreate", Self.message(e))
                    // Skipped batches will not be observed either.
                    for _ in 0..<(plan.create - created) { expectations.creationObserved(k) }
                    break batches
                }
            }
        } else if !plan.delete.isEmpty {
            expectations.expectDeletions(k, plan.delete.map { "\(key.namespace)/\($0)" })
            let errors = await withTaskGroup(of: (any Error)?.self) { group in
                for name in plan.delete {
                    group.addTask {
                        do {
                            try await self.client.delete(CoreV1.Pod.self, name, namespace: key.namespace)
                            self.recorder?.event(object, type: .normal, reason: "SuccessfulDelete", message: "Deleted pod: \(name)")
                            return nil
                        } catch {
                            self.expectations.deletionObserved(k, podKey: "\(key.namespace)/\(name)")
                            if let e = error as? ClientError, e.isNotFound { return nil }
                            self.recorder?.event(object, type: .warning, reason: "FailedDelete", message: "Error deleting: \(Self.message(error))")
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
                failure = ("FailedDelete", Self.message(e))
            }
        }

        let status = ReplicaSetSync.withFailure(plan.status, error: failure, now: Date())
        if status != rs.status {
            var updated = object
            updated.setStatus(status)
            do {
                _ = try await client.updateStatus(updated)
            } catch let e as ClientError where e.isConflict || e.isNotFound {
                // The cache is behind; the newer object's event brings the key back.
            }
        }
        if let firstError { throw firstError }
        if let after = plan.requeueAfter { return .after(after) }
        return nil
    }

    /// Sets a pod's owner references, conditional on the cached resourceVersion.
    func patchOwners(_ pod: CoreV1.Pod, _ refs: [MetaV1.OwnerReference]) async throws {
        do {
            _ = try await client.patch(CoreV1.Pod.self, pod.name, namespace: pod.namespace,
                                       MetadataPatch.make(ownerReferences: refs, resourceVersion: pod.metadata?.resourceVersion))
        } catch let e as ClientError where e.isNotFound {}
    }

    /// Active pods of this ReplicaSet's siblings (same controlling owner) and of itself.
    func relatedPods(_ rs: AppsV1.ReplicaSet, _ candidates: [CoreV1.Pod]) -> [CoreV1.Pod] {
        guard let owner = rs.controllerReference?.uid else {
            return candidates.filter { $0.controllerRef?.uid == rs.metadata?.uid && $0.isActive }
        }
        let siblings = Swift.Set(replicaSets.list(namespace: rs.metadata?.namespace ?? "")
            .filter { $0.controllerReference?.uid == owner }.compactMap { $0.metadata?.uid })
        return siblings.flatMap { pods.byIndex(.ownerUID, $0) }.filter { p in
            guard p.isActive, let uid = p.controllerRef?.uid else { return false }
            return siblings.contains(uid)
        }
    }

    /// Pods without a controller, by namespace: besides its own, the only pods a set may adopt.
    static var orphans: Index<CoreV1.Pod> {
        Index("skiff:orphans") { p in p.controllerRef == nil ? [p.namespace] : [] }
    }

    static func message(_ error: any Error) -> String {
        (error as? ClientError)?.message ?? "\(error)"
    }
}
