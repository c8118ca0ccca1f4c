import Foundation
import Logging
import SkiffAPI
import SkiffClient
import Synchronization

/// The Job controller (kube-controller-manager's `job`): runs a Job's pods to completion and
/// keeps its status. Decisions come from `JobSync.plan` over the listers; this type performs
/// them in the order that keeps pod accounting exact (uncounted UIDs → finalizers → counters).
final class JobController: Reconciler {
    let client: Client
    let jobs: Lister<BatchV1.Job>
    let pods: Lister<CoreV1.Pod>
    let expectations = Expectations()
    /// Per Job key: UIDs whose finalizer removal was sent but not yet observed.
    let removingFinalizers = FinalizerRemovals()
    let recorder: EventRecorder?
    let clock: @Sendable () -> Date
    let logger: Logger

    init(factory: SharedInformerFactory, recorder: EventRecorder? = nil, clock: @escaping @Sendable () -> Date = { Date() },
         logger: Logger = Logger(label: "skiff.controller.job")) {
        client = factory.client
        jobs = factory.informer(BatchV1.Job.self).lister
        let podInformer = factory.informer(CoreV1.Pod.self)
        podInformer.addIndex(.ownerUID)
        pods = podInformer.lister
        self.recorder = recorder
        self.clock = clock
        self.logger = logger
    }

    static func make(factory: SharedInformerFactory, recorder: EventRecorder? = nil, workers: Int = 5) -> Controller {
        let r = JobController(factory: factory, recorder: recorder)
        let c = Controller(name: "job", reconciler: r, workers: workers, logger: r.logger)
        r.wire(c, factory: factory)
        return c
    }

    static func jobKey(of pod: CoreV1.Pod) -> ObjectKey? {
        guard let ref = pod.controllerRef, ref.kind == "Job", ref.apiVersion?.hasPrefix("batch/") ?? false, let name = ref.name else { return nil }
        return ObjectKey(namespace: pod.namespace, name: name)
    }

    func wire(_ c: Controller, factory: SharedInformerFactory) {
        let expectations = self.expectations
        let removing = self.removingFinalizers
        factory.informer(CoreV1.Pod.self).addEventHandler { event in
            func observedFinalizer(_ p: CoreV1.Pod, gone: Bool) {
                guard let key = Self.jobKey(of: p)?.description, gone || !p.hasTrackingFinalizer else { return }
                removing.observed(key, uid: p.uid)
            }
            switch event {
            case .added(let p):
                if let key = Self.jobKey(of: p)?.description {
                    if p.isTerminating { expectations.deletionObserved(key, podKey: p.uid) } else { expectations.creationObserved(key) }
                }
                observedFinalizer(p, gone: false)
            case .updated(let old, let new):
                if new.isTerminating, !old.isTerminating, let key = Self.jobKey(of: new)?.description {
                    expectations.deletionObserved(key, podKey: new.uid)
                }
                observedFinalizer(new, gone: false)
            case .deleted(let p, _):
                if let key = Self.jobKey(of: p)?.description { expectations.deletionObserved(key, podKey: p.uid) }
                observedFinalizer(p, gone: true)
            }
        }
        c.watch(factory.informer(BatchV1.Job.self))
        c.watch(factory.informer(CoreV1.Pod.self)) { pod in
            if let key = Self.jobKey(of: pod) { return [key] }
            // An orphaned pod still holding our finalizer (its Job was deleted with orphan
            // propagation): the namespace's orphan key (empty name) lets go of it.
            return pod.hasTrackingFinalizer && pod.controllerRef == nil ? [ObjectKey(namespace: pod.namespace, name: "")] : []
        }
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        let k = key.description
        let namespacePods = pods.list(namespace: key.namespace)
        if key.name.isEmpty {
            let orphans = namespacePods.filter { $0.hasTrackingFinalizer && $0.controllerRef == nil }
            try await strip(orphans.map(\.name), in: namespacePods, jobKey: k)
            return nil
        }
        guard let job = jobs.get(key) else { return try await jobGone(key, namespacePods) }
        // Another controller manages this Job (spec.managedBy).
        if let managedBy = job.spec?.managedBy, managedBy != JobNames.controllerName { return nil }
        let uid = job.metadata?.uid ?? ""
        let owned = namespacePods.filter { $0.controllerRef?.uid == uid }
        let now = clock()
        let plan = JobSync.plan(job, pods: owned, now: now, expectationsSatisfied: expectations.satisfied(k),
                                finalizersBeingRemoved: removingFinalizers.pending(k))
        var current = job

        // 1. Record newly finished pods by UID before touching their finalizers.
        if let recorded = plan.uncountedStatus, recorded != job.status {
            current.status = recorded
            do {
                current = try await client.updateStatus(current)
            } catch let e as ClientError where e.isNotFound {
                return try await jobGone(key, namespacePods, uid: uid)  // the cache has not seen the deletion yet
            } catch let e as ClientError where e.isConflict {
                return nil  // the newer Job's event brings the key back
            }
        }
        // 2. Remove the finalizers; 3. count them (only when every removal went through).
        try await strip(plan.stripFinalizers, in: owned, jobKey: k)

        var firstError: (any Error)?
        if !plan.delete.isEmpty {
            let byName = Dictionary(owned.map { ($0.name, $0.uid) }, uniquingKeysWith: { a, _ in a })
            expectations.expectDeletions(k, plan.delete.compactMap { byName[$0] })
            for name in plan.delete {
                do {
                    try await client.delete(CoreV1.Pod.self, name, namespace: key.namespace)
                    recorder?.event(job, type: .normal, reason: "SuccessfulDelete", message: "Deleted pod: \(name)")
                } catch {
                    if let uid = byName[name] { expectations.deletionObserved(k, podKey: uid) }
                    if let e = error as? ClientError, e.isNotFound { continue }
                    recorder?.event(job, type: .warning, reason: "FailedDelete", message: "Error deleting: \(ErrorMessage.of(error))")
                    firstError = firstError ?? error
                }
            }
        }
        var status = plan.status
        if !plan.create.isEmpty {
            expectations.expectCreations(k, plan.create.count)
            var created = 0, failed = 0
            var remaining = plan.create[...]
            batches: for size in ReplicaSetSync.slowStartBatches(plan.create.count) {
                let batch = remaining.prefix(size)
                remaining = remaining.dropFirst(size)
                let errors = await withTaskGroup(of: (any Error)?.self) { group in
                    for template in batch {
                        group.addTask {
                            do {
                                let pod = try await self.client.create(template)
                                self.recorder?.event(job, type: .normal, reason: "SuccessfulCreate", message: "Created pod: \(pod.name)")
                                return nil
                            } catch {
                                self.expectations.creationObserved(k)
                                self.recorder?.event(job, type: .warning, reason: "FailedCreate", message: "Error creating: \(ErrorMessage.of(error))")
                                return error
                            }
                        }
                    }
                    var errors: [any Error] = []
                    for await e in group { if let e { errors.append(e) } }
                    return errors
                }
                created += size - errors.count
                failed += errors.count
                if let e = errors.first {
                    firstError = firstError ?? e
                    for _ in 0..<remaining.count { expectations.creationObserved(k) }
                    failed += remaining.count
                    break batches
                }
            }
            if failed > 0 {
                let active = Int(status.active ?? 0) - failed
                status.active = active > 0 ? Int32(active) : nil
            }
        }
        for e in plan.events {
            recorder?.event(job, type: e.warning ? .warning : .normal, reason: e.reason, message: e.message)
        }
        if status != current.status {
            current.status = status
            do {
                _ = try await client.updateStatus(current)
            } catch let e as ClientError where e.isConflict || e.isNotFound {
                return .rateLimited
            }
        }
        if let firstError { throw firstError }
        if let after = plan.requeueAfter, after.isFinite { return .afterSeconds(after) }
        return nil
    }

    /// The Job is gone: its pods must not keep the tracking finalizer (upstream's orphan cleanup).
    /// `uid`: only that Job's pods (a Job of the same name may exist already).
    func jobGone(_ key: ObjectKey, _ namespacePods: [CoreV1.Pod], uid: String? = nil) async throws -> Requeue? {
        let k = key.description
        expectations.forget(k)
        let orphans = namespacePods.filter { p in
            Self.jobKey(of: p) == key && p.hasTrackingFinalizer && (uid == nil || p.controllerRef?.uid == uid)
        }
        try await strip(orphans.map(\.name), in: namespacePods, jobKey: k)
        removingFinalizers.forget(k)
        return nil
    }

    /// Removes the tracking finalizer from `names` (a JSON patch that tests the list first, so a
    /// concurrent change of the finalizers is never overwritten). Throws after trying all.
    func strip(_ names: [String], in pods: [CoreV1.Pod], jobKey: String) async throws {
        guard !names.isEmpty else { return }
        let byName = Dictionary(pods.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var firstError: (any Error)?
        for name in names {
            guard let pod = byName[name] else { continue }
            let remaining = (pod.metadata?.finalizers ?? []).filter { $0 != JobNames.trackingFinalizer }
            removingFinalizers.sent(jobKey, uid: pod.uid)
            do {
                _ = try await client.patch(CoreV1.Pod.self, name, namespace: pod.namespace,
                                           MetadataPatch.make(finalizers: remaining, resourceVersion: pod.metadata?.resourceVersion))
            } catch let e as ClientError where e.isNotFound {
                continue
            } catch let e as ClientError where e.isConflict {
                // The cached pod is behind (the kubelet writes status often): retry on a fresh copy.
                do {
                    let fresh = try await client.get(CoreV1.Pod.self, name, namespace: pod.namespace)
                    guard fresh.uid == pod.uid else { continue }
                    let left = (fresh.metadata?.finalizers ?? []).filter { $0 != JobNames.trackingFinalizer }
                    _ = try await client.patch(CoreV1.Pod.self, name, namespace: pod.namespace,
                                               MetadataPatch.make(finalizers: left, resourceVersion: fresh.metadata?.resourceVersion))
                } catch let e as ClientError where e.isNotFound {
                    continue
                } catch {
                    removingFinalizers.observed(jobKey, uid: pod.uid)
                    firstError = firstError ?? error
                }
            } catch {
                removingFinalizers.observed(jobKey, uid: pod.uid)
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }
}

/// Per Job key, the pod UIDs whose tracking-finalizer removal was sent but not yet seen in the
/// informer (upstream's finalizer expectations): such pods are never counted again.
final class FinalizerRemovals: Sendable {
    private let state = Mutex<[String: Set<String>]>([:])

    func sent(_ key: String, uid: String) { state.withLock { _ = $0[key, default: []].insert(uid) } }
    func observed(_ key: String, uid: String) {
        state.withLock { s in
            s[key]?.remove(uid)
            if s[key]?.isEmpty == true { s[key] = nil }
        }
    }
    func pending(_ key: String) -> Set<String> { state.withLock { $0[key] ?? [] } }
    func forget(_ key: String) { state.withLock { _ = $0.removeValue(forKey: key) } }
}
