import Foundation
import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient

/// The Deployment controller (kube-controller-manager's `deployment`): ReplicaSets per pod
/// template, rolled by the Deployment's strategy. Decisions come from `DeploymentSync.plan`
/// over the listers; this type performs them in order and writes status.
final class DeploymentController: Reconciler {
    let client: Client
    let deployments: Lister<AppsV1.Deployment>
    let replicaSets: Lister<AppsV1.ReplicaSet>
    let pods: Lister<CoreV1.Pod>
    let recorder: EventRecorder?
    let logger: Logger

    init(factory: SharedInformerFactory, recorder: EventRecorder?, logger: Logger = Logger(label: "skiff.controller.deployment")) {
        client = factory.client
        deployments = factory.informer(AppsV1.Deployment.self).lister
        replicaSets = factory.informer(AppsV1.ReplicaSet.self).lister
        pods = factory.informer(CoreV1.Pod.self).lister
        self.recorder = recorder
        self.logger = logger
    }

    /// The controller and its event recorder, for the controller manager.
    static func services(client: Client, factory: SharedInformerFactory, workers: Int = 5) -> [any Service] {
        let recorder = EventRecorder(client: client, component: "deployment-controller")
        let r = DeploymentController(factory: factory, recorder: recorder)
        let c = Controller(name: "deployment", reconciler: r, workers: workers, logger: r.logger)
        r.wire(c, factory: factory)
        return [recorder, c]
    }

    /// Deployments themselves; ReplicaSets by controller reference (orphans: every Deployment
    /// that could adopt them); pods of a Recreate Deployment when they go.
    func wire(_ c: Controller, factory: SharedInformerFactory) {
        let deployments = self.deployments
        let replicaSets = self.replicaSets
        c.watch(factory.informer(AppsV1.Deployment.self))
        c.watch(factory.informer(AppsV1.ReplicaSet.self)) { rs in
            let ns = rs.metadata?.namespace ?? ""
            if let ref = rs.controllerReference {
                guard ref.kind == "Deployment", let name = ref.name else { return [] }
                return [ObjectKey(namespace: ns, name: name)]
            }
            return deployments.list(namespace: ns).filter { d in
                d.metadata?.deletionTimestamp == nil
                    && ((try? LabelSelector(meta: d.spec?.selector))?.matches(rs.metadata?.labels ?? [:]) ?? false)
            }.map { ObjectKey.of($0) }
        }
        let queue = c.queue
        factory.informer(CoreV1.Pod.self).addEventHandler { event in
            guard case .deleted(let pod, _) = event, let ref = pod.controllerRef, ref.kind == "ReplicaSet", let name = ref.name,
                  let owner = replicaSets.get(name, namespace: pod.namespace)?.controllerReference, owner.kind == "Deployment",
                  let dname = owner.name, let d = deployments.get(dname, namespace: pod.namespace),
                  d.spec?.strategy?.type == "Recreate" else { return }
            queue.add(ObjectKey(namespace: pod.namespace, name: dname))
        }
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        guard let d = deployments.get(key) else { return nil }
        let recreate = d.spec?.strategy?.type == "Recreate"
        let plan = DeploymentSync.plan(d, replicaSets: replicaSets.list(namespace: key.namespace),
                                       pods: recreate ? pods.list(namespace: key.namespace) : [], now: Date())
        var createdVersions: [String: String] = [:]
        var checkedOwner = false
        for action in plan.actions {
            switch action {
            case .adopt(let name), .release(let name):
                guard let rs = replicaSets.get(name, namespace: key.namespace) else { continue }
                var refs = rs.metadata?.ownerReferences ?? []
                if case .adopt = action {
                    // Adopt only if the Deployment is still the one we read (upstream's canAdopt recheck).
                    if !checkedOwner {
                        let fresh = try await client.get(AppsV1.Deployment.self, key.name, namespace: key.namespace)
                        guard fresh.metadata?.uid == d.metadata?.uid, fresh.metadata?.deletionTimestamp == nil else { return nil }
                        checkedOwner = true
                    }
                    refs.append(DeploymentSync.controllerRef(d))
                } else {
                    refs.removeAll { $0.uid == d.metadata?.uid }
                }
                do {
                    _ = try await client.patch(AppsV1.ReplicaSet.self, name, namespace: key.namespace,
                                               MetadataPatch.make(ownerReferences: refs, resourceVersion: rs.metadata?.resourceVersion))
                } catch let e as ClientError where e.isNotFound {}
            case .create(let rs):
                do {
                    let created = try await client.create(rs)
                    createdVersions[rs.metadata?.name ?? ""] = created.metadata?.resourceVersion
                } catch let e as ClientError where e.isAlreadyExists {
                    try await onCreateConflict(d, rs)
                    return nil
                } catch {
                    let name = rs.metadata?.name ?? ""
                    let message = "Failed to create new replica set \"\(name)\": \(ErrorMessage.of(error))"
                    recorder?.event(d, type: .warning, reason: "FailedCreate", message: message)
                    var failed = plan.updated ?? d
                    var s = failed.status ?? AppsV1.DeploymentStatus()
                    DeploymentUtil.setCondition(&s, DeploymentUtil.newCondition("Progressing", "False", DeploymentUtil.failedRSCreateReason,
                                                                                message, now: Date()))
                    failed.status = s
                    _ = try? await client.updateStatus(failed)
                    throw error
                }
            case .update(var rs):
                if rs.metadata?.resourceVersion == nil, let v = createdVersions[rs.metadata?.name ?? ""] {
                    rs.metadata?.resourceVersion = v
                }
                _ = try await client.update(rs)
            case .delete(let name):
                do {
                    try await client.delete(AppsV1.ReplicaSet.self, name, namespace: key.namespace)
                } catch let e as ClientError where e.isNotFound {}
            case .event(let type, let reason, let message):
                recorder?.event(d, type: type == "Warning" ? .warning : .normal, reason: reason, message: message)
            }
        }
        if let updated = plan.updated {
            do {
                _ = try await client.updateStatus(updated)
            } catch let e as ClientError where e.isConflict || e.isNotFound {
                // The cache is behind; the newer object's event brings the key back.
            }
        }
        return plan.requeueAfter.map { .after($0) }
    }

    /// A ReplicaSet with the new one's name exists. If it is ours with our template, the
    /// informer was behind; otherwise the hash collided: bump `collisionCount` so the next
    /// sync computes another name (upstream `getNewReplicaSet`).
    func onCreateConflict(_ d: AppsV1.Deployment, _ rs: AppsV1.ReplicaSet) async throws {
        let existing = try await client.get(AppsV1.ReplicaSet.self, rs.metadata?.name ?? "", namespace: d.metadata?.namespace)
        if existing.controllerReference?.uid == d.metadata?.uid,
           DeploymentUtil.equalIgnoringHash(existing.spec?.template, d.spec?.template) { return }
        var bumped = d
        var s = bumped.status ?? AppsV1.DeploymentStatus()
        s.collisionCount = (s.collisionCount ?? 0) &+ 1
        bumped.status = s
        _ = try await client.updateStatus(bumped)
    }
}
