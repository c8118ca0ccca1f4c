/// Hands out node subnets (`spec.podCIDR`) from the cluster pod network, skipping those other
/// nodes already hold. Kubernetes does this in the node-IPAM controller; Skiff has none yet, so
/// each hollow-node process allocates for its own nodes after listing the existing ones.
package struct PodCIDRAllocator: Sendable {
    package let cluster: IPv4CIDR
    package let maskSize: Int
    private var used: Set<Int>
    private var cursor = 0

    /// `count` subnets must fit: the mask grows from `preferredMaskSize` (24) as needed, up to /30.
    package init(cluster: IPv4CIDR, preferredMaskSize: Int, count: Int, inUse: [IPv4CIDR] = []) throws(HollowConfigError) {
        var mask = max(preferredMaskSize, cluster.prefixLength)
        let needed = count + inUse.count
        while mask < 30, (UInt64(1) << UInt64(mask - cluster.prefixLength)) < UInt64(max(needed, 1)) { mask += 1 }
        guard (UInt64(1) << UInt64(mask - cluster.prefixLength)) >= UInt64(needed) else {
            throw HollowConfigError("pod CIDR \(cluster) cannot hold \(needed) node subnets; give a larger --pod-cidr")
        }
        self.cluster = cluster
        maskSize = mask
        used = Set(inUse.compactMap { cluster.subnetIndex(of: $0) })
    }

    /// The next free subnet and its index, or nil when the network is exhausted.
    package mutating func allocate() -> (cidr: IPv4CIDR, index: Int)? {
        let total = Int(min(UInt64(1) << UInt64(maskSize - cluster.prefixLength), UInt64(Int.max)))
        while cursor < total {
            let index = cursor
            cursor += 1
            if used.insert(index).inserted, let subnet = cluster.subnet(index, length: maskSize) {
                return (subnet, index)
            }
        }
        return nil
    }

    /// Marks a subnet taken (a node that already has one keeps it: podCIDR is immutable).
    package mutating func reserve(_ cidr: IPv4CIDR) -> Int? {
        guard let index = cluster.subnetIndex(of: cidr) else { return nil }
        used.insert(index)
        return index
    }
}

/// Pod addresses inside one node's subnet, as host-local IPAM hands them out: `.1` is the
/// bridge gateway, the network and broadcast addresses are never used, freed addresses are
/// reused last (round-robin from where the last allocation stopped).
package struct PodIPAllocator: Sendable {
    package let subnet: IPv4CIDR
    private var byPod: [String: UInt64] = [:]
    private var taken: Set<UInt64> = []
    private var next: UInt64 = 2

    package init(subnet: IPv4CIDR) {
        self.subnet = subnet
    }

    /// The pod's address (the same one again for the same pod); nil when the subnet is full.
    package mutating func allocate(podUID: String) -> String? {
        if let offset = byPod[podUID] { return subnet.address(at: offset) }
        let usable = subnet.size >= 4 ? subnet.size - 3 : 0
        guard UInt64(taken.count) < usable else { return nil }
        while true {
            if next >= subnet.size - 1 { next = 2 }
            let offset = next
            next += 1
            if taken.insert(offset).inserted {
                byPod[podUID] = offset
                return subnet.address(at: offset)
            }
        }
    }

    package mutating func release(podUID: String) {
        if let offset = byPod.removeValue(forKey: podUID) { taken.remove(offset) }
    }

    package var allocatedCount: Int { taken.count }
}
