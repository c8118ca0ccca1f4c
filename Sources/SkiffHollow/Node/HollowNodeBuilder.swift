import Foundation
import SkiffAPI

/// Builds the Node and Lease objects a kubelet would register for hollow node `index`.
package struct HollowNodeBuilder: Sendable {
    package let config: HollowNodeConfig

    package init(config: HollowNodeConfig) {
        self.config = config
    }

    package static let hollowLabel = "hollow.skiff.dev/node"
    package static let leaseNamespace = "kube-node-lease"

    /// The InternalIP of the node holding subnet `subnetIndex` (unique as long as subnets are).
    package func internalIP(subnetIndex: Int) -> String {
        config.nodeIPRange.address(at: UInt64(subnetIndex % Int(max(config.nodeIPRange.size - 2, 1))) + 1) ?? "127.0.0.1"
    }

    /// The Node as registered: labels, taints, capacity and allocatable, addresses, node info and
    /// the kubelet's four conditions (Ready with reason KubeletReady).
    package func node(index: Int, podCIDR: IPv4CIDR, subnetIndex: Int, now: Date) -> CoreV1.Node {
        let name = config.nodeName(index)
        var labels = config.labels
        labels["kubernetes.io/hostname"] = name
        labels["kubernetes.io/os"] = "linux"
        labels["kubernetes.io/arch"] = config.architecture
        labels["beta.kubernetes.io/os"] = "linux"
        labels["beta.kubernetes.io/arch"] = config.architecture
        labels["topology.kubernetes.io/zone"] = config.zone(index)
        labels["topology.kubernetes.io/region"] = config.region
        if let instanceType = config.instanceType {
            labels["node.kubernetes.io/instance-type"] = instanceType
        }
        labels[Self.hollowLabel] = "true"
        let metadata = MetaV1.ObjectMeta(
            annotations: [
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            ],
            labels: labels, name: name)
        let spec = CoreV1.NodeSpec(
            podCIDR: podCIDR.description, podCIDRs: [podCIDR.description], providerID: "skiff-hollow://" + name,
            taints: config.taints.isEmpty ? nil : config.taints)
        return CoreV1.Node(apiVersion: "v1", kind: "Node", metadata: metadata, spec: spec,
                           status: status(name: name, index: index, subnetIndex: subnetIndex, now: now))
    }

    package func status(name: String, index: Int, subnetIndex: Int, now: Date) -> CoreV1.NodeStatus {
        let capacity: [String: Quantity] = [
            "cpu": config.cpu,
            "memory": config.memory,
            "pods": Quantity(Int64(config.pods)),
            "ephemeral-storage": config.ephemeralStorage,
            "hugepages-1Gi": Quantity(0),
            "hugepages-2Mi": Quantity(0),
        ]
        let machineID = Digest.hex("machine/" + name).prefix(32)
        let nodeInfo = CoreV1.NodeSystemInfo(
            architecture: config.architecture, bootID: String(Digest.hex("boot/" + name).prefix(32)),
            containerRuntimeVersion: "skiff://hollow", kernelVersion: "6.1.0-hollow",
            kubeProxyVersion: "", kubeletVersion: config.kubeletVersion, machineID: String(machineID),
            operatingSystem: "linux", osImage: "Skiff hollow node (Debian GNU/Linux 12)",
            swap: CoreV1.NodeSwapStatus(capacity: 0), systemUUID: String(machineID))
        return CoreV1.NodeStatus(
            addresses: [
                CoreV1.NodeAddress(address: internalIP(subnetIndex: subnetIndex), type: "InternalIP"),
                CoreV1.NodeAddress(address: name, type: "Hostname"),
            ],
            allocatable: capacity, capacity: capacity, conditions: Self.conditions(now: now, transition: now),
            daemonEndpoints: CoreV1.NodeDaemonEndpoints(kubeletEndpoint: CoreV1.DaemonEndpoint(Port: 10250)),
            nodeInfo: nodeInfo)
    }

    /// The kubelet's node conditions (pkg/kubelet/nodestatus/setters.go) with their reasons.
    package static func conditions(now: Date, transition: Date) -> [CoreV1.NodeCondition] {
        let heartbeat = KubeTime.format(now)
        let since = KubeTime.format(transition)
        return [
            CoreV1.NodeCondition(lastHeartbeatTime: heartbeat, lastTransitionTime: since,
                                 message: "kubelet has sufficient memory available", reason: "KubeletHasSufficientMemory",
                                 status: "False", type: "MemoryPressure"),
            CoreV1.NodeCondition(lastHeartbeatTime: heartbeat, lastTransitionTime: since,
                                 message: "kubelet has no disk pressure", reason: "KubeletHasNoDiskPressure",
                                 status: "False", type: "DiskPressure"),
            CoreV1.NodeCondition(lastHeartbeatTime: heartbeat, lastTransitionTime: since,
                                 message: "kubelet has sufficient PID available", reason: "KubeletHasSufficientPID",
                                 status: "False", type: "PIDPressure"),
            CoreV1.NodeCondition(lastHeartbeatTime: heartbeat, lastTransitionTime: since,
                                 message: "kubelet is posting ready status", reason: "KubeletReady",
                                 status: "True", type: "Ready"),
        ]
    }

    /// The node's Lease in kube-node-lease, owned by the Node so it goes when the Node does.
    package func lease(nodeName: String, nodeUID: String?, now: Date) -> CoordinationV1.Lease {
        var owners: [MetaV1.OwnerReference]?
        if let nodeUID {
            owners = [MetaV1.OwnerReference(apiVersion: "v1", kind: "Node", name: nodeName, uid: nodeUID)]
        }
        return CoordinationV1.Lease(
            apiVersion: "coordination.k8s.io/v1", kind: "Lease",
            metadata: MetaV1.ObjectMeta(name: nodeName, namespace: Self.leaseNamespace, ownerReferences: owners),
            spec: CoordinationV1.LeaseSpec(holderIdentity: nodeName, leaseDurationSeconds: config.leaseDurationSeconds,
                                           renewTime: KubeTime.formatMicro(now)))
    }
}
