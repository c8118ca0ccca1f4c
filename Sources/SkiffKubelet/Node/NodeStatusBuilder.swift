import Foundation
import SkiffAPI
import SkiffRuntime

/// Builds the Node object and its status from the machine, the configuration and the image
/// store (the kubelet's nodestatus setters). Pure: the time and the inputs are passed in.
struct NodeStatusBuilder: Sendable {
    let config: KubeletConfig
    let machine: MachineInfo
    let nodeIP: String

    static let leaseNamespace = "kube-node-lease"

    /// Labels the kubelet sets on its Node (kubelet_node_status.go initialNode).
    func labels() -> [String: String] {
        var labels = config.nodeLabels
        labels["kubernetes.io/hostname"] = config.nodeName
        labels["kubernetes.io/os"] = "linux"
        labels["kubernetes.io/arch"] = machine.architecture
        labels["beta.kubernetes.io/os"] = "linux"
        labels["beta.kubernetes.io/arch"] = machine.architecture
        return labels
    }

    /// The Node a first registration creates.
    func initialNode(images: [ImageRecord], now: Date) -> CoreV1.Node {
        let metadata = MetaV1.ObjectMeta(
            annotations: ["node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"],
            labels: labels(), name: config.nodeName)
        let cidr = config.podCIDR.isEmpty ? nil : config.podCIDR
        let spec = CoreV1.NodeSpec(podCIDR: cidr, podCIDRs: cidr.map { [$0] })
        return CoreV1.Node(apiVersion: "v1", kind: "Node", metadata: metadata, spec: spec,
                           status: status(images: images, previous: nil, now: now))
    }

    func capacity() -> [String: Quantity] {
        [
            "cpu": Quantity(Int64(machine.cpuCores)),
            "memory": Quantity(machine.memoryBytes, format: .binarySI),
            "ephemeral-storage": Quantity(machine.ephemeralStorageBytes, format: .binarySI),
            "pods": Quantity(Int64(config.maxPods)),
            "hugepages-1Gi": Quantity(0),
            "hugepages-2Mi": Quantity(0),
        ]
    }

    /// Capacity minus kube-reserved/system-reserved, and memory also minus the hard eviction
    /// threshold (never below zero), as the kubelet's node allocatable.
    func allocatable() -> [String: Quantity] {
        var result = capacity()
        for (name, value) in result {
            var reserved = config.reserved[name] ?? Quantity(0)
            if name == "memory" { reserved = reserved.adding(config.evictionHardMemory) ?? reserved }
            guard !reserved.isZero else { continue }
            if name == "cpu" {
                let milli = max(value.milliValue - reserved.milliValue, 0)
                result[name] = milli % 1000 == 0 ? Quantity(milli / 1000) : Quantity(milli: milli)
            } else {
                result[name] = Quantity(max(value.value - reserved.value, 0), format: value.format)
            }
        }
        return result
    }

    /// The full status. Condition transition times carry over from `previous` while a
    /// condition keeps its status; heartbeats are `now`.
    func status(images: [ImageRecord], previous: CoreV1.NodeStatus?, now: Date) -> CoreV1.NodeStatus {
        let nodeInfo = CoreV1.NodeSystemInfo(
            architecture: machine.architecture, bootID: machine.bootID, containerRuntimeVersion: "skiff://1.0.0",
            kernelVersion: machine.kernelVersion, kubeProxyVersion: "", kubeletVersion: config.kubeletVersion,
            machineID: machine.machineID, operatingSystem: "linux", osImage: machine.osImage,
            swap: CoreV1.NodeSwapStatus(capacity: 0), systemUUID: machine.systemUUID)
        return CoreV1.NodeStatus(
            addresses: [
                CoreV1.NodeAddress(address: nodeIP, type: "InternalIP"),
                CoreV1.NodeAddress(address: machine.hostname.isEmpty ? config.nodeName : machine.hostname, type: "Hostname"),
            ],
            allocatable: allocatable(), capacity: capacity(),
            conditions: conditions(previous: previous?.conditions ?? [], now: now),
            daemonEndpoints: CoreV1.NodeDaemonEndpoints(kubeletEndpoint: CoreV1.DaemonEndpoint(Port: config.kubeletPort)),
            images: Self.nodeImages(images), nodeInfo: nodeInfo)
    }

    /// Images as the node reports them: names are repoDigests then repoTags, largest first, at
    /// most 50 (nodeStatusMaxImages).
    static func nodeImages(_ images: [ImageRecord]) -> [CoreV1.ContainerImage]? {
        let sorted = images.sorted { $0.size > $1.size }.prefix(50)
        let result = sorted.map { CoreV1.ContainerImage(names: $0.repoDigests + $0.repoTags, sizeBytes: $0.size) }
        return result.isEmpty ? nil : Array(result)
    }

    /// The four kubelet conditions with upstream reasons and messages (nodestatus/setters.go).
    func conditions(previous: [CoreV1.NodeCondition], now: Date) -> [CoreV1.NodeCondition] {
        func make(_ type: String, _ status: String, _ reason: String, _ message: String) -> CoreV1.NodeCondition {
            let before = previous.first { $0.type == type }
            let transition = before?.status == status ? (before?.lastTransitionTime ?? KubeTime.format(now)) : KubeTime.format(now)
            return CoreV1.NodeCondition(lastHeartbeatTime: KubeTime.format(now), lastTransitionTime: transition,
                                        message: message, reason: reason, status: status, type: type)
        }
        return [
            make("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            make("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            make("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            make("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]
    }

    /// Whether two statuses differ in more than heartbeat times (a change is written at once).
    static func differsBeyondHeartbeat(_ a: CoreV1.NodeStatus?, _ b: CoreV1.NodeStatus) -> Bool {
        guard var a else { return true }
        var b = b
        a.conditions = a.conditions?.map { var c = $0; c.lastHeartbeatTime = nil; return c }
        b.conditions = b.conditions?.map { var c = $0; c.lastHeartbeatTime = nil; return c }
        return a != b
    }

    func lease(nodeUID: String?, now: Date) -> CoordinationV1.Lease {
        let owners = nodeUID.map { [MetaV1.OwnerReference(apiVersion: "v1", kind: "Node", name: config.nodeName, uid: $0)] }
        return CoordinationV1.Lease(
            apiVersion: "coordination.k8s.io/v1", kind: "Lease",
            metadata: MetaV1.ObjectMeta(name: config.nodeName, namespace: Self.leaseNamespace, ownerReferences: owners),
            spec: CoordinationV1.LeaseSpec(holderIdentity: config.nodeName, leaseDurationSeconds: config.leaseDurationSeconds,
                                           renewTime: KubeTime.formatMicro(now)))
    }
}
