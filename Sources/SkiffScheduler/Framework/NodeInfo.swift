import SkiffAPI

/// A node with what the scheduler has placed on it (upstream `framework.NodeInfo`): the pods
/// (including assumed ones), their summed requests, the host ports in use and the node's images.
/// A value type: the snapshot holds copies, so a scheduling cycle reads a stable view.
package struct NodeInfo: Sendable {
    package private(set) var node: CoreV1.Node?
    package private(set) var name: String
    package private(set) var labels: [String: String] = [:]
    package private(set) var taints: [CoreV1.Taint] = []
    package private(set) var unschedulable = false
    package private(set) var allocatable = Resource()
    /// Image name → size in bytes, from `status.images` (every name of an image).
    package private(set) var imageSizes: [String: Int64] = [:]

    package private(set) var pods: [PodInfo] = []
    package private(set) var requested = Resource()
    package private(set) var nonZeroMilliCPU: Int64 = 0
    package private(set) var nonZeroMemory: Int64 = 0
    package private(set) var usedPorts: [HostPort] = []
    /// Pods with any (anti-)affinity term, and those with required anti-affinity (InterPodAffinity fast paths).
    package private(set) var podsWithAffinity = 0
    package private(set) var podsWithRequiredAntiAffinity = 0
    /// Bumped on every change; the snapshot copies only nodes whose generation moved.
    package var generation: Int64 = 0

    package init(name: String) {
        self.name = name
    }

    package init(node: CoreV1.Node) {
        self.name = node.metadata?.name ?? ""
        setNode(node)
    }

    package mutating func setNode(_ node: CoreV1.Node) {
        self.node = node
        name = node.metadata?.name ?? name
        labels = node.metadata?.labels ?? [:]
        taints = node.spec?.taints ?? []
        unschedulable = node.spec?.unschedulable ?? false
        allocatable = Resource(node.status?.allocatable)
        var images: [String: Int64] = [:]
        for image in node.status?.images ?? [] {
            for n in image.names ?? [] { images[n] = image.sizeBytes ?? 0 }
        }
        imageSizes = images
    }

    package mutating func removeNode() {
        node = nil
    }

    package mutating func addPod(_ pod: PodInfo) {
        pods.append(pod)
        account(pod, sign: 1)
    }

    /// Removes the pod with this UID; false if it was not here.
    @discardableResult
    package mutating func removePod(uid: String) -> Bool {
        guard let i = pods.firstIndex(where: { $0.uid == uid }) else { return false }
        let pod = pods.remove(at: i)
        account(pod, sign: -1)
        return true
    }

    private mutating func account(_ pod: PodInfo, sign: Int64) {
        if sign > 0 {
            requested.add(pod.requests.request)
        } else {
            requested.subtract(pod.requests.request)
        }
        nonZeroMilliCPU &+= sign &* pod.requests.nonZeroMilliCPU
        nonZeroMemory &+= sign &* pod.requests.nonZeroMemory
        if pod.hasAffinityTerms { podsWithAffinity += Int(sign) }
        if !pod.requiredAntiAffinityTerms.isEmpty { podsWithRequiredAntiAffinity += Int(sign) }
        for p in pod.hostPorts {
            if sign > 0 {
                usedPorts.append(p)
            } else if let i = usedPorts.firstIndex(of: p) {
                usedPorts.remove(at: i)
            }
        }
    }

    /// Upstream `HostPortInfo.CheckConflict`: 0.0.0.0 conflicts with every address.
    package func portConflicts(_ want: HostPort) -> Bool {
        for used in usedPorts where used.port == want.port && used.proto == want.proto {
            if want.ip == "0.0.0.0" || used.ip == "0.0.0.0" || used.ip == want.ip { return true }
        }
        return false
    }
}
