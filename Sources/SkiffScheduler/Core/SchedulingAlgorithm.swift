import Synchronization

/// The result of placing one pod.
package struct ScheduleResult: Sendable, Equatable {
    package var suggestedHost: String
    package var evaluatedNodes: Int
    package var feasibleNodes: Int
}

/// A small seedable generator (SplitMix64) so tie-breaks are random in production and
/// reproducible in tests.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64 = UInt64.random(in: 0 ... .max)) {
        state = seed
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// One scheduling decision over a snapshot (upstream `schedulePod`): PreFilter, parallel Filter
/// until enough feasible nodes are found, PreScore, parallel Score, normalise, weigh, pick the
/// best with a random tie-break. Pure: no I/O, no clocks.
package struct SchedulingAlgorithm: Sendable {
    package enum Outcome: Sendable {
        case scheduled(ScheduleResult)
        /// Fits nowhere; `state` is the PreFilter state preemption continues from (nil if PreFilter rejected).
        case unschedulable(FitError, state: CycleState?)
        case noNodes
    }

    package var framework: Framework
    package var parallelizer: Parallelizer
    /// Where the next filter pass starts, so successive pods look at different nodes first.
    package var nextStartNodeIndex = 0
    package var rng: SplitMix64

    static let minFeasibleNodesToFind = 100
    static let minFeasibleNodesPercentageToFind = 5

    package init(framework: Framework = Framework(), parallelizer: Parallelizer = Parallelizer(), rng: SplitMix64 = SplitMix64()) {
        self.framework = framework
        self.parallelizer = parallelizer
        self.rng = rng
    }

    /// How many feasible nodes to find before scoring (upstream `numFeasibleNodesToFind`).
    package func numFeasibleNodesToFind(_ numAllNodes: Int) -> Int {
        if numAllNodes < Self.minFeasibleNodesToFind { return numAllNodes }
        var percentage = framework.profile.percentageOfNodesToScore ?? 0
        if percentage == 0 {
            percentage = max(50 - numAllNodes / 125, Self.minFeasibleNodesPercentageToFind)
        }
        let n = numAllNodes * percentage / 100
        return max(n, Self.minFeasibleNodesToFind)
    }

    package mutating func schedule(_ pod: PodInfo, snapshot: Snapshot) async -> Outcome {
        if snapshot.count == 0 { return .noNodes }
        let pre = framework.preFilter(pod, snapshot: snapshot)
        if !pre.status.isSuccess {
            var fitError = FitError(numAllNodes: snapshot.count)
            fitError.preFilterMessage = pre.status.message
            fitError.absentNodesStatus = pre.status
            return .unschedulable(fitError, state: nil)
        }
        var state = pre.state

        // A pod that preempted before tries its nominated node first.
        if let nominated = pod.pod.status?.nominatedNodeName, !nominated.isEmpty, let node = snapshot.nodeInfo(nominated),
           pre.nodeNames?.contains(nominated) ?? true,
           framework.filterWithNominated(state, node, snapshot: snapshot).isSuccess {
            return .scheduled(ScheduleResult(suggestedHost: nominated, evaluatedNodes: 1, feasibleNodes: 1))
        }

        var candidates: [Int]?
        if let names = pre.nodeNames {
            candidates = names.sorted().compactMap { snapshot.index[$0] }
        }
        let (feasible, statuses) = await findFeasible(state, candidates: candidates, snapshot: snapshot)
        if feasible.isEmpty {
            var fitError = FitError(numAllNodes: snapshot.count)
            fitError.nodeStatuses = statuses
            if !pre.narrowedBy.isEmpty {
                let names = pre.narrowedBy.map(\.rawValue).sorted().joined(separator: " ")
                fitError.absentNodesStatus = Status(.unschedulableAndUnresolvable, ["node(s) didn't satisfy plugin(s) [\(names)]"],
                                                    plugin: pre.narrowedBy.first)
            }
            return .unschedulable(fitError, state: state)
        }
        let evaluated = feasible.count + statuses.count
        if feasible.count == 1 {
            return .scheduled(ScheduleResult(suggestedHost: snapshot.nodes[feasible[0]].name, evaluatedNodes: evaluated, feasibleNodes: 1))
        }
        let totals = await prioritize(&state, feasible: feasible, snapshot: snapshot)
        let chosen = selectHost(totals)
        return .scheduled(ScheduleResult(suggestedHost: snapshot.nodes[feasible[chosen]].name, evaluatedNodes: evaluated, feasibleNodes: feasible.count))
    }

    /// Filters nodes (all, or `candidates`) starting at `nextStartNodeIndex` until enough fit.
    /// Returns snapshot indices of feasible nodes and the statuses of rejected ones.
    mutating func findFeasible(_ state: CycleState, candidates: [Int]?, snapshot: Snapshot) async -> ([Int], [String: Status]) {
        let n = candidates?.count ?? snapshot.count
        if n == 0 { return ([], [:]) }
        let numToFind = numFeasibleNodesToFind(n)
        let start = nextStartNodeIndex % n
        let feasibleBuf = SharedBuffer<Int>(count: numToFind, repeating: -1)
        let statusBuf = SharedBuffer<Status?>(count: n, repeating: nil)
        let found = Counter()
        let framework = self.framework
        await parallelizer.run(count: n) { i in
            let position = (start + i) % n
            let index = candidates?[position] ?? position
            let node = snapshot.nodes[index]
            let status = framework.filterWithNominated(state, node, snapshot: snapshot)
            if status.isSuccess {
                let k = found.value.add(1, ordering: .relaxed).newValue
                if k > numToFind {
                    found.value.subtract(1, ordering: .relaxed)
                    return false
                }
                feasibleBuf[k - 1] = index
            } else {
                statusBuf[i] = status
            }
            return true
        }
        let count = min(found.value.load(ordering: .relaxed), numToFind)
        var feasible: [Int] = []
        feasible.reserveCapacity(count)
        for i in 0 ..< numToFind where feasibleBuf[i] >= 0 { feasible.append(feasibleBuf[i]) }
        var statuses: [String: Status] = [:]
        for i in 0 ..< n {
            if let s = statusBuf[i] {
                let position = (start + i) % n
                statuses[snapshot.nodes[candidates?[position] ?? position].name] = s
            }
        }
        feasibleBuf.release()
        statusBuf.release()
        nextStartNodeIndex = (start + feasible.count + statuses.count) % n
        return (feasible, statuses)
    }

    /// Weighted sum of normalised plugin scores per feasible node.
    func prioritize(_ state: inout CycleState, feasible: [Int], snapshot: Snapshot) async -> [Int64] {
        let nodes = feasible.map { snapshot.nodes[$0] }
        let plugins = framework.preScore(&state, feasible: nodes, snapshot: snapshot)
        let count = nodes.count
        var totals = [Int64](repeating: 0, count: count)
        if plugins.isEmpty { return totals }
        let matrix = SharedBuffer<Int64>(count: plugins.count * count, repeating: 0)
        let framework = self.framework
        let scoringState = state
        await parallelizer.run(count: count) { i in
            let node = nodes[i]
            for (p, plugin) in plugins.enumerated() {
                matrix[p * count + i] = framework.score(plugin.0, scoringState, node, snapshot: snapshot)
            }
            return true
        }
        var names: [String] = []
        for (p, plugin) in plugins.enumerated() {
            var scores = Array(matrix.base[(p * count) ..< ((p + 1) * count)])
            if plugin.0 == .podTopologySpread && names.isEmpty { names = nodes.map(\.name) }
            framework.normalize(plugin.0, &scores, names: names, state: scoringState)
            for i in 0 ..< count { totals[i] += scores[i] * plugin.1 }
        }
        matrix.release()
        return totals
    }

    /// The index of the highest total; ties broken uniformly at random (reservoir sampling, as upstream).
    mutating func selectHost(_ totals: [Int64]) -> Int {
        var best = 0
        var ties = 1
        for i in 1 ..< max(1, totals.count) {
            if totals[i] > totals[best] {
                best = i
                ties = 1
            } else if totals[i] == totals[best] {
                ties += 1
                if Int.random(in: 0 ..< ties, using: &rng) == 0 { best = i }
            }
        }
        return best
    }

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }
}
