import Foundation
import SkiffAPI

/// One write a Deployment sync decides on, in the order upstream performs them.
enum DeploymentAction: Equatable, Sendable {
    /// Take an orphan ReplicaSet (add the Deployment's controller reference) or release one.
    case adopt(String)
    case release(String)
    case create(AppsV1.ReplicaSet)
    /// A changed ReplicaSet (replicas, annotations, minReadySeconds).
    case update(AppsV1.ReplicaSet)
    case delete(String)
    case event(type: String, reason: String, message: String)
}

/// What one reconcile of a Deployment should do: the writes, then the Deployment's new
/// annotations and status (one status write, nil when unchanged), and when to look again.
struct DeploymentPlan: Equatable, Sendable {
    var actions: [DeploymentAction] = []
    var updated: AppsV1.Deployment?
    var requeueAfter: Duration?

    var scaled: [String: Int32] {
        var out: [String: Int32] = [:]
        for case .update(let rs) in actions { out[rs.metadata?.name ?? ""] = rs.spec?.replicas ?? 0 }
        return out
    }
}

/// Upstream `syncDeployment` and its strategies as a pure function of lister contents.
/// Writes are simulated on local copies so later steps of the same sync see earlier ones,
/// as upstream sees the objects its writes returned.
struct DeploymentSync {
    var d: AppsV1.Deployment
    let original: AppsV1.Deployment
    /// The ReplicaSets this Deployment owns (after adoption).
    var sets: [AppsV1.ReplicaSet]
    /// Pods per owning ReplicaSet UID (for Recreate).
    var podsByOwner: [String: [CoreV1.Pod]]
    let now: Date
    var plan = DeploymentPlan()

    /// `rsList`: every ReplicaSet in the namespace; `pods`: every pod in it.
    static func plan(_ d: AppsV1.Deployment, replicaSets rsList: [AppsV1.ReplicaSet], pods: [CoreV1.Pod], now: Date) -> DeploymentPlan {
        var sync = DeploymentSync(d: d, original: d, sets: [], podsByOwner: [:], now: now)
        sync.run(rsList, pods: pods)
        return sync.finish()
    }

    private init(d: AppsV1.Deployment, original: AppsV1.Deployment, sets: [AppsV1.ReplicaSet],
                 podsByOwner: [String: [CoreV1.Pod]], now: Date) {
        self.d = d
        self.original = original
        self.sets = sets
        self.podsByOwner = podsByOwner
        self.now = now
    }

    var name: String { d.metadata?.name ?? "" }
    var desired: Int32 { DeploymentUtil.replicas(d) }

    mutating func event(_ reason: String, _ message: String, warning: Bool = false) {
        plan.actions.append(.event(type: warning ? "Warning" : "Normal", reason: reason, message: message))
    }

    private mutating func run(_ rsList: [AppsV1.ReplicaSet], pods: [CoreV1.Pod]) {
        let selectorMeta = d.spec?.selector
        if selectorMeta == nil || (selectorMeta?.matchLabels ?? [:]).isEmpty && (selectorMeta?.matchExpressions ?? []).isEmpty {
            // Validation refuses this; an old object could still carry it (upstream "SelectingAll").
            event("SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.", warning: true)
            if (d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0) {
                var s = d.status ?? AppsV1.DeploymentStatus()
                s.observedGeneration = d.metadata?.generation
                d.status = s
            }
            return
        }
        guard let selector = try? LabelSelector(meta: selectorMeta) else { return }
        claim(rsList, selector: selector)
        let uids = Set(sets.compactMap { $0.metadata?.uid })
        var byOwner: [String: [CoreV1.Pod]] = [:]
        for p in pods where selector.matches(p.labels) {
            if let uid = p.controllerRef?.uid, uids.contains(uid) { byOwner[uid, default: []].append(p) }
        }
        podsByOwner = byOwner

        if d.metadata?.deletionTimestamp != nil {
            let (newRS, old) = allReplicaSets(create: false)
            syncStatus(old + [newRS].compactMap { $0 }, newRS)
            return
        }
        checkPausedConditions()
        if d.spec?.paused == true {
            syncScaling()
            return
        }
        if isScalingEvent() {
            syncScaling()
            return
        }
        if DeploymentUtil.isRollingUpdate(d) { rolloutRolling() } else { rolloutRecreate() }
    }

    /// `ClaimReplicaSets`: owned ReplicaSets that match stay, orphans that match are adopted,
    /// owned ones that stopped matching are released.
    private mutating func claim(_ rsList: [AppsV1.ReplicaSet], selector: LabelSelector) {
        let uid = d.metadata?.uid
        let deleting = d.metadata?.deletionTimestamp != nil
        for rs in rsList {
            let matches = selector.matches(rs.metadata?.labels ?? [:])
            if let ref = rs.controllerReference {
                guard ref.uid == uid else { continue }
                if matches || deleting {
                    sets.append(rs)
                } else {
                    plan.actions.append(.release(rs.metadata?.name ?? ""))
                }
            } else if matches, !deleting, rs.metadata?.deletionTimestamp == nil {
                plan.actions.append(.adopt(rs.metadata?.name ?? ""))
                var adopted = rs
                adopted.metadata?.ownerReferences = (rs.metadata?.ownerReferences ?? []) + [Self.controllerRef(d)]
                sets.append(adopted)
            }
        }
    }

    static func controllerRef(_ d: AppsV1.Deployment) -> MetaV1.OwnerReference {
        MetaV1.OwnerReference(apiVersion: "apps/v1", blockOwnerDeletion: true, controller: true, kind: "Deployment",
                              name: d.metadata?.name, uid: d.metadata?.uid)
    }

    // MARK: local writes

    func index(of rs: AppsV1.ReplicaSet) -> Int? {
        sets.firstIndex { $0.metadata?.name == rs.metadata?.name }
    }

    mutating func write(_ rs: AppsV1.ReplicaSet) {
        if let i = index(of: rs) { sets[i] = rs }
        // Several updates of one ReplicaSet in a sync collapse into the last.
        plan.actions.removeAll { if case .update(let o) = $0 { return o.metadata?.name == rs.metadata?.name } else { return false } }
        plan.actions.append(.update(rs))
    }

    /// `scaleReplicaSetAndRecordEvent`: false when already at `scale`.
    @discardableResult
    mutating func scale(_ rs: AppsV1.ReplicaSet, to scale: Int32) -> AppsV1.ReplicaSet {
        guard DeploymentUtil.specReplicas(rs) != scale else { return rs }
        let op = DeploymentUtil.specReplicas(rs) < scale ? "up" : "down"
        return scaleReplicaSet(rs, to: scale, operation: op)
    }

    /// `scaleReplicaSet`: the size and the desired/max-replicas annotations.
    @discardableResult
    mutating func scaleReplicaSet(_ rs: AppsV1.ReplicaSet, to scale: Int32, operation: String) -> AppsV1.ReplicaSet {
        let old = DeploymentUtil.specReplicas(rs)
        let max = desired + DeploymentUtil.maxSurge(d)
        var copy = rs
        let annotationsChanged = Self.setReplicasAnnotations(&copy, desired: desired, max: max)
        guard old != scale || annotationsChanged else { return rs }
        if copy.spec == nil { copy.spec = AppsV1.ReplicaSetSpec() }
        copy.spec?.replicas = scale
        write(copy)
        if old != scale {
            event("ScalingReplicaSet", "Scaled \(operation) replica set \(rs.metadata?.name ?? "") from \(old) to \(scale)")
        }
        return copy
    }

    static func setReplicasAnnotations(_ rs: inout AppsV1.ReplicaSet, desired: Int32, max: Int32) -> Bool {
        var a = rs.metadata?.annotations ?? [:]
        var changed = false
        for (k, v) in [(DeploymentUtil.desiredReplicasAnnotation, String(desired)), (DeploymentUtil.maxReplicasAnnotation, String(max))]
        where a[k] != v {
            a[k] = v
            changed = true
        }
        if changed {
            if rs.metadata == nil { rs.metadata = MetaV1.ObjectMeta() }
            rs.metadata?.annotations = a
        }
        return changed
    }

    func finish() -> DeploymentPlan {
        var p = plan
        if d.status != original.status || d.metadata?.annotations != original.metadata?.annotations {
            p.updated = d
        }
        return p
    }
}
