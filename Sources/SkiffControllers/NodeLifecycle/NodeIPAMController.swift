import Foundation
import Logging
import SkiffAPI
import SkiffClient
import Synchronization

/// kube-controller-manager's `nodeipam` (range allocator): each node without a pod CIDR gets
/// the first free subnet of `--cluster-cidr` (a /24 of an IPv4 range, as --node-cidr-mask-size).
final class NodeIPAMController: Reconciler {
    let client: Client
    let nodes: Lister<CoreV1.Node>
    let allocator: CIDRAllocator
    let logger = Logger(label: "skiff.controller.nodeipam")
    /// Subnets handed out whose node update the cache has not shown yet.
    private let pending = Mutex<[String: String]>([:])

    init(factory: SharedInformerFactory, allocator: CIDRAllocator) {
        client = factory.client
        nodes = factory.informer(CoreV1.Node.self).lister
        self.allocator = allocator
    }

    static func make(factory: SharedInformerFactory, clusterCIDR: String, maskSize: Int = 24) -> Controller? {
        guard let allocator = CIDRAllocator(cidr: clusterCIDR, maskSize: maskSize) else { return nil }
        let r = NodeIPAMController(factory: factory, allocator: allocator)
        // One worker: allocation reads the used set, then writes.
        let c = Controller(name: "nodeipam", reconciler: r, workers: 1, logger: r.logger)
        c.watch(factory.informer(CoreV1.Node.self))
        return c
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        guard let node = nodes.get(key.name) else {
            pending.withLock { _ = $0.removeValue(forKey: key.name) }
            return nil
        }
        if let cidr = node.spec?.podCIDR, !cidr.isEmpty {
            pending.withLock { _ = $0.removeValue(forKey: key.name) }
            return nil
        }
        let used = Set(nodes.list().compactMap { $0.spec?.podCIDR }).union(pending.withLock { Set($0.values) })
        guard let cidr = allocator.first(notIn: used) else {
            logger.error("node \(key.name): no pod CIDR left in \(allocator.description)")
            return .after(.seconds(30))
        }
        pending.withLock { $0[key.name] = cidr }
        let patch = Patch(.merge, .object(["spec": .object(["podCIDR": .string(cidr), "podCIDRs": .array([.string(cidr)])])]))
        do {
            _ = try await client.patch(CoreV1.Node.self, key.name, patch)
        } catch let e as ClientError where e.isNotFound {}
        return nil
    }
}

/// Subnets of an IPv4 range.
struct CIDRAllocator: Sendable, CustomStringConvertible {
    let base: UInt32
    let prefix: Int
    let maskSize: Int

    init?(cidr: String, maskSize: Int) {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix), maskSize >= prefix, maskSize <= 32 else { return nil }
        let octets = parts[0].split(separator: ".").compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 < 256 }) else { return nil }
        let ip = octets.reduce(0) { $0 << 8 | $1 }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        base = ip & mask
        self.prefix = prefix
        self.maskSize = maskSize
    }

    var count: Int { 1 << min(maskSize - prefix, 20) }

    func subnet(_ i: Int) -> String {
        let ip = base + UInt32(i) << (32 - maskSize)
        return "\(ip >> 24).\(ip >> 16 & 255).\(ip >> 8 & 255).\(ip & 255)/\(maskSize)"
    }

    func first(notIn used: Set<String>) -> String? {
        (0..<count).lazy.map(subnet).first { !used.contains($0) }
    }

    var description: String { "\(subnet(0).split(separator: "/")[0])/\(prefix)" }
}
