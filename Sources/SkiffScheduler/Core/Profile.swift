/// One scheduling profile: which plugins run and how scores weigh (a `profiles[]` entry of
/// KubeSchedulerConfiguration, resolved against the default plugin set).
package struct Profile: Sendable, Equatable {
    package enum ScoringStrategy: String, Sendable, Equatable {
        case leastAllocated = "LeastAllocated"
        case mostAllocated = "MostAllocated"
    }

    package struct ResourceWeight: Sendable, Equatable {
        package var name: String
        package var weight: Int64
    }

    package var schedulerName: String
    /// Filters in upstream order; only these run.
    package var filters: [PluginName]
    /// Score plugins and their weights.
    package var scoreWeights: [PluginName: Int64]
    package var preemption: Bool
    /// nil: the adaptive default (50 - nodes/125, at least 5%).
    package var percentageOfNodesToScore: Int?
    package var scoringStrategy: ScoringStrategy = .leastAllocated
    package var fitResources: [ResourceWeight] = [ResourceWeight(name: "cpu", weight: 1), ResourceWeight(name: "memory", weight: 1)]
    package var balancedResources: [ResourceWeight] = [ResourceWeight(name: "cpu", weight: 1), ResourceWeight(name: "memory", weight: 1)]
    package var hardPodAffinityWeight: Int32 = 1
    package var ignorePreferredTermsOfExistingPods = false
    package var minCandidateNodesPercentage = 10
    package var minCandidateNodesAbsolute = 100

    package static let defaultSchedulerName = "default-scheduler"

    package init(schedulerName: String = Profile.defaultSchedulerName) {
        self.schedulerName = schedulerName
        filters = PluginName.filters
        scoreWeights = PluginName.defaultScoreWeights
        preemption = true
    }

    package func runs(_ plugin: PluginName) -> Bool { filters.contains(plugin) }
    package func weight(_ plugin: PluginName) -> Int64 { scoreWeights[plugin] ?? 0 }
}
