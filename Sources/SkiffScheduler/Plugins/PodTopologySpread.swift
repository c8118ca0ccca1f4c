import Foundation
import SkiffAPI
import SkiffClient

/// One topologySpreadConstraint, compiled.
package struct SpreadConstraint: Sendable {
    package var maxSkew: Int32
    package var topologyKey: String
    package var selector: LabelSelector
    package var minDomains: Int32
    /// nodeAffinityPolicy Honor (default) / nodeTaintsPolicy Honor (default Ignore).
    package var honorNodeAffinity: Bool
    package var honorNodeTaints: Bool

    /// Upstream `matchNodeInclusionPolicies`.
    func includes(_ node: NodeInfo, _ state: CycleState) -> Bool {
        if honorNodeAffinity && !state.matchesRequiredNodeAffinity(node) { return false }
        if honorNodeTaints && Taints.firstUntolerated(node.taints, state.tolerations) != nil { return false }
        return true
    }
}

package struct SpreadFilterState: Sendable {
    package var constraints: [SpreadConstraint]
    /// Matching pods per domain; domains of eligible nodes are present even with zero.
    package var pairCounts: [TopologyPair: Int] = [:]
    package var domainsPerKey: [String: Int] = [:]
    /// Minimum match count per topology key (upstream's critical paths).
    package var minMatch: [String: Int] = [:]

    mutating func recomputeMinimums() {
        var mins: [String: Int] = [:]
        var domains: [String: Int] = [:]
        for (pair, n) in pairCounts {
            mins[pair.key] = min(mins[pair.key] ?? Int.max, n)
            domains[pair.key, default: 0] += 1
        }
        minMatch = mins
        domainsPerKey = domains
    }
}

package struct SpreadScoreState: Sendable {
    package var constraints: [SpreadConstraint]
    package var pairCounts: [TopologyPair: Int64] = [:]
    package var ignoredNodes: Set<String> = []
    package var normalizingWeights: [Double] = []
}

package enum PodTopologySpread {
    static let hostnameKey = "kubernetes.io/hostname"

    /// The pod's constraints with the given whenUnsatisfiable, matchLabelKeys merged into the selector.
    static func constraints(of pod: PodInfo, when action: String) -> [SpreadConstraint] {
        (pod.pod.spec?.topologySpreadConstraints ?? []).compactMap { c in
            guard (c.whenUnsatisfiable ?? "DoNotSchedule") == action, let key = c.topologyKey else { return nil }
            var selector = LabelSelector(c.labelSelector)
            for k in c.matchLabelKeys ?? [] {
                if let v = pod.labels[k] { selector = selector.adding(key: k, value: v, negated: false) }
            }
            return SpreadConstraint(maxSkew: c.maxSkew ?? 1, topologyKey: key, selector: selector,
                                    minDomains: c.minDomains ?? 1,
                                    honorNodeAffinity: (c.nodeAffinityPolicy ?? "Honor") == "Honor",
                                    honorNodeTaints: (c.nodeTaintsPolicy ?? "Ignore") == "Honor")
        }
    }

    static func hasAllKeys(_ labels: [String: String], _ constraints: [SpreadConstraint]) -> Bool {
        constraints.allSatisfy { labels[$0.topologyKey] != nil }
    }

    static func countMatching(_ pods: [PodInfo], _ selector: LabelSelector, namespace: String) -> Int {
        var n = 0
        for p in pods where !p.isTerminating && p.namespace == namespace && selector.matches(p.labels) { n += 1 }
        return n
    }

    /// PreFilter; nil means Skip (no DoNotSchedule constraints).
    package static func preFilter(_ state: CycleState, snapshot: Snapshot) -> SpreadFilterState? {
        let cs = constraints(of: state.pod, when: "DoNotSchedule")
        if cs.isEmpty { return nil }
        var s = SpreadFilterState(constraints: cs)
        for node in snapshot.nodes {
            guard hasAllKeys(node.labels, cs) else { continue }
            for c in cs where c.includes(node, state) {
                let pair = TopologyPair(key: c.topologyKey, value: node.labels[c.topologyKey] ?? "")
                s.pairCounts[pair, default: 0] += countMatching(node.pods, c.selector, namespace: state.pod.namespace)
            }
        }
        s.recomputeMinimums()
        return s
    }

    package static func filter(_ state: CycleState, _ node: NodeInfo) -> Status {
        guard let s = state.spread else { return .success }
        for c in s.constraints {
            guard let value = node.labels[c.topologyKey] else {
                return Status(.unschedulableAndUnresolvable, [Reasons.topologySpreadLabel], plugin: .podTopologySpread)
            }
            var minMatch = s.minMatch[c.topologyKey] ?? 0
            if (s.domainsPerKey[c.topologyKey] ?? 0) < Int(c.minDomains) { minMatch = 0 }
            let selfMatch = c.selector.matches(state.pod.labels) ? 1 : 0
            let matchNum = s.pairCounts[TopologyPair(key: c.topologyKey, value: value)] ?? 0
            if matchNum + selfMatch - minMatch > Int(c.maxSkew) {
                return Status(.unschedulable, [Reasons.topologySpread], plugin: .podTopologySpread)
            }
        }
        return .success
    }

    // MARK: score

    /// PreScore over the feasible nodes; nil means Skip (no ScheduleAnyway constraints).
    package static func preScore(_ state: CycleState, feasible: [NodeInfo], snapshot: Snapshot) -> SpreadScoreState? {
        let cs = constraints(of: state.pod, when: "ScheduleAnyway")
        if cs.isEmpty { return nil }
        var s = SpreadScoreState(constraints: cs)
        let requireAll = !state.nodeSelector.isEmpty || state.requiredNodeAffinity != nil
        var sizes = [Int](repeating: 0, count: cs.count)
        for node in feasible {
            if requireAll && !hasAllKeys(node.labels, cs) {
                s.ignoredNodes.insert(node.name)
                continue
            }
            for (i, c) in cs.enumerated() where c.topologyKey != hostnameKey {
                let pair = TopologyPair(key: c.topologyKey, value: node.labels[c.topologyKey] ?? "")
                if s.pairCounts[pair] == nil {
                    s.pairCounts[pair] = 0
                    sizes[i] += 1
                }
            }
        }
        s.normalizingWeights = cs.enumerated().map { i, c in
            let size = c.topologyKey == hostnameKey ? feasible.count - s.ignoredNodes.count : sizes[i]
            return log(Double(size + 2))
        }
        for node in snapshot.nodes {
            if requireAll && !(state.matchesRequiredNodeAffinity(node) && hasAllKeys(node.labels, cs)) { continue }
            for c in cs where c.includes(node, state) {
                let pair = TopologyPair(key: c.topologyKey, value: node.labels[c.topologyKey] ?? "")
                guard let current = s.pairCounts[pair] else { continue }
                s.pairCounts[pair] = current + Int64(countMatching(node.pods, c.selector, namespace: state.pod.namespace))
            }
        }
        return s
    }

    package static func score(_ state: CycleState, _ node: NodeInfo) -> Int64 {
        guard let s = state.spreadScore, !s.ignoredNodes.contains(node.name) else { return 0 }
        var score = 0.0
        for (i, c) in s.constraints.enumerated() {
            guard let v = node.labels[c.topologyKey] else { continue }
            let count: Int64
            if c.topologyKey == hostnameKey {
                count = Int64(countMatching(node.pods, c.selector, namespace: state.pod.namespace))
            } else {
                count = s.pairCounts[TopologyPair(key: c.topologyKey, value: v)] ?? 0
            }
            score += Double(count) * s.normalizingWeights[i] + Double(c.maxSkew - 1)
        }
        return Int64(score.rounded())
    }

    /// Fewer matching pods is better: `100 × (max + min − score) / max`; ignored nodes get 0.
    package static func normalize(_ scores: inout [Int64], names: [String], state: SpreadScoreState) {
        var lo = Int64.max
        var hi: Int64 = 0
        for (i, s) in scores.enumerated() where !state.ignoredNodes.contains(names[i]) {
            lo = min(lo, s)
            hi = max(hi, s)
        }
        for i in scores.indices {
            if state.ignoredNodes.contains(names[i]) {
                scores[i] = 0
            } else if hi == 0 {
                scores[i] = ScoreNormalization.maxNodeScore
            } else {
                scores[i] = ScoreNormalization.maxNodeScore * (hi + lo - scores[i]) / hi
            }
        }
    }
}

extension SpreadFilterState {
    /// Preemption's what-if: `existing` leaves (-1) or returns (+1) to `node`.
    mutating func update(with existing: PodInfo, node: NodeInfo, state: CycleState, delta: Int) {
        guard existing.namespace == state.pod.namespace, PodTopologySpread.hasAllKeys(node.labels, constraints) else { return }
        var changed = false
        for c in constraints where c.selector.matches(existing.labels) && c.includes(node, state) {
            let pair = TopologyPair(key: c.topologyKey, value: node.labels[c.topologyKey] ?? "")
            pairCounts[pair, default: 0] += delta
            changed = true
        }
        if changed { recomputeMinimums() }
    }
}
