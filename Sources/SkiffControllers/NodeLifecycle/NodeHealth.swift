import Foundation
import SkiffAPI

/// The node lifecycle controller's decisions (upstream `nodelifecycle` and the taint eviction
/// controller), as pure functions of a node, its pods and the time.
enum NodeHealth {
    static let notReadyTaint = "node.kubernetes.io/not-ready"
    static let unreachableTaint = "node.kubernetes.io/unreachable"
    /// Conditions the kubelet posts; all go Unknown when it stops.
    static let kubeletConditions = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]

    static func ready(_ node: CoreV1.Node) -> CoreV1.NodeCondition? { node.status?.conditions?.first { $0.type == "Ready" } }

    /// The conditions after the grace period passed without a heartbeat: every kubelet condition
    /// Unknown ("NodeStatusUnknown"), or created Unknown when never posted ("NodeStatusNeverUpdated").
    static func unknownConditions(_ node: CoreV1.Node, now: String) -> [CoreV1.NodeCondition] {
        var conditions = node.status?.conditions ?? []
        for type in kubeletConditions {
            if let i = conditions.firstIndex(where: { $0.type == type }) {
                guard conditions[i].status != "Unknown" else { continue }
                conditions[i].status = "Unknown"
                conditions[i].reason = "NodeStatusUnknown"
                conditions[i].message = "Kubelet stopped posting node status."
                conditions[i].lastTransitionTime = now
            } else {
                conditions.append(CoreV1.NodeCondition(lastHeartbeatTime: node.metadata?.creationTimestamp, lastTransitionTime: now,
                                                       message: "Kubelet never posted node status.", reason: "NodeStatusNeverUpdated",
                                                       status: "Unknown", type: type))
            }
        }
        return conditions
    }

    /// The condition taints the node should carry for its Ready status (NoSchedule from
    /// TaintNodesByCondition, NoExecute for taint-based eviction).
    static func conditionTaints(readyStatus: String?) -> [(key: String, effect: String)] {
        switch readyStatus {
        case "True": return []
        case "False": return [(notReadyTaint, "NoSchedule"), (notReadyTaint, "NoExecute")]
        default: return [(unreachableTaint, "NoSchedule"), (unreachableTaint, "NoExecute")]
        }
    }

    static func isConditionTaint(_ t: CoreV1.Taint) -> Bool {
        (t.key == notReadyTaint || t.key == unreachableTaint) && (t.effect == "NoSchedule" || t.effect == "NoExecute")
    }

    /// The node's taints with the condition taints replaced by `wanted` (kept as they are, with
    /// their timeAdded, when already present); nil when nothing changes.
    static func taints(_ node: CoreV1.Node, wanted: [(key: String, effect: String)], now: String) -> [CoreV1.Taint]? {
        let current = node.spec?.taints ?? []
        var out = current.filter { t in !isConditionTaint(t) || wanted.contains { $0.key == t.key && $0.effect == t.effect } }
        for w in wanted where !out.contains(where: { $0.key == w.key && $0.effect == w.effect }) {
            out.append(CoreV1.Taint(effect: w.effect, key: w.key, timeAdded: w.effect == "NoExecute" ? now : nil))
        }
        return out == current ? nil : out
    }

    /// `ToleratesTaint`.
    static func tolerates(_ t: CoreV1.Toleration, _ taint: CoreV1.Taint) -> Bool {
        if let e = t.effect, !e.isEmpty, e != taint.effect { return false }
        if (t.key ?? "").isEmpty { return t.operator == "Exists" }
        guard t.key == taint.key else { return false }
        switch t.operator ?? "Equal" {
        case "Exists": return true
        case "Equal", "": return (t.value ?? "") == (taint.value ?? "")
        default: return false
        }
    }

    /// When the taint eviction controller deletes `pod` given the node's NoExecute taints:
    /// now when a taint is not tolerated, at timeAdded + the smallest tolerationSeconds when all
    /// are tolerated for a while, never (nil) when all are tolerated forever.
    static func evictionTime(_ pod: CoreV1.Pod, taints: [CoreV1.Taint], now: Date) -> Date? {
        let noExecute = taints.filter { $0.effect == "NoExecute" }
        guard !noExecute.isEmpty else { return nil }
        let tolerations = pod.spec?.tolerations ?? []
        var due: Date?
        for taint in noExecute {
            let matching = tolerations.filter { tolerates($0, taint) }
            if matching.isEmpty { return now }
            // Forever when any matching toleration has no limit; else the shortest one.
            guard !matching.contains(where: { $0.tolerationSeconds == nil }) else { continue }
            let seconds = matching.compactMap(\.tolerationSeconds).min() ?? 0
            let added = KubeTime.parse(taint.timeAdded) ?? now
            let at = added.addingTimeInterval(Double(max(0, seconds)))
            due = min(due ?? at, at)
        }
        return due
    }

    /// Upstream zone states: fully disrupted when no node of the zone is ready; partially when
    /// more than two and at least 55 % are not ready.
    enum ZoneState: Equatable { case normal, partialDisruption, fullDisruption }

    static func zoneState(ready: Int, notReady: Int) -> ZoneState {
        if ready == 0 && notReady > 0 { return .fullDisruption }
        if notReady > 2 && Double(notReady) / Double(notReady + ready) >= 0.55 { return .partialDisruption }
        return .normal
    }

    /// Taints added per second in a zone (--node-eviction-rate 0.1, --secondary-node-eviction-rate
    /// 0.01 for large partially disrupted zones, none for small ones; none while every zone is
    /// fully disrupted — the controller then assumes its own connectivity is at fault).
    static func taintRate(_ state: ZoneState, zoneSize: Int, allZonesFullyDisrupted: Bool) -> Double {
        if allZonesFullyDisrupted { return 0 }
        switch state {
        case .normal, .fullDisruption: return 0.1
        case .partialDisruption: return zoneSize > 50 ? 0.01 : 0
        }
    }

    static func zone(_ node: CoreV1.Node) -> String {
        let labels = node.metadata?.labels ?? [:]
        return (labels["topology.kubernetes.io/region"] ?? "") + ":\u{0}:" + (labels["topology.kubernetes.io/zone"] ?? "")
    }
}
