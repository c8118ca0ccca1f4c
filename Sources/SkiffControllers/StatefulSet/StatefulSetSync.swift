import Foundation
import SkiffAPI

/// What one sync of a StatefulSet should do, from lister contents alone (upstream
/// `StatefulSetControl.updateStatefulSet` with monotonic (OrderedReady) or Parallel
/// management, rolling updates from the highest ordinal down to the partition).
struct StatefulSetPlan: Equatable, Sendable {
    /// Ordinals whose pod (and missing claims) are created, in order.
    var create: [Int] = []
    /// Pods to delete (failed, condemned, or replaced by the rolling update).
    var delete: [String] = []
    /// Condemned pods among `delete` (their claims follow `whenScaled`).
    var condemned: [String] = []
    var status = AppsV1.StatefulSetStatus()
    var requeueAfter: Duration?
}

enum StatefulSetSync {
    static let podNameLabel = "statefulset.kubernetes.io/pod-name"
    static let podIndexLabel = "apps.kubernetes.io/pod-index"

    /// The ordinal in "<set>-<ordinal>", or nil for a pod that is not one of the set's.
    static func ordinal(_ pod: CoreV1.Pod, set: String) -> Int? {
        let name = pod.name
        guard name.hasPrefix("\(set)-"), let n = Int(name.dropFirst(set.count + 1)), n >= 0,
              String(n) == name.dropFirst(set.count + 1) else { return nil }
        return n
    }

    static func start(_ set: AppsV1.StatefulSet) -> Int { Int(max(0, set.spec?.ordinals?.start ?? 0)) }

    static func healthy(_ p: CoreV1.Pod) -> Bool { p.phase == "Running" && p.isReady && !p.isTerminating }

    /// `pods`: pods the set controls. `currentHash`/`updateHash`: the current and update revisions.
    static func plan(_ set: AppsV1.StatefulSet, pods: [CoreV1.Pod], currentHash: String, updateHash: String,
                     expectationsSatisfied: Bool, now: Date) -> StatefulSetPlan {
        var plan = StatefulSetPlan()
        let name = set.metadata?.name ?? ""
        let replicas = Int(max(0, set.spec?.replicas ?? 1))
        let first = start(set)
        let range = first..<(first + replicas)
        var byOrdinal: [Int: CoreV1.Pod] = [:]
        for p in pods { if let o = ordinal(p, set: name) { byOrdinal[o] = p } }
        let monotonic = (set.spec?.podManagementPolicy ?? "OrderedReady") != "Parallel"
        plan.status = status(set, pods: Array(byOrdinal.values), currentHash: currentHash, updateHash: updateHash, now: now)
        guard expectationsSatisfied, set.metadata?.deletionTimestamp == nil else { return plan }

        // 1. Replicas in ascending order: replace finished pods, create missing ones; in
        // OrderedReady mode stop at the first pod that is not running and ready.
        var blocked = false
        for o in range {
            guard let p = byOrdinal[o] else {
                plan.create.append(o)
                if monotonic { blocked = true; break }
                continue
            }
            if (p.phase == "Failed" || p.phase == "Succeeded") && !p.isTerminating {
                plan.delete.append(p.name)
                if monotonic { blocked = true; break }
                continue
            }
            if monotonic && !healthy(p) { blocked = true; break }
        }
        if blocked { return plan }

        // 2. Condemned pods (beyond the replicas) from the highest ordinal down; OrderedReady
        // deletes one at a time and only while every other pod is healthy.
        let condemned = byOrdinal.keys.filter { !range.contains($0) }.sorted(by: >)
        for o in condemned {
            guard let p = byOrdinal[o] else { continue }
            if p.isTerminating {
                if monotonic { return plan }
                continue
            }
            let othersHealthy = byOrdinal.allSatisfy { $0.key == o || healthy($0.value) }
            if monotonic && !othersHealthy && healthy(p) { return plan }
            plan.delete.append(p.name)
            plan.condemned.append(p.name)
            if monotonic { return plan }
        }
        if !plan.create.isEmpty || !plan.delete.isEmpty { return plan }

        // 3. Rolling update: from the highest ordinal down to the partition, delete pods on an
        // old revision while fewer than maxUnavailable pods are unavailable.
        guard (set.spec?.updateStrategy?.type ?? "RollingUpdate") == "RollingUpdate" else { return plan }
        let ru = set.spec?.updateStrategy?.rollingUpdate
        let partition = Int(max(0, ru?.partition ?? 0))
        let maxUnavailable = max(1, ru?.maxUnavailable.flatMap { DaemonSetSync.scaled($0, total: replicas) } ?? 1)
        var unavailable = range.filter { byOrdinal[$0].map { !healthy($0) } ?? true }.count
        for o in range.reversed() where o - first >= partition {
            guard let p = byOrdinal[o] else { continue }
            if p.labels[ControllerHistory.hashLabel] != updateHash, !p.isTerminating {
                if !healthy(p) {
                    plan.delete.append(p.name)
                } else if unavailable < maxUnavailable {
                    plan.delete.append(p.name)
                    unavailable += 1
                } else {
                    break
                }
            } else if !healthy(p), monotonic, maxUnavailable == 1 {
                break  // wait for the updated pod before going lower
            }
        }
        return plan
    }

    /// Upstream `computeReplicaStatus` and `completeRollingUpdate`.
    static func status(_ set: AppsV1.StatefulSet, pods: [CoreV1.Pod], currentHash: String, updateHash: String,
                       now: Date) -> AppsV1.StatefulSetStatus {
        var s = set.status ?? AppsV1.StatefulSetStatus(replicas: 0)
        let minReady = set.spec?.minReadySeconds ?? 0
        var replicas: Int32 = 0, ready: Int32 = 0, available: Int32 = 0, current: Int32 = 0, updated: Int32 = 0
        for p in pods {
            replicas += 1
            if p.phase == "Running" && p.isReady {
                ready += 1
                if p.isAvailable(minReadySeconds: minReady, now: now) { available += 1 }
            }
            guard !p.isTerminating else { continue }
            let h = p.labels[ControllerHistory.hashLabel]
            if h == currentHash { current += 1 }
            if h == updateHash { updated += 1 }
        }
        s.replicas = replicas
        s.readyReplicas = ready
        s.availableReplicas = available
        s.currentReplicas = current
        s.updatedReplicas = updated
        s.currentRevision = currentHash
        s.updateRevision = updateHash
        s.observedGeneration = set.metadata?.generation
        if (set.spec?.updateStrategy?.type ?? "RollingUpdate") == "RollingUpdate", updated == replicas, ready == replicas {
            s.currentReplicas = updated
            s.currentRevision = updateHash
        }
        return s
    }

    /// The pod for `ordinal` from `template` (the update or, below the partition, the current one).
    static func pod(_ set: AppsV1.StatefulSet, template: CoreV1.PodTemplateSpec?, ordinal: Int, hash: String) -> CoreV1.Pod {
        let setName = set.metadata?.name ?? ""
        let name = "\(setName)-\(ordinal)"
        var meta = MetaV1.ObjectMeta()
        var labels = template?.metadata?.labels ?? [:]
        labels[podNameLabel] = name
        labels[podIndexLabel] = String(ordinal)
        labels[ControllerHistory.hashLabel] = hash
        meta.labels = labels
        meta.annotations = template?.metadata?.annotations
        meta.finalizers = template?.metadata?.finalizers
        meta.name = name
        meta.namespace = set.metadata?.namespace
        meta.ownerReferences = [controllerRef(set)]
        var spec = template?.spec ?? CoreV1.PodSpec(containers: [])
        spec.hostname = name
        if let svc = set.spec?.serviceName, !svc.isEmpty { spec.subdomain = svc }
        // Claim volumes replace template volumes of the same name (upstream updateStorage).
        let claims = set.spec?.volumeClaimTemplates ?? []
        let claimNames = Set(claims.compactMap { $0.metadata?.name })
        var volumes = (spec.volumes ?? []).filter { !claimNames.contains($0.name ?? "") }
        for c in claims {
            guard let t = c.metadata?.name else { continue }
            volumes.append(CoreV1.Volume(name: t, persistentVolumeClaim: CoreV1.PersistentVolumeClaimVolumeSource(
                claimName: claimName(t, set: setName, ordinal: ordinal))))
        }
        spec.volumes = volumes.isEmpty ? nil : volumes
        return CoreV1.Pod(metadata: meta, spec: spec)
    }

    static func claimName(_ template: String, set: String, ordinal: Int) -> String { "\(template)-\(set)-\(ordinal)" }

    /// The claims the pod for `ordinal` uses, labelled with the set's selector; owned by the
    /// set when `whenDeleted: Delete`.
    static func claims(_ set: AppsV1.StatefulSet, ordinal: Int) -> [CoreV1.PersistentVolumeClaim] {
        let setName = set.metadata?.name ?? ""
        let deleteWithSet = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted == "Delete"
        return (set.spec?.volumeClaimTemplates ?? []).compactMap { t in
            guard let tname = t.metadata?.name else { return nil }
            var c = CoreV1.PersistentVolumeClaim(metadata: MetaV1.ObjectMeta(), spec: t.spec)
            var labels = t.metadata?.labels ?? [:]
            for (k, v) in set.spec?.selector?.matchLabels ?? [:] { labels[k] = v }
            c.metadata?.labels = labels.isEmpty ? nil : labels
            c.metadata?.annotations = t.metadata?.annotations
            c.metadata?.name = claimName(tname, set: setName, ordinal: ordinal)
            c.metadata?.namespace = set.metadata?.namespace
            if deleteWithSet { c.metadata?.ownerReferences = [controllerRef(set)] }
            return c
        }
    }

    static func controllerRef(_ set: AppsV1.StatefulSet) -> MetaV1.OwnerReference {
        MetaV1.OwnerReference(apiVersion: "apps/v1", blockOwnerDeletion: true, controller: true, kind: "StatefulSet",
                              name: set.metadata?.name, uid: set.metadata?.uid)
    }
}
