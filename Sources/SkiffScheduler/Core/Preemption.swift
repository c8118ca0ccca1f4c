import Foundation

/// What DefaultPreemption (PostFilter) decided for a pod that fits nowhere.
package struct PreemptionOutcome: Sendable {
    /// The node the pod is nominated to once the victims are gone; nil when preemption cannot help.
    package var nominatedNodeName: String?
    /// Pods to evict, most important first.
    package var victims: [PodInfo] = []
    /// Lower-priority pods nominated to the same node; they lose their nomination.
    package var lowerPriorityNominated: [PodInfo] = []
    /// The PostFilter message appended to FailedScheduling ("preemption: …"); empty on success.
    package var message = ""
}

/// One node where evicting `victims` makes the pod fit.
package struct PreemptionCandidate: Sendable {
    package var node: String
    package var victims: [PodInfo]
    package var pdbViolations: Int
}

extension SchedulingAlgorithm {
    /// Upstream `Evaluator.Preempt` with DefaultPreemption's policies: only pods of lower priority
    /// are evicted, PodDisruptionBudgets are respected where possible, the fewest and least
    /// important victims win.
    package mutating func preempt(_ pod: PodInfo, state: CycleState?, fitError: FitError, snapshot: Snapshot) -> PreemptionOutcome {
        var outcome = PreemptionOutcome()
        guard framework.profile.preemption else { return outcome }
        if pod.pod.spec?.preemptionPolicy == "Never" {
            outcome.message = "preemption: " + Reasons.preemptionNever
            return outcome
        }
        if let nominated = pod.pod.status?.nominatedNodeName, !nominated.isEmpty,
           fitError.status(of: nominated)?.code != .unschedulableAndUnresolvable,
           let node = snapshot.nodeInfo(nominated),
           node.pods.contains(where: { $0.priority < pod.priority && $0.terminatingByPreemption }) {
            outcome.message = "preemption: " + Reasons.terminatingOnNominated
            return outcome
        }

        var result = FitError(numAllNodes: snapshot.count)
        let notHelpful = Status(.unschedulableAndUnresolvable, [Reasons.preemptionNotHelpful], plugin: .defaultPreemption)
        var potential: [Int] = []
        for (i, node) in snapshot.nodes.enumerated() {
            if state == nil || fitError.status(of: node.name)?.code == .unschedulableAndUnresolvable {
                result.nodeStatuses[node.name] = notHelpful
            } else {
                potential.append(i)
            }
        }
        var candidates: [PreemptionCandidate] = []
        if let state, !potential.isEmpty {
            let profile = framework.profile
            var numCandidates = potential.count * profile.minCandidateNodesPercentage / 100
            numCandidates = min(potential.count, max(numCandidates, profile.minCandidateNodesAbsolute))
            let offset = Int.random(in: 0 ..< potential.count, using: &rng)
            var nonViolating = 0
            for k in 0 ..< potential.count {
                let node = snapshot.nodes[potential[(offset + k) % potential.count]]
                switch selectVictims(on: node, state: state, snapshot: snapshot) {
                case .success(let candidate):
                    candidates.append(candidate)
                    if candidate.pdbViolations == 0 { nonViolating += 1 }
                case .failure(let error):
                    result.nodeStatuses[node.name] = error.status
                }
                if nonViolating > 0 && candidates.count >= numCandidates { break }
            }
        }
        guard let best = Self.pickOneNode(candidates) else {
            outcome.message = "preemption: " + result.message
            return outcome
        }
        outcome.nominatedNodeName = best.node
        outcome.victims = best.victims
        outcome.lowerPriorityNominated = (snapshot.nominatedPods[best.node] ?? []).filter { $0.priority < pod.priority && $0.uid != pod.uid }
        return outcome
    }

    /// Upstream `SelectVictimsOnNode`: remove every lower-priority pod; if the pod then fits, put
    /// back as many as possible, most important first (PDB-violating ones before the others).
    package func selectVictims(on original: NodeInfo, state original0: CycleState, snapshot: Snapshot) -> Result<PreemptionCandidate, StatusError> {
        var node = original
        var state = original0
        let pod = state.pod
        var potential: [PodInfo] = []
        for p in original.pods where p.priority < pod.priority {
            potential.append(p)
            framework.removePod(p, from: &node, state: &state)
        }
        if potential.isEmpty {
            return .failure(StatusError(Status(.unschedulableAndUnresolvable, [Reasons.noVictims], plugin: .defaultPreemption)))
        }
        let fits = framework.filterWithNominated(state, node, snapshot: snapshot)
        if !fits.isSuccess { return .failure(StatusError(fits)) }

        potential.sort(by: PodInfo.moreImportant)
        let (violating, nonViolating) = Self.splitByPDBViolation(potential, pdbs: snapshot.pdbs)
        var victims: [PodInfo] = []
        var violations = 0
        func reprieve(_ p: PodInfo) -> Bool {
            framework.addPod(p, to: &node, state: &state)
            if framework.filterWithNominated(state, node, snapshot: snapshot).isSuccess { return true }
            framework.removePod(p, from: &node, state: &state)
            victims.append(p)
            return false
        }
        for p in violating where !reprieve(p) { violations += 1 }
        for p in nonViolating { _ = reprieve(p) }
        if !violating.isEmpty && !nonViolating.isEmpty { victims.sort(by: PodInfo.moreImportant) }
        if victims.isEmpty {
            return .failure(StatusError(Status(.error, ["expected at least one victim pod on node \(original.name)"])))
        }
        return .success(PreemptionCandidate(node: original.name, victims: victims, pdbViolations: violations))
    }

    /// Upstream `filterPodsWithPDBViolation`: a pod violates when evicting it (after the ones before
    /// it) would take a matching budget below zero.
    static func splitByPDBViolation(_ pods: [PodInfo], pdbs: [PodDisruptionBudgetInfo]) -> (violating: [PodInfo], nonViolating: [PodInfo]) {
        var allowed = pdbs.map(\.disruptionsAllowed)
        var violating: [PodInfo] = []
        var nonViolating: [PodInfo] = []
        for p in pods {
            var violated = false
            if !p.labels.isEmpty {
                for (i, pdb) in pdbs.enumerated() {
                    guard pdb.namespace == p.namespace, !pdb.selector.matchesNothing, !pdb.selector.requirements.isEmpty,
                          pdb.selector.matches(p.labels), !pdb.disruptedPods.contains(p.name) else { continue }
                    allowed[i] -= 1
                    if allowed[i] < 0 { violated = true }
                }
            }
            if violated { violating.append(p) } else { nonViolating.append(p) }
        }
        return (violating, nonViolating)
    }

    /// Upstream `pickOneNodeForPreemption`: fewest PDB violations, then the lowest highest-priority
    /// victim, the lowest priority sum, the fewest victims, the latest-started top victims.
    static func pickOneNode(_ candidates: [PreemptionCandidate]) -> PreemptionCandidate? {
        if candidates.isEmpty { return nil }
        if let free = candidates.first(where: { $0.victims.isEmpty }) { return free }
        let criteria: [(PreemptionCandidate) -> Int64] = [
            { -Int64($0.pdbViolations) },
            { -Int64($0.victims[0].priority) },
            { c in -c.victims.reduce(Int64(0)) { $0 + Int64($1.priority) + Int64(Int32.max) + 1 } },
            { -Int64($0.victims.count) },
            { c in
                let top = c.victims[0].priority
                let earliest = c.victims.filter { $0.priority == top }.map(\.startTime).min()
                return earliest.map { Int64($0.timeIntervalSince1970 * 1e9) } ?? Int64.min
            },
        ]
        var remaining = candidates
        for score in criteria {
            let scores = remaining.map(score)
            guard let best = scores.max() else { break }
            remaining = zip(remaining, scores).filter { $0.1 == best }.map(\.0)
            if remaining.count == 1 { return remaining[0] }
        }
        return remaining.first
    }
}

/// A Status carried as an Error (for `Result`).
package struct StatusError: Error, Sendable {
    package var status: Status
    package init(_ status: Status) { self.status = status }
}
