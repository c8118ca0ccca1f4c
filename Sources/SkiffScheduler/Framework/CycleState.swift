import SkiffAPI

/// A (topology key, value) pair, e.g. (`topology.kubernetes.io/zone`, `a`).
package struct TopologyPair: Sendable, Hashable {
    package var key: String
    package var value: String
}

/// Per-pod state computed once per scheduling cycle by the PreFilter/PreScore steps and read by
/// every per-node Filter/Score call (upstream `CycleState`), typed per plugin rather than a
/// string-keyed map so the hot loop does no lookups or casts.
package struct CycleState: Sendable {
    package let pod: PodInfo
    /// Plugins whose PreFilter said Skip (nothing to check for this pod).
    package var skipFilter: Set<PluginName> = []
    package var skipScore: Set<PluginName> = []

    // NodeAffinity
    package var nodeSelector: [String: String] = [:]
    package var requiredNodeAffinity: CompiledNodeSelector?
    package var preferredNodeAffinity: [(selector: CompiledNodeSelector, weight: Int64)] = []

    // TaintToleration / NodeUnschedulable
    package var tolerations: [CoreV1.Toleration] = []
    package var tolerationsPreferNoSchedule: [CoreV1.Toleration] = []
    package var toleratesUnschedulable = false

    // NodeResourcesFit / BalancedAllocation
    package var fitRequest = Resource()
    /// Pod request per scored resource of the fit strategy (non-zero defaults applied) and of BalancedAllocation.
    package var fitScoreRequest: [Int64] = []
    package var balancedScoreRequest: [Int64] = []

    // InterPodAffinity
    package var interPodAffinity: InterPodAffinityState?
    /// Topology key → value → score (PreScore of InterPodAffinity).
    package var interPodAffinityScores: [String: [String: Int64]] = [:]

    // PodTopologySpread
    package var spread: SpreadFilterState?
    package var spreadScore: SpreadScoreState?

    // Volumes
    package var volumes: VolumeState?

    package init(pod: PodInfo) {
        self.pod = pod
        let spec = pod.pod.spec
        nodeSelector = spec?.nodeSelector ?? [:]
        if let required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution {
            requiredNodeAffinity = CompiledNodeSelector(required)
        }
        preferredNodeAffinity = (spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).compactMap { term in
            guard let w = term.weight, w != 0, let pref = term.preference else { return nil }
            return (CompiledNodeSelector(preferred: pref), Int64(w))
        }
        tolerations = spec?.tolerations ?? []
        tolerationsPreferNoSchedule = tolerations.filter { ($0.effect ?? "").isEmpty || $0.effect == Taints.preferNoSchedule }
        let cordon = CoreV1.Taint(effect: Taints.noSchedule, key: Taints.unschedulableKey)
        toleratesUnschedulable = Taints.tolerated(cordon, by: tolerations)
        fitRequest = pod.requests.request
    }

    /// Upstream `GetRequiredNodeAffinity(pod).Match(node)`: nodeSelector and required node affinity.
    package func matchesRequiredNodeAffinity(_ node: NodeInfo) -> Bool {
        for (k, v) in nodeSelector where node.labels[k] != v { return false }
        if let required = requiredNodeAffinity, !required.matches(name: node.name, labels: node.labels) { return false }
        return true
    }
}
