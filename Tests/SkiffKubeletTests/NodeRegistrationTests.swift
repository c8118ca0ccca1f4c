import Foundation
import SkiffAPI
import SkiffClient
import Testing
@testable import SkiffKubelet

@Suite("Node registration, status and Lease", .timeLimit(.minutes(2)))
struct NodeRegistrationTests {
    @Test("the kubelet registers its Node with addresses, capacity, allocatable minus reserved, nodeInfo, images, podCIDR and KubeletReady")
    func registers() async throws {
        try await KubeletHarness.with { h in
            let node = try await h.client.get(CoreV1.Node.self, KubeletHarness.nodeName)
            let status = try #require(node.status)
            #expect(status.addresses?.contains(CoreV1.NodeAddress(address: "192.0.2.10", type: "InternalIP")) == true)
            #expect(status.addresses?.contains { $0.type == "Hostname" } == true)
            #expect(status.capacity?["cpu"] == Quantity(4))
            #expect(status.allocatable?["cpu"] == Quantity(milli: 3500))
            // 8Gi - 1Gi reserved - 100Mi hard eviction threshold.
            let gi: Int64 = 1024 * 1024 * 1024
            let expected: Int64 = 8 * gi - gi - 100 * 1024 * 1024
            #expect(status.allocatable?["memory"]?.value == expected)
            #expect(status.capacity?["pods"] == Quantity(110))
            #expect(status.nodeInfo?.containerRuntimeVersion?.hasPrefix("skiff://") == true)
            #expect(status.nodeInfo?.kernelVersion == "6.1.0-test")
            #expect(status.nodeInfo?.osImage == "Debian GNU/Linux 12 (bookworm)")
            #expect(status.images?.first?.names?.contains("docker.io/library/busybox:1.36") == true)
            #expect(status.daemonEndpoints?.kubeletEndpoint?.Port == 10250)
            #expect(node.spec?.podCIDR == "10.244.1.0/24")
            #expect(node.metadata?.labels?["kubernetes.io/hostname"] == KubeletHarness.nodeName)
            let ready = status.conditions?.first { $0.type == "Ready" }
            #expect(ready?.status == "True")
            #expect(ready?.reason == "KubeletReady")
            let types = status.conditions?.compactMap(\.type) ?? []
            #expect(Set(types) == ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"])
            #expect(status.conditions?.first { $0.type == "MemoryPressure" }?.reason == "KubeletHasSufficientMemory")
        }
    }

    @Test("the Lease in kube-node-lease is owned by the Node and renewed")
    func renewsLease() async throws {
        try await KubeletHarness.with { h in
            let lease = try await h.client.get(CoordinationV1.Lease.self, KubeletHarness.nodeName, namespace: "kube-node-lease")
            #expect(lease.spec?.holderIdentity == KubeletHarness.nodeName)
            #expect(lease.spec?.leaseDurationSeconds == 40)
            #expect(lease.metadata?.ownerReferences?.first?.kind == "Node")
            let first = lease.spec?.renewTime
            #expect(try await eventually {
                let again = try await h.client.get(CoordinationV1.Lease.self, KubeletHarness.nodeName, namespace: "kube-node-lease")
                return again.spec?.renewTime != first
            })
        }
    }

    @Test("a node status change is written without waiting for the report interval")
    func writesStatusOnChange() async throws {
        try await KubeletHarness.with { h in
            _ = try await h.runtime.pullImage("nginx:1.27", credentials: nil)
            #expect(try await eventually {
                let node = try await h.client.get(CoreV1.Node.self, KubeletHarness.nodeName)
                return node.status?.images?.contains { $0.names?.contains("docker.io/library/nginx:1.27") == true } == true
            })
        }
    }

    @Test("allocatable never goes below zero")
    func allocatableFloor() {
        var config = KubeletHarness.config(root: "/tmp/unused")
        config.reserved = ["cpu": Quantity(64), "memory": Quantity(1 << 40, format: .binarySI)]
        let builder = NodeStatusBuilder(config: config, machine: KubeletHarness.machine, nodeIP: "192.0.2.10")
        #expect(builder.allocatable()["cpu"] == Quantity(0))
        #expect(builder.allocatable()["memory"]?.value == 0)
    }
}
