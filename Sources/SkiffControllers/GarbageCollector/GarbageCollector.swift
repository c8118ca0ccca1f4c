import Logging
import ServiceLifecycle
import SkiffAPI
import SkiffClient
import Synchronization

/// The garbage collector (kube-controller-manager's `garbagecollector`), for the resources
/// it is given: deletes objects whose owners are all gone (background propagation), removes
/// owner references for `orphan` deletions, and deletes dependents before removing the
/// `foregroundDeletion` finalizer. The graph is the informers' caches with an owner-UID
/// index; absent owners are confirmed with a live GET before anything is deleted.
///
/// With `discover`, every other resource the server serves (custom resources included, found
/// again every `discoveryPeriod` as upstream's 30 s resync) that can be listed, watched and
/// deleted joins the graph through a metadata watch (`DynamicGCResource`).
final class GarbageCollector: Service, Sendable {
    let client: Client
    /// The graph's resources; a class so event handlers can hold it.
    final class Table: Sendable {
        let map: Mutex<[GCKind: any GCResource]>
        init(_ map: [GCKind: any GCResource]) { self.map = Mutex(map) }
        func withLock<R>(_ body: (inout [GCKind: any GCResource]) -> R) -> R { map.withLock { body(&$0) } }
    }
    private let table: Table
    /// Descriptors found by discovery, for live owner lookups of any kind.
    private let descriptors = Mutex<[GCKind: ResourceDescriptor]>([:])
    let queue = WorkQueue<GCItem>()
    let workers: Int
    let discover: Bool
    let discoveryPeriod: Duration
    let logger: Logger
    /// UIDs of owners a live GET found absent (upstream's `absentOwnerCache`): UIDs are never
    /// reused, so the dependents of one deleted owner need one GET, not one each.
    let absentOwners = AbsentOwnerCache(capacity: 500)

    var resources: [GCKind: any GCResource] { table.withLock { $0 } }

    init(client: Client, resources: [any GCResource], discover: Bool = false, discoveryPeriod: Duration = .seconds(30),
         workers: Int = 4, logger: Logger = Logger(label: "skiff.controller.garbagecollector")) {
        self.client = client
        table = Table(Dictionary(resources.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a }))
        self.workers = workers
        self.discover = discover
        self.discoveryPeriod = discoveryPeriod
        self.logger = logger
        for r in resources { wire(r) }
    }

    func wire(_ r: any GCResource) {
        r.wire { [queue, table] event in
            let all = table.withLock { $0 }
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

    /// Adds a metadata watch for each served resource not in the graph yet; returns the new ones.
    func discoverResources() async -> [DynamicGCResource] {
        let found: [ServerResource]
        do { found = try await ServerResources.preferred(client) } catch {
            logger.debug("garbage collector: discovery failed: \(error)")
            return []
        }
        var added: [DynamicGCResource] = []
        for r in found where r.verbs.isSuperset(of: ["list", "watch", "delete"]) {
            let kind = GCKind(group: r.descriptor.group, kind: r.descriptor.kind)
            descriptors.withLock { $0[kind] = r.descriptor }
            // Events are never owners nor collected upstream either (they expire by TTL).
            if r.descriptor.resource == "events" { continue }
            let dynamic = table.withLock { t -> DynamicGCResource? in
                guard t[kind] == nil else { return nil }
                let d = DynamicGCResource(r.descriptor, client: client, logger: logger)
                t[kind] = d
                return d
            }
            if let dynamic {
                wire(dynamic)
                added.append(dynamic)
            }
        }
        return added
    }

    /// The standard set: the workload kinds and pods on `factory`'s (shared, typed) informers,
    /// every other served resource through discovery.
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
        ], discover: true)
    }

    static func ownerItem(_ ref: MetaV1.OwnerReference, of node: GCNode, _ all: [GCKind: any GCResource]) -> GCItem {
        let kind = GCKind(ref)
        let namespaced = all[kind]?.namespaced ?? true
        return GCItem(kind: kind, namespace: namespaced ? node.namespace : "", name: ref.name ?? "")
    }

    func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            let initial = discover ? await discoverResources() : []
            if discover {
                // Metadata watches, and resources added later (CRDs) joining the graph. A watch
                // that ends (its resource went away) must not end the collector.
                group.addTask {
                    await withTaskGroup(of: Void.self) { watches in
                        for r in initial { watches.addTask { await r.run() } }
                        while !Task.isCancelled {
                            try? await Task.sleep(for: self.discoveryPeriod)
                            if Task.isCancelled { break }
                            for r in await self.discoverResources() { watches.addTask { await r.run() } }
                        }
                        watches.cancelAll()
                    }
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                }
            }
            do {
                for r in resources.values { try await r.waitForSync() }
            } catch {
                group.cancelAll()
                return
            }
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
        if let uid = ref.uid, absentOwners.contains(uid) { return .absent }
        let version = (ref.apiVersion ?? "").split(separator: "/").last.map(String.init) ?? ""
        guard let d = ResourceDescriptor.builtin(GroupVersionKind(group: kind.group, version: version, kind: kind.kind))
                ?? descriptors.withLock({ $0[kind] }) else {
            return .present  // a kind we cannot look up: never collect on a guess
        }
        do {
            let live = try await client.get(d, item.name, namespace: d.namespaced ? item.namespace : nil)
            guard live["metadata"]?["uid"]?.stringValue == ref.uid else {
                absentOwners.insert(ref.uid)
                return .absent
            }
            let finalizers = live["metadata"]?["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let deleting = live["metadata"]?["deletionTimestamp"]?.stringValue != nil
            return deleting && finalizers.contains("foregroundDeletion") ? .deletingForeground : .present
        } catch let e as ClientError where e.isNotFound {
            absentOwners.insert(ref.uid)
            return .absent
        }
    }
}

/// A bounded set of UIDs, oldest evicted first.
final class AbsentOwnerCache: Sendable {
    private let state = Mutex<(set: Set<String>, order: [String])>(([], []))
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func contains(_ uid: String) -> Bool { state.withLock { $0.set.contains(uid) } }

    func insert(_ uid: String?) {
        guard let uid, !uid.isEmpty else { return }
        state.withLock { s in
            guard s.set.insert(uid).inserted else { return }
            s.order.append(uid)
            if s.order.count > capacity { s.set.remove(s.order.removeFirst()) }
        }
    }
}
