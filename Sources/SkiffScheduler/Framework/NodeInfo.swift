import SkiffAPI

/// A node with what the scheduler has placed on it (upstream `framework.NodeInfo`): the pods
/// (including assumed ones), their summed requests, the host ports in use and the node's images.
/// A value type: the snapshot holds copies, so a scheduling cycle reads a stable view.
package struct NodeInfo: Sendable {
    /// The Node object, boxed: a CoreV1.Node holds dozens of references.
    private final class NodeBox: Sendable {
        let node: CoreV1.Node
        init(_ node: CoreV1.Node) { self.node = node }
    }

    /// Every field in one copy-on-write box: the filter and score loops copy a NodeInfo per node
    /// visited, on two workers at once, and a copy must cost one retain, not one per field
    /// (profiled: field-by-field copies were half of the decision core's time).
    /// `@unchecked`: mutated only through `NodeInfo`'s mutating members after `unique()`, i.e.
    /// when no other NodeInfo (and so no other thread) can see it.
    private final class Storage: @unchecked Sendable {
        var box: NodeBox?
        var name: String
        var labels: [String: String] = [:]
        var taints: [CoreV1.Taint] = []
        var unschedulable = false
        var allocatable = Resource()
        var imageSizes: [String: Int64] = [:]
        var pods: [PodInfo] = []
        var requested = Resource()
        var nonZeroMilliCPU: Int64 = 0
        var nonZeroMemory: Int64 = 0
        var usedPorts: [HostPort] = []
        var podsWithAffinity = 0
        var podsWithRequiredAntiAffinity = 0
        var generation: Int64 = 0

        init(name: String) { self.name = name }

        func copy() -> Storage {
            let c = Storage(name: name)
            c.box = box
            c.labels = labels
            c.taints = taints
            c.unschedulable = unschedulable
            c.allocatable = allocatable
            c.imageSizes = imageSizes
            c.pods = pods
            c.requested = requested
            c.nonZeroMilliCPU = nonZeroMilliCPU
            c.nonZeroMemory = nonZeroMemory
            c.usedPorts = usedPorts
            c.podsWithAffinity = podsWithAffinity
            c.podsWithRequiredAntiAffinity = podsWithRequiredAntiAffinity
            c.generation = generation
            return c
        }
    }

    private var s: Storage

    private mutating func unique() {
        if !isKnownUniquelyReferenced(&s) { s = s.copy() }
    }

    package var node: CoreV1.Node? { s.box?.node }
    package var name: String { s.name }
    package var labels: [String: String] { s.labels }
    package var taints: [CoreV1.Taint] { s.taints }
    package var unschedulable: Bool { s.unschedulable }
    package var allocatable: Resource { s.allocatable }
    /// Image name → size in bytes, from `status.images` (every name of an image).
    package var imageSizes: [String: Int64] { s.imageSizes }

    package var pods: [PodInfo] { s.pods }
    package var requested: Resource { s.requested }
    package var nonZeroMilliCPU: Int64 { s.nonZeroMilliCPU }
    package var nonZeroMemory: Int64 { s.nonZeroMemory }
    package var usedPorts: [HostPort] { s.usedPorts }
    /// Pods with any (anti-)affinity term, and those with required anti-affinity (InterPodAffinity fast paths).
    package var podsWithAffinity: Int { s.podsWithAffinity }
    package var podsWithRequiredAntiAffinity: Int { s.podsWithRequiredAntiAffinity }
    /// Bumped on every change; the snapshot copies only nodes whose generation moved.
    package var generation: Int64 {
        get { s.generation }
        set {
            unique()
            s.generation = newValue
        }
    }

    package init(name: String) {
        s = Storage(name: name)
    }

    package init(node: CoreV1.Node) {
        s = Storage(name: node.metadata?.name ?? "")
        setNode(node)
    }

    package mutating func setNode(_ node: CoreV1.Node) {
        unique()
        let s = self.s
        s.box = NodeBox(node)
        s.name = node.metadata?.name ?? s.name
        s.labels = node.metadata?.labels ?? [:]
        s.taints = node.spec?.taints ?? []
        s.unschedulable = node.spec?.unschedulable ?? false
        s.allocatable = Resource(node.status?.allocatable)
        var images: [String: Int64] = [:]
        for image in node.status?.images ?? [] {
            for n in image.names ?? [] { images[n] = image.sizeBytes ?? 0 }
        }
        s.imageSizes = images
    }

    package mutating func removeNode() {
        unique()
        s.box = nil
    }

    package mutating func addPod(_ pod: PodInfo) {
        unique()
        s.pods.append(pod)
        account(pod, sign: 1)
    }

    /// Removes the pod with this UID; false if it was not here.
    @discardableResult
    package mutating func removePod(uid: String) -> Bool {
        guard let i = s.pods.firstIndex(where: { $0.uid == uid }) else { return false }
        unique()
        let pod = s.pods.remove(at: i)
        account(pod, sign: -1)
        return true
    }

    /// Called after `unique()`.
    private mutating func account(_ pod: PodInfo, sign: Int64) {
        let s = self.s
        if sign > 0 {
            s.requested.add(pod.requests.request)
        } else {
            s.requested.subtract(pod.requests.request)
        }
        s.nonZeroMilliCPU &+= sign &* pod.requests.nonZeroMilliCPU
        s.nonZeroMemory &+= sign &* pod.requests.nonZeroMemory
        if pod.hasAffinityTerms { s.podsWithAffinity += Int(sign) }
        if !pod.requiredAntiAffinityTerms.isEmpty { s.podsWithRequiredAntiAffinity += Int(sign) }
        for p in pod.hostPorts {
            if sign > 0 {
                s.usedPorts.append(p)
            } else if let i = s.usedPorts.firstIndex(of: p) {
                s.usedPorts.remove(at: i)
            }
        }
    }

    /// Upstream `HostPortInfo.CheckConflict`: 0.0.0.0 conflicts with every address.
    package func portConflicts(_ want: HostPort) -> Bool {
        for used in s.usedPorts where used.port == want.port && used.proto == want.proto {
            if want.ip == "0.0.0.0" || used.ip == "0.0.0.0" || used.ip == want.ip { return true }
        }
        return false
    }
}
