import Foundation
import SkiffAPI

/// The order in which a ReplicaSet deletes surplus pods: upstream's `ActivePodsWithRanks`
/// with `PodDeletionCost` and `LogarithmicScaleDown` (both GA). The first pods in the
/// order are deleted first.
enum PodRanking {
    static let deletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

    /// `pods` sorted so that the ones to delete first come first. `related` are the active
    /// pods of this ReplicaSet and its siblings (same controlling owner): a pod on a node
    /// crowded with related pods goes before one alone on its node.
    static func deletionOrder(_ pods: [CoreV1.Pod], related: [CoreV1.Pod], now: Date) -> [CoreV1.Pod] {
        var perNode: [String: Int] = [:]
        for p in related where p.isActive { perNode[p.spec?.nodeName ?? "", default: 0] += 1 }
        let ranked = pods.map { ($0, perNode[$0.spec?.nodeName ?? ""] ?? 0) }
        return ranked.sorted { a, b in deleteFirst(a.0, rankA: a.1, b.0, rankB: b.1, now: now) }.map(\.0)
    }

    private static func phaseOrdinal(_ phase: String) -> Int {
        switch phase {
        case "Unknown": return 1
        case "Running": return 2
        default: return 0  // Pending (and unset)
        }
    }

    static func deletionCost(_ pod: CoreV1.Pod) -> Int32 {
        pod.metadata?.annotations?[deletionCostAnnotation].flatMap { Int32($0) } ?? 0
    }

    /// True when `a` should be deleted before `b` (upstream `ActivePodsWithRanks.Less`).
    static func deleteFirst(_ a: CoreV1.Pod, rankA: Int, _ b: CoreV1.Pod, rankB: Int, now: Date) -> Bool {
        let nodeA = a.spec?.nodeName ?? "", nodeB = b.spec?.nodeName ?? ""
        // 1. Unassigned < assigned.
        if nodeA != nodeB, nodeA.isEmpty || nodeB.isEmpty { return nodeA.isEmpty }
        // 2. Pending < Unknown < Running.
        if phaseOrdinal(a.phase) != phaseOrdinal(b.phase) { return phaseOrdinal(a.phase) < phaseOrdinal(b.phase) }
        // 3. Not ready < ready.
        if a.isReady != b.isReady { return !a.isReady }
        // 4. Lower pod-deletion-cost first.
        if deletionCost(a) != deletionCost(b) { return deletionCost(a) < deletionCost(b) }
        // 5. Doubled up (more related pods on the node) first.
        if rankA != rankB { return rankA > rankB }
        // 6. Ready for a shorter time first, compared on a log2 scale of the age.
        if a.isReady && b.isReady {
            let ta = KubeTime.parse(a.readyCondition?.lastTransitionTime), tb = KubeTime.parse(b.readyCondition?.lastTransitionTime)
            if ta != tb, let r = compareTimes(ta, tb, a, b, now: now) { return r }
        }
        // 7. More container restarts first (regular containers, then sidecars).
        let ra = a.maxRestarts, rb = b.maxRestarts
        if ra.regular != rb.regular { return ra.regular > rb.regular }
        if ra.sidecar != rb.sidecar { return ra.sidecar > rb.sidecar }
        // 8. Newer first (empty creation time first), on a log2 scale of the age.
        let ca = KubeTime.parse(a.metadata?.creationTimestamp), cb = KubeTime.parse(b.metadata?.creationTimestamp)
        if ca != cb, let r = compareTimes(ca, cb, a, b, now: now) { return r }
        return false
    }

    /// Newer (or unknown) first; with both known, ages in the same power-of-two bucket
    /// tie-break on UID so equally old pods are chosen at random-ish, as upstream.
    private static func compareTimes(_ ta: Date?, _ tb: Date?, _ a: CoreV1.Pod, _ b: CoreV1.Pod, now: Date) -> Bool? {
        guard let ta, let tb else { return ta == nil }
        let diff = logRank(ta, now) - logRank(tb, now)
        if diff == 0 { return a.uid < b.uid }
        return diff < 0
    }

    /// ⌊log2(age in ns)⌋, -1 for a non-positive age (upstream `logarithmicRankDiff`).
    static func logRank(_ t: Date, _ now: Date) -> Int64 {
        let ns = now.timeIntervalSince(t) * 1e9
        guard ns >= 1 else { return -1 }
        return Int64(log2(ns).rounded(.down))
    }
}
