import SkiffAPI
import SkiffClient

/// The cluster as one scheduling cycle sees it (upstream `cache.Snapshot`): node infos in a
/// stable order plus the cluster-wide lookups the plugins need. Filters and scores read it from
/// several tasks at once; it is never mutated during a cycle.
package struct Snapshot: Sendable {
    package private(set) var nodes: [NodeInfo] = []
    package private(set) var index: [String: Int] = [:]
    /// Image name → how many nodes have it (ImageLocality's spread factor).
    package var imageNodeCounts: [String: Int] = [:]
    /// Namespace name → labels (namespaceSelector of affinity terms).
    package var namespaceLabels: [String: [String: String]] = [:]
    /// Node name → pods nominated to it (their preemption victims are on their way out).
    package var nominatedPods: [String: [PodInfo]] = [:]
    package var volumes = VolumeListers()
    package var pdbs: [PodDisruptionBudgetInfo] = []
    /// Generation of the cache this snapshot last caught up with.
    package var generation: Int64 = -1
    /// Indices of nodes with pods that have any (anti-)affinity term, and with pods that have
    /// required anti-affinity (upstream `HavePodsWithAffinityNodeInfoList` /
    /// `HavePodsWithRequiredAntiAffinityNodeInfoList`): InterPodAffinity visits only these
    /// unless the incoming pod has terms of its own, instead of copying every NodeInfo per cycle.
    package private(set) var nodesWithAffinityPods: [Int] = []
    package private(set) var nodesWithRequiredAntiAffinityPods: [Int] = []

    package init() {}

    /// A snapshot of these nodes and pods (tests, benchmarks).
    package init(nodes: [CoreV1.Node], pods: [CoreV1.Pod] = []) {
        var cache = SchedulerCache()
        for n in nodes { cache.addNode(n) }
        for p in pods { cache.addPod(PodInfo(p)) }
        self.init()
        cache.updateSnapshot(&self)
    }

    package func nodeInfo(_ name: String) -> NodeInfo? {
        index[name].map { nodes[$0] }
    }

    package var count: Int { nodes.count }

    /// Recomputes the affinity index lists (reads two integers per node, copies no NodeInfo).
    mutating func reindexAffinity() {
        nodesWithAffinityPods.removeAll(keepingCapacity: true)
        nodesWithRequiredAntiAffinityPods.removeAll(keepingCapacity: true)
        for i in nodes.indices {
            if nodes[i].podsWithAffinity > 0 { nodesWithAffinityPods.append(i) }
            if nodes[i].podsWithRequiredAntiAffinity > 0 { nodesWithRequiredAntiAffinityPods.append(i) }
        }
    }

    mutating func replace(_ info: NodeInfo) {
        if let i = index[info.name] {
            nodes[i] = info
        } else {
            index[info.name] = nodes.count
            nodes.append(info)
        }
    }

    mutating func remove(_ name: String) {
        guard let i = index.removeValue(forKey: name) else { return }
        nodes.remove(at: i)
        for j in i ..< nodes.count { index[nodes[j].name] = j }
    }
}

/// A PodDisruptionBudget reduced to what preemption needs.
package struct PodDisruptionBudgetInfo: Sendable {
    package var namespace: String
    package var selector: LabelSelector
    package var disruptionsAllowed: Int32
    package var disruptedPods: Set<String>

    package init(namespace: String, selector: LabelSelector, disruptionsAllowed: Int32, disruptedPods: Set<String> = []) {
        self.namespace = namespace
        self.selector = selector
        self.disruptionsAllowed = disruptionsAllowed
        self.disruptedPods = disruptedPods
    }

    package init(_ pdb: PolicyV1.PodDisruptionBudget) {
        self.init(namespace: pdb.metadata?.namespace ?? "",
                  selector: LabelSelector(pdb.spec?.selector),
                  disruptionsAllowed: pdb.status?.disruptionsAllowed ?? 0,
                  disruptedPods: Set((pdb.status?.disruptedPods ?? [:]).keys))
    }
}

/// PVCs, PVs and StorageClasses by name, for the volume filters.
package struct VolumeListers: Sendable {
    /// "namespace/name" → claim.
    package var claims: [String: CoreV1.PersistentVolumeClaim] = [:]
    package var volumes: [String: CoreV1.PersistentVolume] = [:]
    package var storageClasses: [String: StorageV1.StorageClass] = [:]

    package init() {}
}
