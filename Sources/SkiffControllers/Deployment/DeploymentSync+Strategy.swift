import Foundation
import SkiffAPI

/// RollingUpdate and Recreate, and the status they write (upstream `rolling.go`,
/// `recreate.go`, `progress.go`, `calculateStatus`).
extension DeploymentSync {
    // MARK: RollingUpdate

    /// `rolloutRolling`: grow the new ReplicaSet within maxSurge, or else shrink old ones
    /// within maxUnavailable; clean history once complete.
    mutating func rolloutRolling() {
        let (created, _) = allReplicaSets(create: true)
        guard let newRS = created else { return }
        let (_, old) = current(newRS, sets.filter { $0.metadata?.name != newRS.metadata?.name })
        if reconcileNewReplicaSet(newRS, all: old + [newRS]) {
            syncRolloutStatus()
            return
        }
        let (n, o) = current(newRS, old)
        if reconcileOldReplicaSets(U.active(o), all: o + [n].compactMap { $0 }, newRS: n ?? newRS) {
            syncRolloutStatus()
            return
        }
        if U.complete(d, d.status ?? AppsV1.DeploymentStatus()) { cleanup(current(newRS, old).1) }
        syncRolloutStatus()
    }

    mutating func reconcileNewReplicaSet(_ newRS: AppsV1.ReplicaSet, all: [AppsV1.ReplicaSet]) -> Bool {
        let size = U.specReplicas(newRS)
        if size == desired { return false }
        if size > desired {
            scale(newRS, to: desired)
            return true
        }
        let count = newReplicaCount(all: all, newRS: newRS)
        guard count != size else { return false }
        scale(newRS, to: count)
        return true
    }

    /// `reconcileOldReplicaSets`.
    mutating func reconcileOldReplicaSets(_ oldActive: [AppsV1.ReplicaSet], all: [AppsV1.ReplicaSet], newRS: AppsV1.ReplicaSet) -> Bool {
        guard U.sumSpec(oldActive) > 0 else { return false }
        let allPods = U.sumSpec(all)
        let minAvailable = desired - U.maxUnavailable(d)
        let newUnavailable = U.specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0)
        let maxScaledDown = allPods - minAvailable - newUnavailable
        guard maxScaledDown > 0 else { return false }
        let cleaned = cleanupUnhealthyReplicas(oldActive, max: maxScaledDown)
        let (n, o) = current(newRS, oldActive)
        let scaledDown = scaleDownOldForRollingUpdate(o, all: o + [n].compactMap { $0 })
        return cleaned + scaledDown > 0
    }

    /// `cleanupUnhealthyReplicas`: first drop old replicas that are not available anyway.
    mutating func cleanupUnhealthyReplicas(_ old: [AppsV1.ReplicaSet], max: Int32) -> Int32 {
        var total: Int32 = 0
        for rs in old.sorted(by: U.byCreation) {
            if total >= max { break }
            let size = U.specReplicas(rs), available = rs.status?.availableReplicas ?? 0
            if size == 0 || size == available { continue }
            let down = min(max - total, size - available)
            scale(rs, to: size - down)
            total += down
        }
        return total
    }

    /// `scaleDownOldReplicaSetsForRollingUpdate`: available replicas above the minimum go, oldest first.
    mutating func scaleDownOldForRollingUpdate(_ old: [AppsV1.ReplicaSet], all: [AppsV1.ReplicaSet]) -> Int32 {
        let minAvailable = desired - U.maxUnavailable(d)
        let available = U.sumAvailable(all)
        guard available > minAvailable else { return 0 }
        let target = available - minAvailable
        var total: Int32 = 0
        for rs in old.sorted(by: U.byCreation) {
            if total >= target { break }
            let size = U.specReplicas(rs)
            if size == 0 { continue }
            let down = min(size, target - total)
            scale(rs, to: size - down)
            total += down
        }
        return total
    }

    // MARK: Recreate

    /// `rolloutRecreate`: old ReplicaSets to zero, wait until their pods are gone, then the new one.
    mutating func rolloutRecreate() {
        let (existing, old) = allReplicaSets(create: false)
        var scaledDown = false
        for rs in U.active(old) {
            scale(rs, to: 0)
            scaledDown = true
        }
        if scaledDown {
            syncRolloutStatus()
            return
        }
        if oldPodsRunning(existing, old) {
            syncRolloutStatus()
            return
        }
        var newRS = existing
        if newRS == nil { newRS = allReplicaSets(create: true).0 }
        if let rs = newRS { scale(rs, to: desired) }
        if U.complete(d, d.status ?? AppsV1.DeploymentStatus()) { cleanup(current(nil, old).1) }
        syncRolloutStatus()
    }

    /// `oldPodsRunning`: an old ReplicaSet still reports replicas, or has a pod not finished.
    func oldPodsRunning(_ newRS: AppsV1.ReplicaSet?, _ old: [AppsV1.ReplicaSet]) -> Bool {
        if U.sumStatus(old) > 0 { return true }
        for (uid, pods) in podsByOwner where uid != newRS?.metadata?.uid {
            if pods.contains(where: { $0.phase != "Failed" && $0.phase != "Succeeded" }) { return true }
        }
        return false
    }

    // MARK: status

    /// `calculateStatus` over this sync's ReplicaSets.
    func calculateStatus() -> AppsV1.DeploymentStatus {
        let newRS = sets.sorted(by: U.byCreation).first { U.equalIgnoringHash($0.spec?.template, d.spec?.template) }
        let all = sets
        let available = U.sumAvailable(all)
        var s = AppsV1.DeploymentStatus()
        s.observedGeneration = d.metadata?.generation
        s.replicas = U.sumStatus(all)
        s.updatedReplicas = newRS.map { $0.status?.replicas ?? 0 } ?? 0
        s.readyReplicas = U.sumReady(all)
        s.availableReplicas = available
        s.unavailableReplicas = max(0, U.sumSpec(all) - available)
        s.collisionCount = d.status?.collisionCount
        s.terminatingReplicas = d.status?.terminatingReplicas
        s.conditions = d.status?.conditions
        if available >= desired - U.maxUnavailable(d) {
            U.setCondition(&s, U.newCondition("Available", "True", U.minimumReplicasAvailable, "Deployment has minimum availability.", now: now))
        } else {
            U.setCondition(&s, U.newCondition("Available", "False", U.minimumReplicasUnavailable, "Deployment does not have minimum availability.", now: now))
        }
        return s
    }

    /// `syncDeploymentStatus`: status only (scaling, paused, deleting).
    mutating func syncStatus(_ all: [AppsV1.ReplicaSet], _ newRS: AppsV1.ReplicaSet?) {
        d.status = calculateStatus()
    }

    /// `syncRolloutStatus`: status plus the Progressing condition and ReplicaFailure, and the
    /// requeue that notices a passed progress deadline.
    mutating func syncRolloutStatus() {
        var s = calculateStatus()
        let newRS = sets.sorted(by: U.byCreation).first { U.equalIgnoringHash($0.spec?.template, d.spec?.template) }
        if !U.hasProgressDeadline(d) { U.removeCondition(&s, "Progressing") }
        let current = U.condition(d.status, "Progressing")
        let isComplete = s.replicas == s.updatedReplicas && current?.reason == U.newRSAvailableReason
        if U.hasProgressDeadline(d) && !isComplete {
            let subject = newRS.map { "ReplicaSet \"\($0.metadata?.name ?? "")\"" } ?? "Deployment \"\(name)\""
            if U.complete(d, s) {
                U.setCondition(&s, U.newCondition("Progressing", "True", U.newRSAvailableReason, "\(subject) has successfully progressed.", now: now))
            } else if U.progressing(d, s) {
                var c = U.newCondition("Progressing", "True", U.rsUpdatedReason, "\(subject) is progressing.", now: now)
                if let current {
                    if current.status == "True" { c.lastTransitionTime = current.lastTransitionTime }
                    U.removeCondition(&s, "Progressing")
                }
                U.setCondition(&s, c)
            } else if U.timedOut(d, s, now: now) {
                U.setCondition(&s, U.newCondition("Progressing", "False", U.timedOutReason, "\(subject) has timed out progressing.", now: now))
            }
        }
        if let failure = replicaFailure(newRS) {
            U.setCondition(&s, failure)
        } else {
            U.removeCondition(&s, "ReplicaFailure")
        }
        if s == d.status {
            plan.requeueAfter = stuckRequeue(s)
            return
        }
        d.status = s
    }

    /// `getReplicaFailures`: the new ReplicaSet's ReplicaFailure condition, else an old one's.
    func replicaFailure(_ newRS: AppsV1.ReplicaSet?) -> AppsV1.DeploymentCondition? {
        let ordered = [newRS].compactMap { $0 } + sets.filter { $0.metadata?.name != newRS?.metadata?.name }
        for rs in ordered {
            if let c = rs.status?.conditions?.first(where: { $0.type == "ReplicaFailure" }) {
                return AppsV1.DeploymentCondition(lastTransitionTime: c.lastTransitionTime, lastUpdateTime: c.lastTransitionTime,
                                                  message: c.message, reason: c.reason, status: c.status, type: c.type)
            }
        }
        return nil
    }

    /// `requeueStuckDeployment`: look again when the progress deadline will have passed.
    func stuckRequeue(_ s: AppsV1.DeploymentStatus) -> Duration? {
        guard U.hasProgressDeadline(d), let c = U.condition(s, "Progressing") else { return nil }
        if U.complete(d, s) || c.reason == U.timedOutReason { return nil }
        guard let from = KubeTime.parse(c.lastUpdateTime) else { return nil }
        let after = from.addingTimeInterval(Double(d.spec?.progressDeadlineSeconds ?? 0)).timeIntervalSince(now)
        // Upstream enqueues at once when less than a second is left; the next sync marks the timeout.
        return after < 1 ? .milliseconds(100) : .milliseconds(Int64(after * 1000))
    }
}
