import SkiffAPI

/// Runs a profile's plugins over one pod (upstream `frameworkImpl`): PreFilter once, Filter per
/// node in upstream order (stopping at the first rejection, as upstream does), PreScore once and
/// Score per feasible node. The plugin set is the default profile's in-tree plugins, dispatched
/// statically; the profile only says which run and how scores weigh.
package struct Framework: Sendable {
    package var profile: Profile

    package init(profile: Profile = Profile()) {
        self.profile = profile
    }

    /// The outcome of PreFilter.
    package struct PreFilterResult: Sendable {
        package var state: CycleState
        /// A rejection (with the plugin set); `.success` to go on.
        package var status: Status
        /// When a plugin narrowed the candidates (NodeAffinity on `metadata.name`): only these nodes.
        package var nodeNames: Set<String>?
        package var narrowedBy: [PluginName] = []
    }

    package func preFilter(_ pod: PodInfo, snapshot: Snapshot) -> PreFilterResult {
        var state = CycleState(pod: pod)
        var result = PreFilterResult(state: state, status: .success)
        let runs = Set(profile.filters)

        if runs.contains(.nodeAffinity), let names = state.requiredNodeAffinity?.pinnedNodeNames {
            if names.isEmpty {
                result.status = Status(.unschedulableAndUnresolvable, ["pod affinity terms conflict"], plugin: .nodeAffinity)
                return result
            }
            result.nodeNames = names
            result.narrowedBy.append(.nodeAffinity)
        }
        if !runs.contains(.nodePorts) || pod.hostPorts.isEmpty { state.skipFilter.insert(.nodePorts) }
        if runs.contains(.volumeBinding) || runs.contains(.volumeZone) {
            let (status, volumes) = Volumes.preFilter(pod, snapshot: snapshot)
            if !status.isSuccess {
                result.status = status
                return result
            }
            state.volumes = volumes
        }
        if runs.contains(.podTopologySpread) { state.spread = PodTopologySpread.preFilter(state, snapshot: snapshot) }
        if runs.contains(.interPodAffinity) { state.interPodAffinity = InterPodAffinity.preFilter(pod, snapshot: snapshot) }
        result.state = state
        return result
    }

    /// Every enabled filter, in order; the first rejection wins.
    package func filter(_ state: CycleState, _ node: NodeInfo) -> Status {
        for plugin in profile.filters {
            let s: Status
            switch plugin {
            case .nodeUnschedulable: s = NodeFilters.unschedulable(state, node)
            case .nodeName: s = NodeFilters.nodeName(state, node)
            case .taintToleration: s = NodeFilters.taintToleration(state, node)
            case .nodeAffinity: s = NodeFilters.nodeAffinity(state, node)
            case .nodePorts: s = state.skipFilter.contains(.nodePorts) ? .success : NodeFilters.nodePorts(state, node)
            case .nodeResourcesFit: s = NodeResources.fit(state, node)
            case .volumeBinding: s = Volumes.bindingFilter(state, node)
            case .volumeZone: s = Volumes.zoneFilter(state, node)
            case .podTopologySpread: s = PodTopologySpread.filter(state, node)
            case .interPodAffinity: s = InterPodAffinity.filter(state, node)
            default: continue
            }
            if !s.isSuccess { return s }
        }
        return .success
    }

    /// Upstream `RunFilterPluginsWithNominatedPods`: when pods of equal or higher priority are
    /// nominated to this node, the pod must fit both with them and without them.
    package func filterWithNominated(_ state: CycleState, _ node: NodeInfo, snapshot: Snapshot) -> Status {
        // Most cycles have no nominations: skip hashing the node name for every node.
        if !snapshot.nominatedPods.isEmpty, let nominated = snapshot.nominatedPods[node.name] {
            var withNominated = node
            var stateWith = state
            var added = false
            for p in nominated where p.uid != state.pod.uid && p.priority >= state.pod.priority {
                addPod(p, to: &withNominated, state: &stateWith)
                added = true
            }
            if added {
                let s = filter(stateWith, withNominated)
                if !s.isSuccess { return s }
            }
        }
        return filter(state, node)
    }

    /// Places `existing` on `node` in a what-if copy, updating the PreFilter state (`AddPod` extensions).
    package func addPod(_ existing: PodInfo, to node: inout NodeInfo, state: inout CycleState) {
        node.addPod(existing)
        state.interPodAffinity?.update(with: existing, node: node, incoming: state.pod, delta: 1)
        let s = state
        state.spread?.update(with: existing, node: node, state: s, delta: 1)
    }

    /// The inverse of `addPod` (`RemovePod` extensions).
    package func removePod(_ existing: PodInfo, from node: inout NodeInfo, state: inout CycleState) {
        node.removePod(uid: existing.uid)
        state.interPodAffinity?.update(with: existing, node: node, incoming: state.pod, delta: -1)
        let s = state
        state.spread?.update(with: existing, node: node, state: s, delta: -1)
    }

    // MARK: scoring

    /// Score plugins that run for this pod, with their weights.
    package func preScore(_ state: inout CycleState, feasible: [NodeInfo], snapshot: Snapshot) -> [(PluginName, Int64)] {
        var plugins: [(PluginName, Int64)] = []
        for plugin in PluginName.allCases {
            let w = profile.weight(plugin)
            if w <= 0 { continue }
            switch plugin {
            case .taintToleration: break
            case .nodeAffinity:
                if state.preferredNodeAffinity.isEmpty { continue }
            case .nodeResourcesFit:
                state.fitScoreRequest = NodeResources.podRequestVector(state.pod, profile.fitResources, nonZero: true)
            case .nodeResourcesBalancedAllocation:
                state.balancedScoreRequest = NodeResources.podRequestVector(state.pod, profile.balancedResources, nonZero: false)
                // Best-effort pods are not balanced (upstream skips them so they do not pile up on one node).
                if state.balancedScoreRequest.allSatisfy({ $0 == 0 }) { continue }
            case .podTopologySpread:
                guard let s = PodTopologySpread.preScore(state, feasible: feasible, snapshot: snapshot) else { continue }
                state.spreadScore = s
            case .interPodAffinity:
                guard let s = InterPodAffinity.preScore(state, snapshot: snapshot, profile: profile) else { continue }
                state.interPodAffinityScores = s
            case .imageLocality:
                if state.pod.images.isEmpty { continue }
            default: continue
            }
            plugins.append((plugin, w))
        }
        return plugins
    }

    @inline(__always)
    package func score(_ plugin: PluginName, _ state: CycleState, _ node: NodeInfo, snapshot: Snapshot) -> Int64 {
        switch plugin {
        case .taintToleration: NodeFilters.taintTolerationScore(state, node)
        case .nodeAffinity: NodeFilters.nodeAffinityScore(state, node)
        case .nodeResourcesFit: NodeResources.fitScore(state, node, profile: profile)
        case .nodeResourcesBalancedAllocation: NodeResources.balancedScore(state, node, profile: profile)
        case .podTopologySpread: PodTopologySpread.score(state, node)
        case .interPodAffinity: InterPodAffinity.score(state, node)
        case .imageLocality: NodeResources.imageLocalityScore(state, node, snapshot: snapshot)
        default: 0
        }
    }

    package func normalize(_ plugin: PluginName, _ scores: inout [Int64], names: [String], state: CycleState) {
        switch plugin {
        case .taintToleration: ScoreNormalization.normalize(&scores, reverse: true)
        case .nodeAffinity: ScoreNormalization.normalize(&scores, reverse: false)
        case .interPodAffinity: InterPodAffinity.normalize(&scores)
        case .podTopologySpread:
            if let s = state.spreadScore { PodTopologySpread.normalize(&scores, names: names, state: s) }
        default: break
        }
    }
}
