import Foundation
import SkiffAPI

/// The new ReplicaSet, revisions, scaling and the two strategies (upstream `sync.go`,
/// `rolling.go`, `recreate.go`).
extension DeploymentSync {
    typealias U = DeploymentUtil

    // MARK: new ReplicaSet and revision

    /// `getAllReplicaSetsAndSyncRevision`: the new ReplicaSet (created when asked and
    /// missing) with its revision annotations brought up to date, and the old ones.
    mutating func allReplicaSets(create: Bool) -> (AppsV1.ReplicaSet?, [AppsV1.ReplicaSet]) {
        let existing = sets.sorted(by: U.byCreation).first { U.equalIgnoringHash($0.spec?.template, d.spec?.template) }
        let old = sets.filter { $0.metadata?.name != existing?.metadata?.name }
        let newRevision = String(U.maxRevision(old) + 1)
        if var rs = existing {
            var changed = Self.setNewReplicaSetAnnotations(d, &rs, newRevision: newRevision, exists: true)
            if rs.spec?.minReadySeconds != d.spec?.minReadySeconds {
                rs.spec?.minReadySeconds = d.spec?.minReadySeconds
                changed = true
            }
            if changed { write(rs) }
            setDeploymentRevision(rs.metadata?.annotations?[U.revisionAnnotation] ?? "")
            if U.condition(d.status, "Progressing") == nil && U.hasProgressDeadline(d) {
                setCondition(U.newCondition("Progressing", "True", U.foundNewRSReason, "Found new replica set \"\(rs.metadata?.name ?? "")\"", now: now))
            }
            return (rs, old)
        }
        guard create else { return (nil, old) }

        var template = d.spec?.template ?? CoreV1.PodTemplateSpec()
        let hash = U.podTemplateHash(d.spec?.template, collisionCount: d.status?.collisionCount)
        if template.metadata == nil { template.metadata = MetaV1.ObjectMeta() }
        let labels = (template.metadata?.labels ?? [:]).merging([U.podTemplateHashLabel: hash]) { _, b in b }
        template.metadata?.labels = labels
        var selector = d.spec?.selector ?? MetaV1.LabelSelector()
        selector.matchLabels = (selector.matchLabels ?? [:]).merging([U.podTemplateHashLabel: hash]) { _, b in b }
        var rs = AppsV1.ReplicaSet(
            metadata: MetaV1.ObjectMeta(labels: template.metadata?.labels, name: "\(name)-\(hash)", namespace: d.metadata?.namespace,
                                        ownerReferences: [Self.controllerRef(d)]),
            spec: AppsV1.ReplicaSetSpec(minReadySeconds: d.spec?.minReadySeconds, replicas: 0, selector: selector, template: template))
        rs.setTypeMeta()
        let count = newReplicaCount(all: old + [rs], newRS: rs)
        rs.spec?.replicas = count
        _ = Self.setNewReplicaSetAnnotations(d, &rs, newRevision: newRevision, exists: false)
        plan.actions.append(.create(rs))
        sets.append(rs)
        if count > 0 {
            event("ScalingReplicaSet", "Scaled up replica set \(rs.metadata?.name ?? "") from 0 to \(count)")
        }
        setDeploymentRevision(newRevision)
        if U.hasProgressDeadline(d) {
            setCondition(U.newCondition("Progressing", "True", U.newRSCreatedReason, "Created new replica set \"\(rs.metadata?.name ?? "")\"", now: now))
        }
        return (rs, old)
    }

    mutating func setCondition(_ c: AppsV1.DeploymentCondition) {
        var s = d.status ?? AppsV1.DeploymentStatus()
        U.setCondition(&s, c)
        d.status = s
    }

    mutating func setDeploymentRevision(_ revision: String) {
        if d.metadata?.annotations?[U.revisionAnnotation] == revision { return }
        if d.metadata == nil { d.metadata = MetaV1.ObjectMeta() }
        let annotations = (d.metadata?.annotations ?? [:]).merging([U.revisionAnnotation: revision]) { _, b in b }
        d.metadata?.annotations = annotations
    }

    /// `SetNewReplicaSetAnnotations`: the Deployment's annotations, the new revision (the
    /// former one moves into revision-history on a rollback), and on creation the
    /// desired/max-replicas annotations.
    static func setNewReplicaSetAnnotations(_ d: AppsV1.Deployment, _ rs: inout AppsV1.ReplicaSet, newRevision: String, exists: Bool) -> Bool {
        var a = rs.metadata?.annotations ?? [:]
        var changed = false
        for (k, v) in d.metadata?.annotations ?? [:] where !U.skipCopy(k) && a[k] != v {
            a[k] = v
            changed = true
        }
        let oldRevision = a[U.revisionAnnotation]
        var oldInt: Int64 = 0
        if let oldRevision {
            guard let v = Int64(oldRevision) else { return finish(&rs, a, changed) }
            oldInt = v
        }
        guard let newInt = Int64(newRevision) else { return finish(&rs, a, changed) }
        if oldInt < newInt {
            a[U.revisionAnnotation] = newRevision
            changed = true
            if let oldRevision {
                let history = a[U.revisionHistoryAnnotation] ?? ""
                if history.isEmpty {
                    a[U.revisionHistoryAnnotation] = oldRevision
                } else {
                    var parts = history.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    var total = history.count + oldRevision.count + 1
                    var start = 0
                    while total > U.maxRevisionHistoryLengthInChars && start < parts.count {
                        total -= parts[start].count + 1
                        start += 1
                    }
                    if total <= U.maxRevisionHistoryLengthInChars {
                        parts = Array(parts[start...]) + [oldRevision]
                        a[U.revisionHistoryAnnotation] = parts.joined(separator: ",")
                    }
                }
            }
        }
        var result = finish(&rs, a, changed)
        if !exists {
            let desired = U.replicas(d)
            if setReplicasAnnotations(&rs, desired: desired, max: desired + U.maxSurge(d)) { result = true }
        }
        return result
    }

    private static func finish(_ rs: inout AppsV1.ReplicaSet, _ a: [String: String], _ changed: Bool) -> Bool {
        if changed {
            if rs.metadata == nil { rs.metadata = MetaV1.ObjectMeta() }
            rs.metadata?.annotations = a
        }
        return changed
    }

    /// `NewRSNewReplicas`: how big the new ReplicaSet may be now.
    func newReplicaCount(all: [AppsV1.ReplicaSet], newRS: AppsV1.ReplicaSet) -> Int32 {
        guard U.isRollingUpdate(d) else { return desired }
        let current = U.sumSpec(all)
        let maxTotal = desired + U.maxSurge(d)
        if current >= maxTotal { return U.specReplicas(newRS) }
        let up = min(maxTotal - current, desired - U.specReplicas(newRS))
        return U.specReplicas(newRS) + up
    }

    // MARK: paused and scaling

    /// `checkPausedConditions`.
    mutating func checkPausedConditions() {
        guard U.hasProgressDeadline(d) else { return }
        let c = U.condition(d.status, "Progressing")
        if c?.reason == U.timedOutReason { return }
        let pausedExists = c?.reason == U.pausedReason
        if d.spec?.paused == true && !pausedExists {
            setCondition(U.newCondition("Progressing", "Unknown", U.pausedReason, "Deployment is paused", now: now))
        } else if d.spec?.paused != true && pausedExists {
            setCondition(U.newCondition("Progressing", "Unknown", U.resumedReason, "Deployment is resumed", now: now))
        }
    }

    /// `isScalingEvent`: an active ReplicaSet was sized for another replica count.
    mutating func isScalingEvent() -> Bool {
        let (newRS, old) = allReplicaSets(create: false)
        for rs in U.active(old + [newRS].compactMap { $0 }) {
            if let desiredAnnotation = U.intAnnotation(rs, U.desiredReplicasAnnotation), desiredAnnotation != desired { return true }
        }
        return false
    }

    /// `sync`: scaling (and history cleanup when paused) without rolling out.
    mutating func syncScaling() {
        let (newRS, old) = allReplicaSets(create: false)
        scaleSets(newRS, old)
        let (newNow, oldNow) = current(newRS, old)
        if d.spec?.paused == true { cleanup(oldNow) }
        syncStatus(oldNow + [newNow].compactMap { $0 }, newNow)
    }

    /// The local copies of `newRS` and `old` after this sync's writes.
    func current(_ newRS: AppsV1.ReplicaSet?, _ old: [AppsV1.ReplicaSet]) -> (AppsV1.ReplicaSet?, [AppsV1.ReplicaSet]) {
        let fresh = { (rs: AppsV1.ReplicaSet) in self.index(of: rs).map { self.sets[$0] } ?? rs }
        return (newRS.map(fresh), old.map(fresh))
    }

    /// `scale`: one active ReplicaSet follows the Deployment; a saturated new one retires the
    /// old ones; otherwise, during a rolling update, the difference is spread proportionally.
    mutating func scaleSets(_ newRS: AppsV1.ReplicaSet?, _ old: [AppsV1.ReplicaSet]) {
        if let target = activeOrLatest(newRS, old) {
            if U.specReplicas(target) != desired { scale(target, to: desired) }
            return
        }
        if let newRS, isSaturated(newRS) {
            for rs in U.active(old) { scale(rs, to: 0) }
            return
        }
        guard U.isRollingUpdate(d) else { return }
        var all = U.active(old + [newRS].compactMap { $0 })
        let allowed = desired > 0 ? desired + U.maxSurge(d) : 0
        let toAdd = allowed - U.sumSpec(all)
        var op = ""
        if toAdd > 0 {
            all.sort(by: U.bySize(newerFirst: true))
            op = "up"
        } else if toAdd < 0 {
            all.sort(by: U.bySize(newerFirst: false))
            op = "down"
        }
        var added: Int32 = 0
        var sizes: [Int32] = []
        for rs in all {
            if toAdd != 0 {
                let p = proportion(rs, toAdd: toAdd, added: added)
                sizes.append(U.specReplicas(rs) + p)
                added += p
            } else {
                sizes.append(U.specReplicas(rs))
            }
        }
        for (i, rs) in all.enumerated() {
            var size = sizes[i]
            if i == 0 && toAdd != 0 { size = max(0, size + toAdd - added) }
            scaleReplicaSet(rs, to: size, operation: op)
        }
    }

    /// `FindActiveOrLatest`.
    func activeOrLatest(_ newRS: AppsV1.ReplicaSet?, _ old: [AppsV1.ReplicaSet]) -> AppsV1.ReplicaSet? {
        if newRS == nil && old.isEmpty { return nil }
        let sortedOld = old.sorted { U.byCreation($1, $0) }
        let all = U.active(sortedOld + [newRS].compactMap { $0 })
        switch all.count {
        case 0: return newRS ?? sortedOld.first
        case 1: return all[0]
        default: return nil
        }
    }

    /// `IsSaturated`: the new ReplicaSet is at full size and fully available.
    func isSaturated(_ rs: AppsV1.ReplicaSet) -> Bool {
        U.specReplicas(rs) == desired && U.intAnnotation(rs, U.desiredReplicasAnnotation) == desired
            && (rs.status?.availableReplicas ?? 0) == desired
    }

    /// `GetProportion` / `getReplicaSetFraction`.
    func proportion(_ rs: AppsV1.ReplicaSet, toAdd: Int32, added: Int32) -> Int32 {
        let size = U.specReplicas(rs)
        if size == 0 || toAdd == 0 || toAdd == added { return 0 }
        let fraction: Int32
        if desired == 0 {
            fraction = -size
        } else {
            let total = desired + U.maxSurge(d)
            let annotated = U.intAnnotation(rs, U.maxReplicasAnnotation) ?? (d.status?.replicas ?? 0)
            if annotated == 0 {
                fraction = 0
            } else {
                let v = (Double(size) * Double(total) / Double(annotated)).rounded(.toNearestOrAwayFromZero)
                fraction = Int32(clamping: Int64(v)) - size
            }
        }
        let allowed = toAdd - added
        return toAdd > 0 ? min(fraction, allowed) : max(fraction, allowed)
    }

    // MARK: history

    /// `cleanupDeployment`: delete the oldest idle ReplicaSets beyond `revisionHistoryLimit`.
    mutating func cleanup(_ old: [AppsV1.ReplicaSet]) {
        guard let limit = d.spec?.revisionHistoryLimit else { return }
        let alive = old.filter { $0.metadata?.deletionTimestamp == nil }
        let diff = alive.count - Int(limit)
        guard diff > 0 else { return }
        for rs in alive.sorted(by: U.byRevision).prefix(diff) {
            if (rs.status?.replicas ?? 0) != 0 || U.specReplicas(rs) != 0
                || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0) { continue }
            plan.actions.append(.delete(rs.metadata?.name ?? ""))
        }
    }
}
