import Foundation
import SkiffAPI
import Testing
@testable import SkiffHollow

@Suite("Hollow node objects", .timeLimit(.minutes(1)))
struct HollowNodeTests {
    let t0 = Fixture.t0

    func builder(count: Int = 6, zones: Int = 3) throws -> HollowNodeBuilder {
        var config = HollowNodeConfig(count: count, cpu: Quantity(32), memory: try Quantity(parsing: "256Gi"), pods: 110, zones: zones)
        config.labels = ["team": "a"]
        config.taints = try HollowNodeConfig.parseTaints("dedicated=infra:NoSchedule,spot:PreferNoSchedule")
        return HollowNodeBuilder(config: config)
    }

    @Test("a node carries the kubelet's labels, zones spread round-robin, and the given labels and taints")
    func labelsAndTaints() throws {
        let builder = try builder()
        let node = builder.node(index: 4, podCIDR: IPv4CIDR("10.42.4.0/24")!, subnetIndex: 4, now: t0)
        let labels = try #require(node.metadata?.labels)
        #expect(node.metadata?.name == "hollow-4")
        #expect(labels["kubernetes.io/hostname"] == "hollow-4")
        #expect(labels["kubernetes.io/os"] == "linux")
        #expect(labels["kubernetes.io/arch"] == HollowNodeConfig.hostArchitecture)
        #expect(labels["topology.kubernetes.io/zone"] == "zone-1")
        #expect(labels["node.kubernetes.io/instance-type"] == "hollow")
        #expect(labels["team"] == "a")
        #expect(node.spec?.taints == [
            CoreV1.Taint(effect: "NoSchedule", key: "dedicated", value: "infra"),
            CoreV1.Taint(effect: "PreferNoSchedule", key: "spot"),
        ])
        #expect(node.spec?.podCIDR == "10.42.4.0/24")
        #expect(node.spec?.podCIDRs == ["10.42.4.0/24"])
        let zones = (0 ..< 6).map { builder.config.zone($0) }
        #expect(zones == ["zone-0", "zone-1", "zone-2", "zone-0", "zone-1", "zone-2"])
    }

    @Test("capacity and allocatable come from the flags; Ready is True with reason KubeletReady")
    func statusAndConditions() throws {
        let node = try builder().node(index: 0, podCIDR: IPv4CIDR("10.42.0.0/24")!, subnetIndex: 0, now: t0)
        let status = try #require(node.status)
        #expect(status.capacity?["cpu"] == Quantity(32))
        #expect(status.capacity?["memory"] == (try Quantity(parsing: "256Gi")))
        #expect(status.capacity?["pods"] == Quantity(110))
        #expect(status.allocatable == status.capacity)
        let ready = try #require(status.conditions?.first { $0.type == "Ready" })
        #expect(ready.status == "True")
        #expect(ready.reason == "KubeletReady")
        #expect(ready.message == "kubelet is posting ready status")
        #expect(status.conditions?.map(\.type) == ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"])
        #expect(status.conditions?.filter { $0.type != "Ready" }.allSatisfy { $0.status == "False" } == true)
        #expect(status.nodeInfo?.kubeletVersion?.hasPrefix("v1.37.") == true)
        #expect(status.nodeInfo?.containerRuntimeVersion?.hasPrefix("skiff://") == true)
        #expect(status.nodeInfo?.operatingSystem == "linux")
        #expect(status.addresses == [
            CoreV1.NodeAddress(address: "172.16.0.1", type: "InternalIP"),
            CoreV1.NodeAddress(address: "hollow-0", type: "Hostname"),
        ])
        #expect(status.daemonEndpoints?.kubeletEndpoint?.Port == 10250)
    }

    @Test("a node's Lease lives in kube-node-lease, is held by the node and owned by it")
    func lease() throws {
        let lease = try builder().lease(nodeName: "hollow-0", nodeUID: "n-uid", now: t0)
        #expect(lease.metadata?.namespace == "kube-node-lease")
        #expect(lease.metadata?.name == "hollow-0")
        #expect(lease.spec?.holderIdentity == "hollow-0")
        #expect(lease.spec?.leaseDurationSeconds == 40)
        #expect(lease.spec?.renewTime == KubeTime.formatMicro(t0))
        #expect(lease.metadata?.ownerReferences?.first?.kind == "Node")
        #expect(lease.metadata?.ownerReferences?.first?.uid == "n-uid")
    }

    @Test("bad taints and labels are rejected with the item named")
    func badFlags() {
        #expect(throws: HollowConfigError.self) { try HollowNodeConfig.parseTaints("a=b:Sometimes") }
        #expect(throws: HollowConfigError.self) { try HollowNodeConfig.parseTaints("=b:NoSchedule") }
        #expect(throws: HollowConfigError.self) { try HollowNodeConfig.parseLabels("novalue") }
        #expect((try? HollowNodeConfig.parseLabels("a=1,b=")) == ["a": "1", "b": ""])
    }
}

@Suite("Pod networks and lease schedule", .timeLimit(.minutes(1)))
struct HollowNetworkTests {
    @Test("node subnets are /24s of the pod CIDR, skipping ones already in use")
    func nodeSubnets() throws {
        var allocator = try PodCIDRAllocator(cluster: IPv4CIDR("10.42.0.0/16")!, preferredMaskSize: 24, count: 3,
                                             inUse: [IPv4CIDR("10.42.1.0/24")!])
        #expect(allocator.maskSize == 24)
        #expect(allocator.allocate()?.cidr.description == "10.42.0.0/24")
        #expect(allocator.allocate()?.cidr.description == "10.42.2.0/24")
        #expect(allocator.allocate()?.index == 3)
    }

    @Test("more nodes than /24s fit get longer prefixes; too many is an error naming the flag")
    func moreNodes() throws {
        let allocator = try PodCIDRAllocator(cluster: IPv4CIDR("10.42.0.0/16")!, preferredMaskSize: 24, count: 5000)
        #expect(allocator.maskSize == 29)
        var big = try PodCIDRAllocator(cluster: IPv4CIDR("10.0.0.0/8")!, preferredMaskSize: 24, count: 5000)
        #expect(big.maskSize == 24)
        #expect(big.allocate()?.cidr.description == "10.0.0.0/24")
        #expect(throws: HollowConfigError.self) {
            try PodCIDRAllocator(cluster: IPv4CIDR("10.42.0.0/24")!, preferredMaskSize: 24, count: 100)
        }
    }

    @Test("pod IPs start at .2, stay with their pod, are reused after release and run out")
    func podIPs() throws {
        var ips = PodIPAllocator(subnet: IPv4CIDR("10.42.7.0/29")!)
        #expect(ips.allocate(podUID: "a") == "10.42.7.2")
        #expect(ips.allocate(podUID: "a") == "10.42.7.2")
        #expect(ips.allocate(podUID: "b") == "10.42.7.3")
        for uid in ["c", "d", "e"] { #expect(ips.allocate(podUID: uid) != nil) }
        #expect(ips.allocate(podUID: "f") == nil)
        ips.release(podUID: "b")
        #expect(ips.allocate(podUID: "f") == "10.42.7.3")
    }

    @Test("CIDR parsing rejects malformed input")
    func cidrParsing() {
        #expect(IPv4CIDR("10.42.3.7/16")?.description == "10.42.0.0/16")
        #expect(IPv4CIDR("10.42.0.0") == nil)
        #expect(IPv4CIDR("10.42.0.256/16") == nil)
        #expect(IPv4CIDR("10.42.0.0/33") == nil)
        #expect(IPv4CIDR("a.b.c.d/8") == nil)
    }

    @Test("lease renewals are spread evenly over the period")
    func leaseSpread() {
        let origin = Fixture.t0
        let schedule = LeaseSchedule(period: 10, count: 4, origin: origin)
        #expect((0 ..< 4).map(schedule.offset) == [0, 2.5, 5, 7.5])
        #expect(schedule.nextRenewal(of: 1, after: origin) == origin.addingTimeInterval(2.5))
        #expect(schedule.nextRenewal(of: 1, after: origin.addingTimeInterval(2.5)) == origin.addingTimeInterval(12.5))
        #expect(schedule.due(from: origin, to: origin.addingTimeInterval(10)) == [1, 2, 3, 0])
    }

    @Test("images are reported fully qualified with a digest-shaped image ID")
    func images() {
        #expect(Digest.normalizedImage("nginx") == "docker.io/library/nginx:latest")
        #expect(Digest.normalizedImage("nginx:1.27") == "docker.io/library/nginx:1.27")
        #expect(Digest.normalizedImage("user/app") == "docker.io/user/app:latest")
        #expect(Digest.normalizedImage("registry.k8s.io/pause:3.10") == "registry.k8s.io/pause:3.10")
        #expect(Digest.normalizedImage("localhost:5000/app") == "localhost:5000/app:latest")
        #expect(Digest.imageID("nginx:1.27").hasPrefix("docker.io/library/nginx@sha256:"))
        #expect(Digest.imageID("localhost:5000/app").hasPrefix("localhost:5000/app@sha256:"))
    }
}
