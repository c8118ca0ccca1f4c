import Foundation
import SkiffAPI
import SkiffClient

/// What one reconcile of a ReplicaSet should do, decided from lister contents alone
/// (upstream `syncReplicaSet` + `manageReplicas` + `calculateStatus`).
struct ReplicaSetPlan: Equatable, Sendable {
    /// Orphans matching the selector to take (add our controller reference).
    var adopt: [String] = []
    /// Pods we control that no longer match the selector (remove our reference).
    var release: [String] = []
    /// Pods to create from the template.
    var create = 0
    /// Pods to delete, in order.
    var delete: [String] = []
    /// Status computed from the pods we control now.
    var status = AppsV1.ReplicaSetStatus()
    /// Look again when a ready pod will have become available (minReadySeconds).
    var requeueAfter: Duration?
}

enum ReplicaSetSync {
    /// Upstream `BurstReplicas`: at most this many creations or deletions per sync.
    static let burstReplicas = 500

    /// `pods`: every pod in the ReplicaSet's namespace. `related`: active pods controlled by
    /// this ReplicaSet's siblings (ReplicaSets with the same controlling owner) and itself.
    /// `expectationsSatisfied`: false while earlier creates/deletes are not yet observed,
    /// in which case only status is computed.
    static func plan(_ rs: AppsV1.ReplicaSet, pods: [CoreV1.Pod], related: [CoreV1.Pod]? = nil,
                     expectationsSatisfied: Bool, now: Date) throws(InvalidSelector) -> ReplicaSetPlan {
        var plan = ReplicaSetPlan()
        let selector = try LabelSelector(meta: rs.spec?.selector)
        let uid = rs.metadata?.uid ?? ""
        let rsDeleting = rs.metadata?.deletionTimestamp != nil
        var owned: [CoreV1.Pod] = []
        for pod in pods where pod.isActive {
            let matches = selector.matches(pod.labels)
            if let ref = pod.controllerRef {
                guard ref.uid == uid else { continue }  // someone else's
                if matches { owned.append(pod) } else if !rsDeleting { plan.release.append(pod.name) }
            } else if matches, !rsDeleting {
                plan.adopt.append(pod.name)
                owned.append(pod)
            }
        }

        let desired = Int(rs.spec?.replicas ?? 1)
        if expectationsSatisfied, !rsDeleting {
            let diff = owned.count - desired
            if diff < 0 {
                plan.create = min(-diff, burstReplicas)
            } else if diff > 0 {
                let count = min(diff, burstReplicas)
                let ordered = count < owned.count
                    ? PodRanking.deletionOrder(owned, related: related ?? owned, now: now) : owned
                plan.delete = ordered.prefix(count).map(\.name)
            }
        }

        plan.status = status(rs, owned: owned, now: now)
        let minReady = rs.spec?.minReadySeconds ?? 0
        if minReady > 0, plan.status.readyReplicas == Int32(desired), plan.status.availableReplicas != plan.status.readyReplicas {
            plan.requeueAfter = .seconds(Int(minReady))
        }
        return plan
    }

    /// Upstream `calculateStatus` (conditions are added by the caller from write errors).
    static func status(_ rs: AppsV1.ReplicaSet, owned: [CoreV1.Pod], now: Date) -> AppsV1.ReplicaSetStatus {
        let templateLabels = rs.spec?.template?.metadata?.labels ?? [:]
        let minReady = rs.spec?.minReadySeconds ?? 0
        var s = AppsV1.ReplicaSetStatus()
        s.replicas = Int32(owned.count)
        s.fullyLabeledReplicas = Int32(owned.filter { p in templateLabels.allSatisfy { p.labels[$0.key] == $0.value } }.count)
        s.readyReplicas = Int32(owned.filter(\.isReady).count)
        s.availableReplicas = Int32(owned.filter { $0.isAvailable(minReadySeconds: minReady, now: now) }.count)
        s.observedGeneration = rs.metadata?.generation
        s.conditions = rs.status?.conditions
        return s
    }

    /// Sizes of the slow-start batches for `count` creations: 1, 2, 4, … (upstream
    /// `slowStartBatch` with `SlowStartInitialBatchSize` 1). A failed batch stops the rest.
    static func slowStartBatches(_ count: Int, initial: Int = 1) -> [Int] {
        var batches: [Int] = []
        var remaining = count, size = min(remaining, initial)
        while size > 0 {
            batches.append(size)
            remaining -= size
            size = min(2 * size, remaining)
        }
        return batches
    }

    /// The pod a ReplicaSet creates (upstream `GetPodFromTemplate`): the template's labels,
    /// annotations, finalizers and spec; `generateName` "<rs>-"; a controller reference
    /// that blocks the owner's foreground deletion.
    static func pod(for rs: AppsV1.ReplicaSet) -> CoreV1.Pod {
        let template = rs.spec?.template
        var meta = MetaV1.ObjectMeta()
        meta.labels = template?.metadata?.labels
        meta.annotations = template?.metadata?.annotations
        meta.finalizers = template?.metadata?.finalizers
        meta.generateName = "\(rs.metadata?.name ?? "")-"
        meta.namespace = rs.metadata?.namespace
        meta.ownerReferences = [controllerRef(rs)]
        return CoreV1.Pod(metadata: meta, spec: template?.spec)
    }

    static func controllerRef(_ rs: AppsV1.ReplicaSet) -> MetaV1.OwnerReference {
        // The kind is ReplicationController when `rs` is an adapted one (`ReplicatedSet`).
        MetaV1.OwnerReference(apiVersion: rs.apiVersion ?? "apps/v1", blockOwnerDeletion: true, controller: true, kind: rs.kind ?? "ReplicaSet",
                              name: rs.metadata?.name, uid: rs.metadata?.uid)
    }

    /// The `ReplicaFailure` condition after a create/delete error (nil error removes it).
    static func withFailure(_ status: AppsV1.ReplicaSetStatus, error: (reason: String, message: String)?, now: Date) -> AppsV1.ReplicaSetStatus {
        var s = status
        var conditions = (s.conditions ?? []).filter { $0.type != "ReplicaFailure" }
        if let error {
            let existing = status.conditions?.first { $0.type == "ReplicaFailure" && $0.status == "True" }
            conditions.append(AppsV1.ReplicaSetCondition(lastTransitionTime: existing?.lastTransitionTime ?? KubeTime.format(now),
                                                         message: error.message, reason: error.reason, status: "True", type: "ReplicaFailure"))
        }
        s.conditions = conditions.isEmpty ? nil : conditions
        return s
    }
}
