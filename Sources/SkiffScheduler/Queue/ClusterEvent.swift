import SkiffAPI

/// A change in the cluster that may make unschedulable pods schedulable (upstream `ClusterEvent`).
package enum ClusterEvent: Sendable, Hashable {
    case nodeAdded
    case nodeUpdated(NodeChange)
    case nodeDeleted
    case assignedPodAdded
    case assignedPodUpdated
    case assignedPodDeleted
    /// A PVC, PV or StorageClass was added or changed.
    case volumeChanged
    case namespaceChanged
    /// Nothing in particular (a periodic flush or an error): every pod qualifies.
    case unknown

    /// Which aspects of a node changed.
    package struct NodeChange: OptionSet, Sendable, Hashable {
        package let rawValue: Int
        package init(rawValue: Int) { self.rawValue = rawValue }
        package static let labels = NodeChange(rawValue: 1)
        package static let taints = NodeChange(rawValue: 2)
        package static let allocatable = NodeChange(rawValue: 4)
        package static let unschedulable = NodeChange(rawValue: 8)
        package static let images = NodeChange(rawValue: 16)

        /// What differs between two versions of a node.
        package init(old: CoreV1.Node, new: CoreV1.Node) {
            var c: NodeChange = []
            if old.metadata?.labels != new.metadata?.labels { c.insert(.labels) }
            if old.spec?.taints != new.spec?.taints { c.insert(.taints) }
            if old.status?.allocatable != new.status?.allocatable { c.insert(.allocatable) }
            if old.spec?.unschedulable != new.spec?.unschedulable { c.insert(.unschedulable) }
            if old.status?.images != new.status?.images { c.insert(.images) }
            self = c
        }
    }

    /// Whether this event could help a pod rejected by these plugins (upstream `EventsToRegister`,
    /// without queueing hints). A pod rejected for no known plugin is always retried.
    package func mayHelp(_ plugins: Set<PluginName>) -> Bool {
        if plugins.isEmpty || self == .unknown { return true }
        return plugins.contains { Self.interested($0, in: self) }
    }

    static func interested(_ plugin: PluginName, in event: ClusterEvent) -> Bool {
        switch (plugin, event) {
        case (_, .nodeAdded): return plugin != .defaultPreemption
        case (.nodeResourcesFit, .nodeUpdated(let c)): return c.contains(.allocatable)
        case (.nodeResourcesFit, .assignedPodDeleted), (.nodeResourcesFit, .assignedPodUpdated): return true
        case (.nodeAffinity, .nodeUpdated(let c)): return c.contains(.labels)
        case (.nodeUnschedulable, .nodeUpdated(let c)): return c.contains(.unschedulable) || c.contains(.taints)
        case (.taintToleration, .nodeUpdated(let c)): return c.contains(.taints) || c.contains(.labels)
        case (.nodePorts, .assignedPodDeleted): return true
        case (.interPodAffinity, .assignedPodAdded), (.interPodAffinity, .assignedPodUpdated),
             (.interPodAffinity, .assignedPodDeleted), (.interPodAffinity, .namespaceChanged): return true
        case (.interPodAffinity, .nodeUpdated(let c)): return c.contains(.labels)
        case (.podTopologySpread, .assignedPodAdded), (.podTopologySpread, .assignedPodUpdated),
             (.podTopologySpread, .assignedPodDeleted), (.podTopologySpread, .nodeDeleted): return true
        case (.podTopologySpread, .nodeUpdated(let c)): return c.contains(.labels) || c.contains(.taints)
        case (.volumeBinding, .volumeChanged), (.volumeZone, .volumeChanged): return true
        case (.volumeBinding, .nodeUpdated(let c)), (.volumeZone, .nodeUpdated(let c)): return c.contains(.labels)
        default: return false
        }
    }
}
