import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient

/// The garbage collector (kube-controller-manager's `garbagecollector`), for the resources
/// it is given: deletes objects whose owners are all gone (background propagation), removes
/// owner references for `orphan` deletions, and deletes dependents before removing the
/// `foregroundDeletion` finalizer. The graph is the informers' caches with an owner-UID
/// index; absent owners are confirmed with a live GET before anything is deleted.
final class GarbageCollector: Service, Sendable {
    let client: Client
    let resources: [GCKind: any GCResource]
    let queue = WorkQueue<GCItem>()
    let workers: Int
    let logger: Logger

    init(client: Client, resources: [any GCResource], workers: Int = 4, logger: Logger = Logger(label: "skiff.controller.garbagecollector")) {
        self.client = client
        self.resources = Dictionary(resources.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
        self.workers = workers
        self.logger = logger
        let queue = self.queue
        let all = self.resources
        for r in resources {
            r.wire { event in
                switch event {
                case .changed(let node, let former):
                    queue.add(node.item)
                    for ref in node.ownerReferences + former { queue.add(Self.ownerItem(ref, of: node, all)) }
                case .deleted(let node):
                    for d in all.values.flatMap({ $0.dependents(ofUID: node.uid) }) { queue.add(d.item) }
                    for ref in node.ownerReferences { queue.add(Self.ownerItem(ref, of: node, all)) }
                }
            }
        }
    }

    /// The standard set: the workload kinds and pods, on `factory`'s informers.
    static func standard(factory: SharedInformerFactory) -> GarbageCollector {
        GarbageCollector(client: factory.client, resources: [
            TypedGCResource(factory.informer(CoreV1.Pod.self)),
            TypedGCResource(factory.informer(AppsV1.ReplicaSet.self)),
            TypedGCResource(factory.informer(AppsV1.Deployment.self)),
            TypedGCResource(factory.informer(BatchV1.Job.self)),
            TypedGCResource(factory.informer(BatchV1.CronJob.self)),
            TypedGCResource(factory.informer(AppsV1.DaemonSet.self)),
            TypedGCResource(factory.informer(AppsV1.StatefulSet.self)),
            TypedGCResource(factory.informer(AppsV1.ControllerRevision.self)),
            TypedGCResource(factory.informer(CoreV1.PersistentVolumeClaim.self)),
        ])
    }

    static func ownerItem(_ ref: MetaV1.OwnerReference, of node: GCNode, _ all: [GCKind: any GCResource]) -> GCItem {
        let kind = GCKind(ref)
        let namespaced = all[kind]?.namespaced ?? true
        return GCItem(kind: kind, namespace: namespaced ? node.namespace : "", name: ref.name ?? "")
    }

    func run() async throws {
        do {
            for r in resources.values { try await r.waitForSync() }
        } catch {
            return
        }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while let item = await self.queue.get() {
                        do {
                            try await self.process(item)
                            self.queue.forget(item)
                        } catch {
                            self.logger.debug("garbage collector: \(item): \(error)")
                            self.queue.addRateLimited(item)
                        }
                        self.queue.done(item)
                    }
                }
            }
            group.addTask {
                await withGracefulShutdownHandler {
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                } onGracefulShutdown: {
                    self.queue.shutDown()
                }
                self.queue.shutDown()
            }
            await group.next()
            group.cancelAll()
        }
    }

    func dependents(of node: GCNode) -> [GCNode] {
        resources.values.flatMap { $0.dependents(ofUID: node.uid) }.filter { $0.namespace == node.namespace || node.namespace.isEmpty }
    }

    /// One level-triggered pass over `item`.
    func process(_ item: GCItem) async throws {
        guard let resource = resources[item.kind], let node = resource.node(namespace: item.namespace, name: item.name) else { return }
        if node.deleting {
            if node.finalizers.contains("orphan") {
                for d in dependents(of: node) {
                    try await resources[d.kind]?.edit(d, client: client, removeOwners: [node.uid], removeFinalizer: nil)
                }
                try await resource.edit(node, client: client, removeOwners: [], removeFinalizer: "orphan")
            } else if node.finalizers.contains("foregroundDeletion") {
                let deps = dependents(of: node)
                for d in deps where !d.deleting {
                    let policy: DeleteOptions.Propagation = dependents(of: d).isEmpty ? .background : .foreground
                    try await resources[d.kind]?.delete(d, client: client, policy: policy)
                }
                let blocking = deps.filter { d in d.ownerReferences.contains { $0.uid == node.uid && $0.blockOwnerDeletion == true } }
                if blocking.isEmpty {
                    try await resource.edit(node, client: client, removeOwners: [], removeFinalizer: "foregroundDeletion")
                }
                // Otherwise each dependent's deletion brings this owner back.
            }
            return
        }
        guard !node.ownerReferences.isEmpty else { return }
        var absent: Set<String> = []
        var present = 0, waiting = 0
        for ref in node.ownerReferences {
            switch try await ownerState(ref, of: node) {
            case .absent: absent.insert(ref.uid ?? "")
            case .present: present += 1
            case .deletingForeground: waiting += 1
            }
        }
        if present == 0, waiting == 0 {
            logger.debug("garbage collector: deleting \(item): all owners gone")
            try await resource.delete(node, client: client, policy: .background)
        } else if present > 0, !absent.isEmpty {
            // Some owners remain: drop only the dangling references.
            try await resource.edit(node, client: client, removeOwners: absent, removeFinalizer: nil)
        }
        // Owners deleting in the foreground delete this object themselves.
    }

    enum OwnerState { case present, absent, deletingForeground }

    /// Whether the owner named by `ref` exists with the referenced UID: the cache first,
    /// then a live GET, because a lagging cache must never cause a deletion.
    func ownerState(_ ref: MetaV1.OwnerReference, of node: GCNode) async throws -> OwnerState {
        let kind = GCKind(ref)
        let item = Self.ownerItem(ref, of: node, resources)
        if let owner = resources[kind]?.node(namespace: item.namespace, name: item.name), owner.uid == ref.uid {
            return owner.deleting && owner.finalizers.contains("foregroundDeletion") ? .deletingForeground : .present
        }
        let version = (ref.apiVersion ?? "").split(separator: "/").last.map(String.init) ?? ""
        guard let d = ResourceDescriptor.builtin(GroupVersionKind(group: kind.group, version: version, kind: kind.kind)) else {
            return .present  // a kind we cannot look up: never collect on a guess
        }
        do {
            let live = try await client.get(d, item.name, namespace: d.namespaced ? item.namespace : nil)
            guard live["metadata"]?["uid"]?.stringValue == ref.uid else { return .absent }
            let finalizers = live["metadata"]?["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let deleting = live["metadata"]?["deletionTimestamp"]?.stringValue != nil
            return deleting && finalizers.contains("foregroundDeletion") ? .deletingForeground : .present
        } catch let e as ClientError where e.isNotFound {
            return .absent
        }
    }
}
