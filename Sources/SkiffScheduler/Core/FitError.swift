/// Why a pod fits no node (upstream `framework.FitError`), rendered exactly as upstream renders
/// it for the FailedScheduling event and the PodScheduled condition:
/// `0/5 nodes are available: 2 node(s) had untolerated taint(s), 3 Insufficient cpu. preemption: …`.
package struct FitError: Error, Sendable {
    package var numAllNodes: Int
    /// Set when a PreFilter plugin rejected the pod (then node statuses are not listed).
    package var preFilterMessage = ""
    /// Status per node that was filtered out.
    package var nodeStatuses: [String: Status] = [:]
    /// Status of nodes that were never looked at (a PreFilter narrowed the candidates).
    package var absentNodesStatus: Status?
    package var postFilterMessage = ""

    package init(numAllNodes: Int) {
        self.numAllNodes = numAllNodes
    }

    /// Plugins that rejected some node (the queue re-tries the pod on events these care about).
    package var unschedulablePlugins: Set<PluginName> {
        var set = Set(nodeStatuses.values.compactMap(\.plugin))
        if let p = absentNodesStatus?.plugin { set.insert(p) }
        return set
    }

    /// The status a node has in this error (explicit, or the absent-nodes status).
    package func status(of node: String) -> Status? {
        nodeStatuses[node] ?? absentNodesStatus
    }

    package var message: String {
        var msg = "0/\(numAllNodes) nodes are available:"
        if !preFilterMessage.isEmpty {
            msg += " \(preFilterMessage)."
        } else {
            var histogram: [String: Int] = [:]
            for status in nodeStatuses.values {
                for r in status.reasons { histogram[r, default: 0] += 1 }
            }
            let absent = numAllNodes - nodeStatuses.count
            if absent > 0, let s = absentNodesStatus {
                for r in s.reasons { histogram[r, default: 0] += absent }
            }
            // Go's sort.Strings over "count reason": byte order, count included.
            let parts = histogram.map { "\($0.value) \($0.key)" }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            if !parts.isEmpty { msg += " " + parts.joined(separator: ", ") + "." }
        }
        if !postFilterMessage.isEmpty { msg += " " + postFilterMessage }
        return msg
    }
}
