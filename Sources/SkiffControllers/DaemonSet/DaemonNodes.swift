import SkiffAPI

/// Which nodes a DaemonSet's pod belongs on (upstream `NodeShouldRunDaemonPod`, the required
/// node affinity and taint predicates, `AddOrUpdateDaemonPodTolerations`).
enum DaemonNodes {
    static let nameField = "metadata.name"

    /// The tolerations every daemon pod gets, so that it runs on nodes that are not ready,
    /// unreachable, under pressure, cordoned, or (host-network pods) without a network.
    static func automaticTolerations(hostNetwork: Bool) -> [CoreV1.Toleration] {
        var t = [
            CoreV1.Toleration(effect: "NoExecute", key: "node.kubernetes.io/not-ready", operator: "Exists"),
            CoreV1.Toleration(effect: "NoExecute", key: "node.kubernetes.io/unreachable", operator: "Exists"),
            CoreV1.Toleration(effect: "NoSchedule", key: "node.kubernetes.io/disk-pressure", operator: "Exists"),
            CoreV1.Toleration(effect: "NoSchedule", key: "node.kubernetes.io/memory-pressure", operator: "Exists"),
            CoreV1.Toleration(effect: "NoSchedule", key: "node.kubernetes.io/pid-pressure", operator: "Exists"),
            CoreV1.Toleration(effect: "NoSchedule", key: "node.kubernetes.io/unschedulable", operator: "Exists"),
        ]
        if hostNetwork {
            t.append(CoreV1.Toleration(effect: "NoSchedule", key: "node.kubernetes.io/network-unavailable", operator: "Exists"))
        }
        return t
    }

    /// `AddOrUpdateDaemonPodTolerations`: an automatic toleration replaces a template toleration
    /// with the same key, operator and effect; others are added.
    static func withTolerations(_ spec: CoreV1.PodSpec?) -> CoreV1.PodSpec {
        var s = spec ?? CoreV1.PodSpec(containers: [])
        var tolerations = s.tolerations ?? []
        for auto in automaticTolerations(hostNetwork: s.hostNetwork ?? false) {
            if let i = tolerations.firstIndex(where: { $0.key == auto.key && $0.effect == auto.effect && ($0.operator ?? "Equal") == auto.operator }) {
                tolerations[i] = auto
            } else {
                tolerations.append(auto)
            }
        }
        s.tolerations = tolerations
        return s
    }

    /// (shouldRun, shouldContinueRunning) for the DaemonSet's pod spec on `node`.
    static func shouldRun(_ node: CoreV1.Node, spec podSpec: CoreV1.PodSpec) -> (run: Bool, continueRunning: Bool) {
        let name = node.metadata?.name ?? ""
        if let pinned = podSpec.nodeName, !pinned.isEmpty, pinned != name { return (false, false) }
        guard fitsAffinity(node, podSpec) else { return (false, false) }
        let tolerations = podSpec.tolerations ?? []
        let untolerated = (node.spec?.taints ?? []).filter { taint in !tolerations.contains { tolerates($0, taint) } }
        let fitsTaints = !untolerated.contains { $0.effect == "NoSchedule" || $0.effect == "NoExecute" }
        let keepsRunning = !untolerated.contains { $0.effect == "NoExecute" }
        return (fitsTaints, keepsRunning)
    }

    /// `v1.Toleration.ToleratesTaint`.
    static func tolerates(_ t: CoreV1.Toleration, _ taint: CoreV1.Taint) -> Bool {
        if let e = t.effect, !e.isEmpty, e != taint.effect { return false }
        if let k = t.key, !k.isEmpty, k != taint.key { return false }
        switch t.operator ?? "Equal" {
        case "Exists": return true
        case "Equal", "": return (t.value ?? "") == (taint.value ?? "")
        default: return false
        }
    }

    /// `nodeSelector` and the required node affinity (terms ORed; an empty term matches nothing).
    static func fitsAffinity(_ node: CoreV1.Node, _ spec: CoreV1.PodSpec) -> Bool {
        let labels = node.metadata?.labels ?? [:]
        for (k, v) in spec.nodeSelector ?? [:] where labels[k] != v { return false }
        guard let required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution else { return true }
        let name = node.metadata?.name ?? ""
        return (required.nodeSelectorTerms ?? []).contains { term in
            let exprs = term.matchExpressions ?? [], fields = term.matchFields ?? []
            if exprs.isEmpty && fields.isEmpty { return false }
            return exprs.allSatisfy { matches($0, labels[$0.key ?? ""]) }
                && fields.allSatisfy { $0.key == nameField && matches($0, name) }
        }
    }

    static func matches(_ r: CoreV1.NodeSelectorRequirement, _ value: String?) -> Bool {
        let values = r.values ?? []
        switch r.operator {
        case "In": return value.map { values.contains($0) } ?? false
        case "NotIn": return value.map { !values.contains($0) } ?? true
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        case "Gt", "Lt":
            guard values.count == 1, let v = value.flatMap({ Int64($0) }), let n = Int64(values[0]) else { return false }
            return r.operator == "Gt" ? v > n : v < n
        default: return false
        }
    }

    /// `ReplaceDaemonSetPodNodeNameNodeAffinity`: the required node affinity becomes exactly
    /// `metadata.name In [node]`, which the scheduler honours; preferred terms stay.
    static func pinned(_ affinity: CoreV1.Affinity?, to node: String) -> CoreV1.Affinity {
        let selector = CoreV1.NodeSelector(nodeSelectorTerms: [CoreV1.NodeSelectorTerm(
            matchFields: [CoreV1.NodeSelectorRequirement(key: nameField, operator: "In", values: [node])])])
        var a = affinity ?? CoreV1.Affinity()
        var na = a.nodeAffinity ?? CoreV1.NodeAffinity()
        na.requiredDuringSchedulingIgnoredDuringExecution = selector
        a.nodeAffinity = na
        return a
    }

    /// `GetTargetNodeName`: the bound node, or the node the pinned affinity names.
    static func targetNode(_ pod: CoreV1.Pod) -> String? {
        if let n = pod.spec?.nodeName, !n.isEmpty { return n }
        let terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []
        for term in terms {
            for f in term.matchFields ?? [] where f.key == nameField && f.operator == "In" && f.values?.count == 1 {
                return f.values?.first
            }
        }
        return nil
    }
}
