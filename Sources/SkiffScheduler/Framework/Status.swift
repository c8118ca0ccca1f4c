/// The in-tree plugins of the default profile, in the order upstream runs their filters.
package enum PluginName: String, Sendable, CaseIterable, Hashable {
    case schedulingGates = "SchedulingGates"
    case prioritySort = "PrioritySort"
    case nodeUnschedulable = "NodeUnschedulable"
    case nodeName = "NodeName"
    case taintToleration = "TaintToleration"
    case nodeAffinity = "NodeAffinity"
    case nodePorts = "NodePorts"
    case nodeResourcesFit = "NodeResourcesFit"
    case volumeRestrictions = "VolumeRestrictions"
    case nodeVolumeLimits = "NodeVolumeLimits"
    case volumeBinding = "VolumeBinding"
    case volumeZone = "VolumeZone"
    case podTopologySpread = "PodTopologySpread"
    case interPodAffinity = "InterPodAffinity"
    case defaultPreemption = "DefaultPreemption"
    case nodeResourcesBalancedAllocation = "NodeResourcesBalancedAllocation"
    case imageLocality = "ImageLocality"
    case defaultBinder = "DefaultBinder"

    /// Plugins with a Filter (and PreFilter), in run order.
    package static let filters: [PluginName] = [
        .nodeUnschedulable, .nodeName, .taintToleration, .nodeAffinity, .nodePorts, .nodeResourcesFit,
        .volumeRestrictions, .nodeVolumeLimits, .volumeBinding, .volumeZone, .podTopologySpread, .interPodAffinity,
    ]

    /// Plugins with a Score, with their default weights (upstream `getDefaultPlugins`).
    package static let defaultScoreWeights: [PluginName: Int64] = [
        .taintToleration: 3, .nodeAffinity: 2, .nodeResourcesFit: 1, .podTopologySpread: 2,
        .interPodAffinity: 2, .nodeResourcesBalancedAllocation: 1, .imageLocality: 1,
    ]
}

/// A plugin's verdict (upstream `fwk.Code` + reasons).
package struct Status: Sendable, Equatable {
    package enum Code: Sendable, Equatable {
        case success
        /// The pod does not fit now; preemption might help.
        case unschedulable
        /// The pod does not fit and evicting pods cannot change that.
        case unschedulableAndUnresolvable
        case error
        case skip
    }

    package var code: Code
    package var reasons: [String]
    package var plugin: PluginName?

    package init(_ code: Code, _ reasons: [String] = [], plugin: PluginName? = nil) {
        self.code = code
        self.reasons = reasons
        self.plugin = plugin
    }

    package static let success = Status(.success)
    package var isSuccess: Bool { code == .success }
    package var isRejected: Bool { code == .unschedulable || code == .unschedulableAndUnresolvable }
    package var message: String { reasons.joined(separator: ", ") }
}

/// Upstream's reason strings, verbatim (they reach users in FailedScheduling events).
package enum Reasons {
    package static let nodeUnschedulable = "node(s) were unschedulable"
    package static let nodeName = "node(s) didn't match the requested node name"
    /// Since 1.34 the taint itself is no longer printed (it may be private to cluster admins).
    package static let untoleratedTaint = "node(s) had untolerated taint(s)"
    package static let nodeAffinity = "node(s) didn't match Pod's node affinity/selector"
    package static let nodePorts = "node(s) didn't have free ports for the requested pod ports"
    package static let tooManyPods = "Too many pods"
    package static let podAffinity = "node(s) didn't match pod affinity rules"
    package static let podAntiAffinity = "node(s) didn't match pod anti-affinity rules"
    package static let existingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules"
    package static let topologySpread = "node(s) didn't match pod topology spread constraints"
    package static let topologySpreadLabel = "node(s) didn't match pod topology spread constraints (missing required label)"
    package static let volumeNodeAffinity = "node(s) had volume node affinity conflict"
    package static let volumeBindConflict = "node(s) didn't find available persistent volumes to bind"
    package static let pvNotExist = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
    package static let unboundImmediate = "pod has unbound immediate PersistentVolumeClaims"
    package static let volumeZone = "node(s) had no available volume zone"
    package static let preemptionNotHelpful = "Preemption is not helpful for scheduling"
    package static let noVictims = "No preemption victims found for incoming pod"
    package static let preemptionNever = "not eligible due to preemptionPolicy=Never."
    package static let terminatingOnNominated = "not eligible due to a terminating pod on the nominated node."
    package static let noNodesAvailable = "no nodes available to schedule pods"

    package static func insufficient(_ resource: String) -> String {
        switch resource {
        case ResourceName.cpu: "Insufficient cpu"
        case ResourceName.memory: "Insufficient memory"
        case ResourceName.ephemeralStorage: "Insufficient ephemeral-storage"
        default: "Insufficient " + resource
        }
    }
}
