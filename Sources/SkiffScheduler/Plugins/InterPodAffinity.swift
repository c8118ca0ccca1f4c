import SkiffAPI

/// PreFilter state of InterPodAffinity: how many matching pods sit in each topology domain.
package struct InterPodAffinityState: Sendable {
    /// Domains where an existing pod's required anti-affinity matches the incoming pod.
    package var existingAntiAffinityCounts: [TopologyPair: Int64] = [:]
    /// Domains holding pods that match all of the incoming pod's required affinity terms.
    package var affinityCounts: [TopologyPair: Int64] = [:]
    /// Domains holding pods that match one of the incoming pod's required anti-affinity terms.
    package var antiAffinityCounts: [TopologyPair: Int64] = [:]
    /// The incoming pod's terms with namespaceSelector resolved into namespaces.
    package var requiredAffinity: [AffinityTerm] = []
    package var requiredAntiAffinity: [AffinityTerm] = []
    package var namespaceLabels: [String: String] = [:]
}

package enum InterPodAffinity {
    /// Resolves a term's namespaceSelector against the known namespaces (upstream
    /// `mergeAffinityTermNamespacesIfNotEmpty`), so the per-node loop needs no namespace lookups.
    static func merged(_ terms: [AffinityTerm], snapshot: Snapshot) -> [AffinityTerm] {
        terms.map { t in
            var t = t
            if !t.namespaceSelector.matchesNothing {
                for (ns, labels) in snapshot.namespaceLabels where t.namespaceSelector.matches(labels) {
                    t.namespaces.insert(ns)
                }
                t.namespaceSelector = .nothing
            }
            return t
        }
    }

    static func matchesAll(_ terms: [AffinityTerm], _ pod: PodInfo) -> Bool {
        if terms.isEmpty { return false }
        for t in terms where !t.matches(pod, namespaceLabels: [:]) { return false }
        return true
    }

    /// PreFilter; nil means Skip (no affinity anywhere that concerns this pod).
    package static func preFilter(_ pod: PodInfo, snapshot: Snapshot) -> InterPodAffinityState? {
        var s = InterPodAffinityState()
        s.namespaceLabels = snapshot.namespaceLabels[pod.namespace] ?? [:]
        s.requiredAffinity = merged(pod.requiredAffinityTerms, snapshot: snapshot)
        s.requiredAntiAffinity = merged(pod.requiredAntiAffinityTerms, snapshot: snapshot)
        let incoming = !s.requiredAffinity.isEmpty || !s.requiredAntiAffinity.isEmpty
        // Without terms of its own the pod only meets existing pods' required anti-affinity.
        for i in incoming ? Array(snapshot.nodes.indices) : snapshot.nodesWithRequiredAntiAffinityPods {
            let node = snapshot.nodes[i]
            if node.podsWithRequiredAntiAffinity > 0 {
                for existing in node.pods where !existing.requiredAntiAffinityTerms.isEmpty {
                    add(existing.requiredAntiAffinityTerms, matching: pod, nsLabels: s.namespaceLabels, node: node, into: &s.existingAntiAffinityCounts, delta: 1)
                }
            }
            if incoming {
                for existing in node.pods {
                    s.update(with: existing, node: node, incoming: pod, delta: 1, existingAnti: false)
                }
            }
        }
        if s.existingAntiAffinityCounts.isEmpty && s.requiredAffinity.isEmpty && s.requiredAntiAffinity.isEmpty {
            return nil
        }
        return s
    }

    static func add(_ terms: [AffinityTerm], matching pod: PodInfo, nsLabels: [String: String], node: NodeInfo,
                    into counts: inout [TopologyPair: Int64], delta: Int64) {
        for t in terms where t.matches(pod, namespaceLabels: nsLabels) {
            guard let v = node.labels[t.topologyKey] else { continue }
            let pair = TopologyPair(key: t.topologyKey, value: v)
            let n = (counts[pair] ?? 0) + delta
            counts[pair] = n == 0 ? nil : n
        }
    }

    package static func filter(_ state: CycleState, _ node: NodeInfo) -> Status {
        guard let s = state.interPodAffinity else { return .success }
        if !s.satisfiesAffinity(node, incoming: state.pod) {
            return Status(.unschedulableAndUnresolvable, [Reasons.podAffinity], plugin: .interPodAffinity)
        }
        if !s.antiAffinityCounts.isEmpty {
            for t in s.requiredAntiAffinity {
                if let v = node.labels[t.topologyKey], (s.antiAffinityCounts[TopologyPair(key: t.topologyKey, value: v)] ?? 0) > 0 {
                    return Status(.unschedulable, [Reasons.podAntiAffinity], plugin: .interPodAffinity)
                }
            }
        }
        if !s.existingAntiAffinityCounts.isEmpty {
            for (k, v) in node.labels where (s.existingAntiAffinityCounts[TopologyPair(key: k, value: v)] ?? 0) > 0 {
                return Status(.unschedulable, [Reasons.existingAntiAffinity], plugin: .interPodAffinity)
            }
        }
        return .success
    }

    // MARK: score

    /// PreScore: topology key → value → weight, from the incoming pod's preferred terms against
    /// existing pods and from existing pods' terms against the incoming pod.
    package static func preScore(_ state: CycleState, snapshot: Snapshot, profile: Profile) -> [String: [String: Int64]]? {
        let pod = state.pod
        let hasConstraints = !pod.preferredAffinityTerms.isEmpty || !pod.preferredAntiAffinityTerms.isEmpty
        if profile.ignorePreferredTermsOfExistingPods && !hasConstraints { return nil }
        let preferredAffinity = merged(pod.preferredAffinityTerms, snapshot: snapshot)
        let preferredAnti = merged(pod.preferredAntiAffinityTerms, snapshot: snapshot)
        let nsLabels = snapshot.namespaceLabels[pod.namespace] ?? [:]
        var scores: [String: [String: Int64]] = [:]
        func process(_ t: AffinityTerm, weight: Int64, _ candidate: PodInfo, _ labels: [String: String], _ node: NodeInfo) {
            guard t.matches(candidate, namespaceLabels: labels), let v = node.labels[t.topologyKey] else { return }
            scores[t.topologyKey, default: [:]][v, default: 0] += weight
        }
        for i in hasConstraints ? Array(snapshot.nodes.indices) : snapshot.nodesWithAffinityPods {
            let node = snapshot.nodes[i]
            if node.labels.isEmpty { continue }
            if !hasConstraints && node.podsWithAffinity == 0 { continue }
            for existing in node.pods {
                if !hasConstraints && !existing.hasAffinityTerms { continue }
                for t in preferredAffinity { process(t, weight: Int64(t.weight), existing, [:], node) }
                for t in preferredAnti { process(t, weight: -Int64(t.weight), existing, [:], node) }
                if profile.hardPodAffinityWeight > 0 {
                    for t in existing.requiredAffinityTerms { process(t, weight: Int64(profile.hardPodAffinityWeight), pod, nsLabels, node) }
                }
                for t in existing.preferredAffinityTerms { process(t, weight: Int64(t.weight), pod, nsLabels, node) }
                for t in existing.preferredAntiAffinityTerms { process(t, weight: -Int64(t.weight), pod, nsLabels, node) }
            }
        }
        return scores.isEmpty ? nil : scores
    }

    package static func score(_ state: CycleState, _ node: NodeInfo) -> Int64 {
        var score: Int64 = 0
        for (key, values) in state.interPodAffinityScores {
            if let v = node.labels[key] { score += values[v] ?? 0 }
        }
        return score
    }

    /// Min-max normalisation to 0...100 (scores may be negative).
    package static func normalize(_ scores: inout [Int64]) {
        guard let lo = scores.min(), let hi = scores.max() else { return }
        let diff = hi - lo
        for i in scores.indices {
            scores[i] = diff > 0 ? Int64(Double(ScoreNormalization.maxNodeScore) * (Double(scores[i] - lo) / Double(diff))) : 0
        }
    }
}

extension InterPodAffinityState {
    /// Adds (delta 1) or removes (delta -1) an existing pod's contribution; used by PreFilter and
    /// by preemption's what-if (upstream `updateWithPod`).
    mutating func update(with existing: PodInfo, node: NodeInfo, incoming: PodInfo, delta: Int64, existingAnti: Bool = true) {
        if existingAnti {
            InterPodAffinity.add(existing.requiredAntiAffinityTerms, matching: incoming, nsLabels: namespaceLabels,
                                 node: node, into: &existingAntiAffinityCounts, delta: delta)
        }
        if InterPodAffinity.matchesAll(requiredAffinity, existing) {
            for t in requiredAffinity {
                guard let v = node.labels[t.topologyKey] else { continue }
                let pair = TopologyPair(key: t.topologyKey, value: v)
                let n = (affinityCounts[pair] ?? 0) + delta
                affinityCounts[pair] = n == 0 ? nil : n
            }
        }
        InterPodAffinity.add(requiredAntiAffinity, matching: existing, nsLabels: [:], node: node, into: &antiAffinityCounts, delta: delta)
    }

    func satisfiesAffinity(_ node: NodeInfo, incoming: PodInfo) -> Bool {
        var podsExist = true
        for t in requiredAffinity {
            guard let v = node.labels[t.topologyKey] else { return false }
            if (affinityCounts[TopologyPair(key: t.topologyKey, value: v)] ?? 0) <= 0 { podsExist = false }
        }
        if !podsExist {
            // The first pod of a group with affinity to itself may go anywhere the topology exists.
            return affinityCounts.isEmpty && InterPodAffinity.matchesAll(requiredAffinity, incoming)
        }
        return true
    }
}
