import Foundation
import SkiffAPI
import SkiffClient

extension HollowNodeRunner {
    /// Creates or updates every Node (a node that exists keeps its podCIDR, which is immutable)
    /// and its Lease. Node subnets come from `config.podCIDR`, skipping those other nodes hold.
    func registerNodes() async throws {
        let existing = try await client.list(CoreV1.Node.self).items
        var byName: [String: CoreV1.Node] = [:]
        for node in existing { if let name = node.metadata?.name { byName[name] = node } }
        let names = nodeNames
        let ours = Set(names)
        let held = existing.filter { !ours.contains($0.metadata?.name ?? "") }.compactMap { $0.spec?.podCIDR.flatMap(IPv4CIDR.init) }
        var allocator = try PodCIDRAllocator(cluster: config.podCIDR, preferredMaskSize: config.nodeCIDRMaskSize,
                                             count: names.count, inUse: held)
        var plan: [(index: Int, cidr: IPv4CIDR, subnetIndex: Int, existing: CoreV1.Node?)] = []
        // Existing nodes keep their subnet; reserve those before handing out new ones.
        var kept: [Int: (IPv4CIDR, Int)] = [:]
        for (index, name) in names.enumerated() {
            if let cidr = byName[name]?.spec?.podCIDR.flatMap(IPv4CIDR.init), let subnet = allocator.reserve(cidr) {
                kept[index] = (cidr, subnet)
            }
        }
        for (index, name) in names.enumerated() {
            if let (cidr, subnet) = kept[index] {
                plan.append((index, cidr, subnet, byName[name]))
            } else if let (cidr, subnet) = allocator.allocate() {
                plan.append((index, cidr, subnet, byName[name]))
            } else {
                throw HollowConfigError("pod CIDR \(config.podCIDR) is exhausted; give a larger --pod-cidr")
            }
        }
        let registeredAt = now()
        try await forEach(plan, concurrency: options.registrationConcurrency) { item in
            let node = try await self.register(index: item.index, cidr: item.cidr, subnetIndex: item.subnetIndex,
                                               existing: item.existing, at: registeredAt)
            let name = self.config.nodeName(item.index)
            let record = NodeRecord(index: item.index, uid: node.metadata?.uid, hostIP: self.builder.internalIP(subnetIndex: item.subnetIndex),
                                    subnetIndex: item.subnetIndex, podCIDR: node.spec?.podCIDR.flatMap(IPv4CIDR.init) ?? item.cidr,
                                    registeredAt: registeredAt)
            self.state.withLock { state in
                state.nodes[name] = record
                state.ipAllocators[name] = PodIPAllocator(subnet: record.podCIDR ?? item.cidr)
                state.stats.nodesRegistered += 1
            }
            try await self.createOrRenewLease(name: name, nodeUID: node.metadata?.uid)
        }
    }

    private func register(index: Int, cidr: IPv4CIDR, subnetIndex: Int, existing: CoreV1.Node?, at time: Date) async throws -> CoreV1.Node {
        let desired = builder.node(index: index, podCIDR: cidr, subnetIndex: subnetIndex, now: time)
        var current = existing
        if current == nil {
            do {
                return try await client.create(desired)
            } catch let error as ClientError where error.isAlreadyExists {
                current = try await client.get(CoreV1.Node.self, desired.metadata?.name ?? "")
            }
        }
        guard var node = current else { return desired }
        // Re-registration: our labels and taints win, everything else (podCIDR, others' labels) stays.
        var labels = node.metadata?.labels ?? [:]
        for (key, value) in desired.metadata?.labels ?? [:] { labels[key] = value }
        node.metadata?.labels = labels
        node.spec?.taints = desired.spec?.taints
        if node.spec?.podCIDR == nil {
            node.spec?.podCIDR = desired.spec?.podCIDR
            node.spec?.podCIDRs = desired.spec?.podCIDRs
        }
        node.spec?.unschedulable = nil
        node = try await client.update(node)
        node.status = desired.status
        return try await client.updateStatus(node)
    }

    /// Runs `body` for every element with at most `concurrency` in flight; the first error wins.
    func forEach<Element: Sendable>(_ elements: [Element], concurrency: Int,
                                    _ body: @escaping @Sendable (Element) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = elements.makeIterator()
            for _ in 0 ..< max(concurrency, 1) {
                guard let element = iterator.next() else { break }
                group.addTask { try await body(element) }
            }
            while try await group.next() != nil {
                if let element = iterator.next() { group.addTask { try await body(element) } }
            }
        }
    }
}
