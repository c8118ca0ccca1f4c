import Foundation
import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient

/// The StatefulSet controller (kube-controller-manager's `statefulset`): pods "<set>-<ordinal>"
/// with stable hostnames and claims "<template>-<set>-<ordinal>", OrderedReady or Parallel,
/// rolling (partition, maxUnavailable) or OnDelete updates tracked with ControllerRevisions
/// (pods carry the revision's name, as upstream). As upstream, no expectations: pod names are
/// fixed, so a create from a stale cache fails with AlreadyExists.
final class StatefulSetController: Reconciler {
    let client: Client
    let sets: Lister<AppsV1.StatefulSet>
    let pods: Lister<CoreV1.Pod>
    let claims: Lister<CoreV1.PersistentVolumeClaim>
    let revisions: Lister<AppsV1.ControllerRevision>
    let recorder: EventRecorder?
    let logger: Logger

    init(factory: SharedInformerFactory, recorder: EventRecorder? = nil, logger: Logger = Logger(label: "skiff.controller.statefulset")) {
        client = factory.client
        let podInformer = factory.informer(CoreV1.Pod.self)
        podInformer.addIndex(.ownerUID)
        sets = factory.informer(AppsV1.StatefulSet.self).lister
        pods = podInformer.lister
        claims = factory.informer(CoreV1.PersistentVolumeClaim.self).lister
        revisions = factory.informer(AppsV1.ControllerRevision.self).lister
        self.recorder = recorder
        self.logger = logger
    }

    static func make(factory: SharedInformerFactory, recorder: EventRecorder? = nil, workers: Int = 2) -> Controller {
        let r = StatefulSetController(factory: factory, recorder: recorder)
        let c = Controller(name: "statefulset", reconciler: r, workers: workers, logger: r.logger)
        c.watch(factory.informer(AppsV1.StatefulSet.self))
        c.watchOwned(factory.informer(CoreV1.Pod.self), ownerKind: "StatefulSet")
        c.watchOwned(factory.informer(AppsV1.ControllerRevision.self), ownerKind: "StatefulSet")
        c.watch(factory.informer(CoreV1.PersistentVolumeClaim.self)) { _ in [] }
        return c
    }

    static func services(client: Client, factory: SharedInformerFactory) -> [any Service] {
        let recorder = EventRecorder(client: client, component: "statefulset-controller")
        return [recorder, make(factory: factory, recorder: recorder)]
    }

    func historyOwner(_ set: AppsV1.StatefulSet) -> HistoryOwner {
        HistoryOwner(name: set.metadata?.name ?? "", namespace: set.metadata?.namespace ?? "", uid: set.metadata?.uid,
                     annotations: set.metadata?.annotations, template: set.spec?.template,
                     collisionCount: set.status?.collisionCount, ref: StatefulSetSync.controllerRef(set))
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        guard let set = sets.get(key) else { return nil }
        let ns = key.namespace, name = key.name
        let owned = pods.list(namespace: ns).filter { $0.controllerRef?.uid == set.metadata?.uid }
        let history: (current: AppsV1.ControllerRevision, old: [AppsV1.ControllerRevision])
        do {
            history = try await ControllerHistory.construct(historyOwner(set), revisions: revisions.list(namespace: ns), client: client)
        } catch let e as HashCollision {
            var updated = set
            var status = set.status ?? AppsV1.StatefulSetStatus(replicas: 0)
            status.collisionCount = (status.collisionCount ?? 0) &+ 1
            updated.status = status
            _ = try await client.updateStatus(updated)
            throw e
        }
        let update = history.current
        let updateName = update.metadata?.name ?? ""
        let current = history.old.first { $0.metadata?.name == set.status?.currentRevision } ?? update
        let currentName = current.metadata?.name ?? ""
        let plan = StatefulSetSync.plan(set, pods: owned, currentHash: currentName, updateHash: updateName,
                                        expectationsSatisfied: true, now: Date())
        let ru = set.spec?.updateStrategy?.rollingUpdate
        let partition = Int(max(0, ru?.partition ?? 0))
        let rolling = (set.spec?.updateStrategy?.type ?? "RollingUpdate") == "RollingUpdate"
        for ordinal in plan.create {
            try await createClaims(set, ordinal: ordinal)
            // Below the partition, new pods come from the current revision (upstream newVersionedStatefulSetPod).
            let useCurrent = rolling && ordinal - StatefulSetSync.start(set) < partition && currentName != updateName
            var template = set.spec?.template
            if useCurrent, let t = Self.template(of: current) { template = t }
            let pod = StatefulSetSync.pod(set, template: template, ordinal: ordinal, hash: useCurrent ? currentName : updateName)
            do {
                _ = try await client.create(pod)
                recorder?.event(set, type: .normal, reason: "SuccessfulCreate", message: "create Pod \(pod.name) in StatefulSet \(name) successful")
            } catch let e as ClientError where e.isAlreadyExists {
            } catch {
                recorder?.event(set, type: .warning, reason: "FailedCreate",
                                message: "create Pod \(pod.name) in StatefulSet \(name) failed error: \(ErrorMessage.of(error))")
                throw error
            }
        }
        let scaledDelete = set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled == "Delete"
        for podName in plan.delete {
            if scaledDelete, plan.condemned.contains(podName), let pod = owned.first(where: { $0.name == podName }) {
                try await giveClaims(set, to: pod)
            }
            do {
                try await client.delete(CoreV1.Pod.self, podName, namespace: ns)
                recorder?.event(set, type: .normal, reason: "SuccessfulDelete", message: "delete Pod \(podName) in StatefulSet \(name) successful")
            } catch let e as ClientError where e.isNotFound {}
        }
        if plan.status != set.status {
            var updated = set
            updated.status = plan.status
            do {
                _ = try await client.updateStatus(updated)
            } catch let e as ClientError where e.isConflict || e.isNotFound {}
        }
        if plan.create.isEmpty && plan.delete.isEmpty {
            try await ControllerHistory.cleanup(historyOwner(set), old: history.old, limit: set.spec?.revisionHistoryLimit,
                                                pods: owned, keep: [currentName, updateName], client: client)
        }
        if let minReady = set.spec?.minReadySeconds, minReady > 0, plan.status.readyReplicas != plan.status.availableReplicas {
            return .after(.seconds(Int(minReady)))
        }
        return nil
    }

    /// The pod template a revision stores (its `spec.template` patch).
    static func template(of revision: AppsV1.ControllerRevision) -> CoreV1.PodTemplateSpec? {
        guard case .object(let o)? = revision.data, case .object(let spec)? = o["spec"], case .object(var t)? = spec["template"] else { return nil }
        t.removeValue(forKey: "$patch")
        return try? APICoding.decode(CoreV1.PodTemplateSpec.self, from: .object(t))
    }

    func createClaims(_ set: AppsV1.StatefulSet, ordinal: Int) async throws {
        for claim in StatefulSetSync.claims(set, ordinal: ordinal) {
            let claimName = claim.metadata?.name ?? ""
            guard claims.get(claimName, namespace: set.metadata?.namespace ?? "") == nil else { continue }
            do {
                _ = try await client.create(claim)
                recorder?.event(set, type: .normal, reason: "SuccessfulCreate",
                                message: "create Claim \(claimName) Pod \(set.metadata?.name ?? "")-\(ordinal) in StatefulSet \(set.metadata?.name ?? "") success")
            } catch let e as ClientError where e.isAlreadyExists {}
        }
    }

    /// `whenScaled: Delete`: a condemned pod's claims get the pod as owner, so they go with it.
    func giveClaims(_ set: AppsV1.StatefulSet, to pod: CoreV1.Pod) async throws {
        guard let ordinal = StatefulSetSync.ordinal(pod, set: set.metadata?.name ?? "") else { return }
        for template in StatefulSetSync.claims(set, ordinal: ordinal) {
            guard let claim = claims.get(template.metadata?.name ?? "", namespace: pod.namespace) else { continue }
            var refs = claim.metadata?.ownerReferences ?? []
            guard !refs.contains(where: { $0.uid == pod.uid }) else { continue }
            refs.append(MetaV1.OwnerReference(apiVersion: "v1", kind: "Pod", name: pod.name, uid: pod.uid))
            do {
                _ = try await client.patch(CoreV1.PersistentVolumeClaim.self, claim.metadata?.name ?? "", namespace: pod.namespace,
                                           MetadataPatch.make(ownerReferences: refs, resourceVersion: claim.metadata?.resourceVersion))
            } catch let e as ClientError where e.isNotFound {}
        }
    }
}
