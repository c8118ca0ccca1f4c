import SkiffAPI

/// The node-local filters: NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts.
/// Each is a pure function of the cycle state and one node.
package enum NodeFilters {
    /// NodeUnschedulable: a cordoned node only takes pods tolerating `node.kubernetes.io/unschedulable:NoSchedule`.
    package static func unschedulable(_ state: CycleState, _ node: NodeInfo) -> Status {
        if node.unschedulable && !state.toleratesUnschedulable {
            return Status(.unschedulableAndUnresolvable, [Reasons.nodeUnschedulable], plugin: .nodeUnschedulable)
        }
        return .success
    }

    /// NodeName: a pod naming a node fits only there.
    package static func nodeName(_ state: CycleState, _ node: NodeInfo) -> Status {
        let wanted = state.pod.nodeName
        if !wanted.isEmpty && wanted != node.name {
            return Status(.unschedulableAndUnresolvable, [Reasons.nodeName], plugin: .nodeName)
        }
        return .success
    }

    /// TaintToleration: every NoSchedule/NoExecute taint must be tolerated.
    package static func taintToleration(_ state: CycleState, _ node: NodeInfo) -> Status {
        if node.taints.isEmpty { return .success }
        if Taints.firstUntolerated(node.taints, state.tolerations) != nil {
            return Status(.unschedulableAndUnresolvable, [Reasons.untoleratedTaint], plugin: .taintToleration)
        }
        return .success
    }

    /// NodeAffinity: nodeSelector and requiredDuringScheduling node affinity.
    package static func nodeAffinity(_ state: CycleState, _ node: NodeInfo) -> Status {
        if !state.matchesRequiredNodeAffinity(node) {
            return Status(.unschedulableAndUnresolvable, [Reasons.nodeAffinity], plugin: .nodeAffinity)
        }
        return .success
    }

    /// NodePorts: the pod's host ports must be free on the node.
    package static func nodePorts(_ state: CycleState, _ node: NodeInfo) -> Status {
        for p in state.pod.hostPorts where node.portConflicts(p) {
            return Status(.unschedulable, [Reasons.nodePorts], plugin: .nodePorts)
        }
        return .success
    }

    /// TaintToleration score: the number of PreferNoSchedule taints not tolerated (normalised in reverse).
    package static func taintTolerationScore(_ state: CycleState, _ node: NodeInfo) -> Int64 {
        var n: Int64 = 0
        for taint in node.taints where taint.effect == Taints.preferNoSchedule {
            if !Taints.tolerated(taint, by: state.tolerationsPreferNoSchedule) { n += 1 }
        }
        return n
    }

    /// NodeAffinity score: the summed weights of the preferred terms the node matches.
    package static func nodeAffinityScore(_ state: CycleState, _ node: NodeInfo) -> Int64 {
        var score: Int64 = 0
        for term in state.preferredNodeAffinity where term.selector.matches(name: node.name, labels: node.labels) {
            score += term.weight
        }
        return score
    }
}

/// Score normalisation helpers (upstream `helper.DefaultNormalizeScore`).
package enum ScoreNormalization {
    package static let maxNodeScore: Int64 = 100

    /// Scales scores to 0...100 by the maximum; `reverse` turns "more is worse" into "more is better".
    package static func normalize(_ scores: inout [Int64], reverse: Bool) {
        var maxCount: Int64 = 0
        for s in scores where s > maxCount { maxCount = s }
        if maxCount == 0 {
            if reverse {
                for i in scores.indices { scores[i] = maxNodeScore }
            }
            return
        }
        for i in scores.indices {
            var s = maxNodeScore * scores[i] / maxCount
            if reverse { s = maxNodeScore - s }
            scores[i] = s
        }
    }
}
