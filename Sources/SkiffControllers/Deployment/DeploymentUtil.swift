import Foundation
import SkiffAPI

/// Upstream `pkg/controller/deployment/util`: annotations, the pod-template hash, surge and
/// unavailability fenceposts, replica counts over ReplicaSets and the deployment conditions.
enum DeploymentUtil {
    static let revisionAnnotation = "deployment.kubernetes.io/revision"
    static let revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
    static let desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
    static let maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"
    static let rollbackToAnnotation = "deprecated.deployment.rollback.to"
    static let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"
    static let podTemplateHashLabel = "pod-template-hash"
    /// kube-controller-manager's `--deployment-controller-...` default for revision-history length.
    static let maxRevisionHistoryLengthInChars = 2000

    // Condition reasons (upstream `util.*Reason`).
    static let foundNewRSReason = "FoundNewReplicaSet"
    static let newRSCreatedReason = "NewReplicaSetCreated"
    static let failedRSCreateReason = "ReplicaSetCreateError"
    static let newRSAvailableReason = "NewReplicaSetAvailable"
    static let rsUpdatedReason = "ReplicaSetUpdated"
    static let timedOutReason = "ProgressDeadlineExceeded"
    static let pausedReason = "DeploymentPaused"
    static let resumedReason = "DeploymentResumed"
    static let minimumReplicasAvailable = "MinimumReplicasAvailable"
    static let minimumReplicasUnavailable = "MinimumReplicasUnavailable"

    /// Annotations a ReplicaSet does not inherit from its Deployment.
    static func skipCopy(_ key: String) -> Bool {
        [lastAppliedAnnotation, revisionAnnotation, revisionHistoryAnnotation, desiredReplicasAnnotation,
         maxReplicasAnnotation, rollbackToAnnotation].contains(key)
    }

    // MARK: pod-template-hash

    /// `controller.ComputeHash`: FNV-32a over the template (its JSON, keys sorted) and, when
    /// set, the collision count as 8 little-endian bytes (upstream writes a uint32 into an
    /// 8-byte buffer), rendered as `rand.SafeEncodeString` of the decimal sum.
    static func podTemplateHash(_ template: CoreV1.PodTemplateSpec?, collisionCount: Int32?) -> String {
        var hash: UInt32 = 2_166_136_261
        func write<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
            for b in bytes {
                hash ^= UInt32(b)
                hash = hash &* 16_777_619
            }
        }
        write((try? APICoding.encode(template ?? CoreV1.PodTemplateSpec()))?.serialized() ?? [])
        if let collisionCount {
            let v = UInt32(bitPattern: collisionCount)
            write([UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24), 0, 0, 0, 0])
        }
        return safeEncode(String(hash))
    }

    /// `rand.SafeEncodeString`: each byte mapped onto consonants and digits that cannot spell words.
    static func safeEncode(_ s: String) -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String(s.utf8.map { alphabet[Int($0) % alphabet.count] })
    }

    /// `EqualIgnoreHash`: templates equal apart from the pod-template-hash label (empty and
    /// absent collections count as equal, as apimachinery's semantic equality has it).
    static func equalIgnoringHash(_ a: CoreV1.PodTemplateSpec?, _ b: CoreV1.PodTemplateSpec?) -> Bool {
        normalized(a) == normalized(b)
    }

    static func normalized(_ t: CoreV1.PodTemplateSpec?) -> JSONValue {
        var t = t ?? CoreV1.PodTemplateSpec()
        t.metadata?.labels?.removeValue(forKey: podTemplateHashLabel)
        return prune((try? APICoding.encode(t)) ?? .null)
    }

    static func prune(_ v: JSONValue) -> JSONValue {
        switch v {
        case .object(let o):
            var out: [String: JSONValue] = [:]
            for (k, x) in o {
                let p = prune(x)
                switch p {
                case .null: continue
                case .object(let c) where c.isEmpty: continue
                case .array(let c) where c.isEmpty: continue
                default: out[k] = p
                }
            }
            return .object(out)
        case .array(let a): return .array(a.map(prune))
        default: return v
        }
    }

    // MARK: surge and unavailability

    /// `intstr.GetScaledValueFromIntOrPercent`: percentages of `total`, rounded up or down.
    static func scaled(_ value: IntOrString?, total: Int32, roundUp: Bool) -> Int32 {
        switch value {
        case nil: return 0
        case .int(let i)?: return i
        case .string(let s)?:
            guard s.hasSuffix("%"), let p = Int64(s.dropLast()) else { return 0 }
            let product = p * Int64(total)
            let v = roundUp ? (product + 99).floorDiv(100) : product.floorDiv(100)
            return Int32(clamping: v)
        }
    }

    static func isRollingUpdate(_ d: AppsV1.Deployment) -> Bool {
        (d.spec?.strategy?.type ?? "RollingUpdate") == "RollingUpdate"
    }

    static func replicas(_ d: AppsV1.Deployment) -> Int32 { d.spec?.replicas ?? 1 }

    /// `ResolveFenceposts`: surge rounds up, unavailable rounds down; both 0 means 1 unavailable.
    static func fenceposts(_ d: AppsV1.Deployment) -> (surge: Int32, unavailable: Int32) {
        let rolling = d.spec?.strategy?.rollingUpdate
        let desired = replicas(d)
        let surge = scaled(rolling?.maxSurge ?? .string("25%"), total: desired, roundUp: true)
        var unavailable = scaled(rolling?.maxUnavailable ?? .string("25%"), total: desired, roundUp: false)
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (surge, unavailable)
    }

    static func maxSurge(_ d: AppsV1.Deployment) -> Int32 {
        isRollingUpdate(d) ? fenceposts(d).surge : 0
    }

    static func maxUnavailable(_ d: AppsV1.Deployment) -> Int32 {
        let desired = replicas(d)
        guard isRollingUpdate(d), desired != 0 else { return 0 }
        return min(fenceposts(d).unavailable, desired)
    }

    // MARK: ReplicaSet helpers

    static func specReplicas(_ rs: AppsV1.ReplicaSet) -> Int32 { rs.spec?.replicas ?? 0 }

    static func revision(_ rs: AppsV1.ReplicaSet) -> Int64 {
        rs.metadata?.annotations?[revisionAnnotation].flatMap { Int64($0) } ?? 0
    }

    static func maxRevision(_ sets: [AppsV1.ReplicaSet]) -> Int64 { sets.map(revision).max() ?? 0 }

    static func intAnnotation(_ rs: AppsV1.ReplicaSet, _ key: String) -> Int32? {
        rs.metadata?.annotations?[key].flatMap { Int32($0) }
    }

    static func active(_ sets: [AppsV1.ReplicaSet]) -> [AppsV1.ReplicaSet] { sets.filter { specReplicas($0) > 0 } }

    static func sumSpec(_ sets: [AppsV1.ReplicaSet]) -> Int32 { sets.reduce(0) { $0 + specReplicas($1) } }
    static func sumStatus(_ sets: [AppsV1.ReplicaSet]) -> Int32 { sets.reduce(0) { $0 + ($1.status?.replicas ?? 0) } }
    static func sumReady(_ sets: [AppsV1.ReplicaSet]) -> Int32 { sets.reduce(0) { $0 + ($1.status?.readyReplicas ?? 0) } }
    static func sumAvailable(_ sets: [AppsV1.ReplicaSet]) -> Int32 { sets.reduce(0) { $0 + ($1.status?.availableReplicas ?? 0) } }

    static func created(_ rs: AppsV1.ReplicaSet) -> Date { KubeTime.parse(rs.metadata?.creationTimestamp) ?? .distantFuture }

    /// `controller.ReplicaSetsByCreationTimestamp`: oldest first, then by name.
    static func byCreation(_ a: AppsV1.ReplicaSet, _ b: AppsV1.ReplicaSet) -> Bool {
        let (ta, tb) = (created(a), created(b))
        return ta == tb ? (a.metadata?.name ?? "") < (b.metadata?.name ?? "") : ta < tb
    }

    /// `ReplicaSetsBySizeOlder` / `ReplicaSetsBySizeNewer`: larger first, ties by age.
    static func bySize(newerFirst: Bool) -> (AppsV1.ReplicaSet, AppsV1.ReplicaSet) -> Bool {
        { a, b in
            if specReplicas(a) != specReplicas(b) { return specReplicas(a) > specReplicas(b) }
            return newerFirst ? byCreation(b, a) : byCreation(a, b)
        }
    }

    /// `ReplicaSetsByRevision`: lowest revision first, ties by age.
    static func byRevision(_ a: AppsV1.ReplicaSet, _ b: AppsV1.ReplicaSet) -> Bool {
        revision(a) == revision(b) ? byCreation(a, b) : revision(a) < revision(b)
    }

    // MARK: conditions

    static func condition(_ status: AppsV1.DeploymentStatus?, _ type: String) -> AppsV1.DeploymentCondition? {
        status?.conditions?.first { $0.type == type }
    }

    static func newCondition(_ type: String, _ status: String, _ reason: String, _ message: String, now: Date) -> AppsV1.DeploymentCondition {
        let t = KubeTime.format(now)
        return AppsV1.DeploymentCondition(lastTransitionTime: t, lastUpdateTime: t, message: message, reason: reason, status: status, type: type)
    }

    /// `SetDeploymentCondition`: no change when status and reason are the same; the transition
    /// time is kept when only the reason changes.
    static func setCondition(_ status: inout AppsV1.DeploymentStatus, _ c: AppsV1.DeploymentCondition) {
        var c = c
        if let current = condition(status, c.type ?? "") {
            if current.status == c.status && current.reason == c.reason { return }
            if current.status == c.status { c.lastTransitionTime = current.lastTransitionTime }
        }
        status.conditions = (status.conditions ?? []).filter { $0.type != c.type } + [c]
    }

    static func removeCondition(_ status: inout AppsV1.DeploymentStatus, _ type: String) {
        let kept = (status.conditions ?? []).filter { $0.type != type }
        status.conditions = kept.isEmpty ? nil : kept
    }

    static func hasProgressDeadline(_ d: AppsV1.Deployment) -> Bool {
        guard let s = d.spec?.progressDeadlineSeconds else { return false }
        return s != Int32.max
    }

    /// `DeploymentComplete`.
    static func complete(_ d: AppsV1.Deployment, _ s: AppsV1.DeploymentStatus) -> Bool {
        let desired = replicas(d)
        return (s.updatedReplicas ?? 0) == desired && (s.replicas ?? 0) == desired && (s.availableReplicas ?? 0) == desired
            && (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
    }

    /// `DeploymentProgressing`: more updated, ready or available replicas, or fewer old ones.
    static func progressing(_ d: AppsV1.Deployment, _ s: AppsV1.DeploymentStatus) -> Bool {
        let old = d.status ?? AppsV1.DeploymentStatus()
        let oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0)
        let newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0)
        return (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld
            || (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
    }

    /// `DeploymentTimedOut`: the Progressing condition was last updated longer ago than the deadline.
    static func timedOut(_ d: AppsV1.Deployment, _ s: AppsV1.DeploymentStatus, now: Date) -> Bool {
        guard hasProgressDeadline(d), let c = condition(s, "Progressing") else { return false }
        if c.reason == newRSAvailableReason { return false }
        if c.reason == timedOutReason { return true }
        guard let from = KubeTime.parse(c.lastUpdateTime) else { return false }
        return from.addingTimeInterval(Double(d.spec?.progressDeadlineSeconds ?? 0)) < now
    }
}

extension Int64 {
    func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
