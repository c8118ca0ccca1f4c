import SkiffAPI
import SkiffClient

/// One object in the ownership graph, as the garbage collector sees it.
struct GCNode: Sendable, Equatable {
    var kind: GCKind
    var namespace: String
    var name: String
    var uid: String
    var ownerReferences: [MetaV1.OwnerReference]
    var finalizers: [String]
    var deleting: Bool
    var resourceVersion = ""

    var item: GCItem { GCItem(kind: kind, namespace: namespace, name: name) }
}

/// A resource identified by group and kind (owner references name a version too, but any
/// served version designates the same object).
struct GCKind: Hashable, Sendable, CustomStringConvertible {
    var group: String
    var kind: String

    init(group: String, kind: String) {
        self.group = group
        self.kind = kind
    }

    init(_ ref: MetaV1.OwnerReference) {
        let apiVersion = ref.apiVersion ?? ""
        group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
        kind = ref.kind ?? ""
    }

    var description: String { group.isEmpty ? kind : "\(kind).\(group)" }
}

struct GCItem: Hashable, Sendable, CustomStringConvertible {
    var kind: GCKind
    var namespace: String
    var name: String
    var description: String { "\(kind) \(namespace)/\(name)" }
}

/// A resource type whose objects the collector watches: as dependents (found through the
/// owner-UID index) and as owners (looked up by name).
protocol GCResource: Sendable {
    var kind: GCKind { get }
    var namespaced: Bool { get }
    func node(namespace: String, name: String) -> GCNode?
    func dependents(ofUID uid: String) -> [GCNode]
    /// Informer events → queue items (the object, its owners, and on deletion its dependents).
    func wire(_ enqueue: @escaping @Sendable (GCEvent) -> Void)
    func waitForSync() async throws
    /// Runs whatever feeds the resource's cache (typed informers are run by the factory).
    func run() async
    func delete(_ node: GCNode, client: Client, policy: DeleteOptions.Propagation) async throws
    /// Removes owner references to `uids` and the finalizer `finalizer` (read-modify-write on the cached copy).
    func edit(_ node: GCNode, client: Client, removeOwners uids: Set<String>, removeFinalizer finalizer: String?) async throws
}

enum GCEvent: Sendable {
    /// Added or updated; `formerOwners` are the owner references before the update (owners
    /// dropped by it must recheck: an orphaning or foreground owner waits on its dependents).
    case changed(GCNode, formerOwners: [MetaV1.OwnerReference])
    case deleted(GCNode)
}

final class TypedGCResource<T: APIObject>: GCResource {
    let informer: Informer<T>
    let kind: GCKind
    let namespaced: Bool

    init(_ informer: Informer<T>) {
        self.informer = informer
        informer.addIndex(.ownerUID)
        kind = GCKind(group: T.groupVersionKind.group, kind: T.groupVersionKind.kind)
        namespaced = ResourceDescriptor.of(T.self).namespaced
    }

    func gcNode(_ o: T) -> GCNode {
        GCNode(kind: kind, namespace: o.metadata?.namespace ?? "", name: o.metadata?.name ?? "", uid: o.metadata?.uid ?? "",
               ownerReferences: o.metadata?.ownerReferences ?? [], finalizers: o.metadata?.finalizers ?? [],
               deleting: o.metadata?.deletionTimestamp != nil)
    }

    func node(namespace: String, name: String) -> GCNode? {
        informer.lister.get(name, namespace: namespaced ? namespace : "").map(gcNode)
    }

    func dependents(ofUID uid: String) -> [GCNode] {
        informer.lister.byIndex(.ownerUID, uid).map(gcNode)
    }

    func wire(_ enqueue: @escaping @Sendable (GCEvent) -> Void) {
        informer.addEventHandler { [self] event in
            switch event {
            case .added(let o): enqueue(.changed(gcNode(o), formerOwners: []))
            case .updated(let old, let new):
                if old.metadata?.resourceVersion == new.metadata?.resourceVersion { return }
                enqueue(.changed(gcNode(new), formerOwners: old.metadata?.ownerReferences ?? []))
            case .deleted(let o, _): enqueue(.deleted(gcNode(o)))
            }
        }
    }

    func waitForSync() async throws { try await informer.waitForSync() }

    func run() async {}

    func delete(_ node: GCNode, client: Client, policy: DeleteOptions.Propagation) async throws {
        do {
            try await client.delete(T.self, node.name, namespace: namespaced ? node.namespace : nil,
                                    options: DeleteOptions(propagationPolicy: policy, preconditionUID: node.uid))
        } catch let e as ClientError where e.isNotFound || e.isConflict {
            // Gone already, or a different object under the same name now.
        }
    }

    func edit(_ node: GCNode, client: Client, removeOwners uids: Set<String>, removeFinalizer finalizer: String?) async throws {
        guard let o = informer.lister.get(node.name, namespace: namespaced ? node.namespace : ""), o.metadata?.uid == node.uid else { return }
        let refs = (o.metadata?.ownerReferences ?? []).filter { !uids.contains($0.uid ?? "") }
        let finalizers = (o.metadata?.finalizers ?? []).filter { $0 != finalizer }
        guard refs.count != o.metadata?.ownerReferences?.count ?? 0 || finalizers.count != o.metadata?.finalizers?.count ?? 0 else { return }
        let patch = MetadataPatch.make(ownerReferences: uids.isEmpty ? nil : refs, finalizers: finalizer == nil ? nil : finalizers,
                                       resourceVersion: o.metadata?.resourceVersion)
        do {
            _ = try await client.patch(T.self, node.name, namespace: namespaced ? node.namespace : nil, patch)
        } catch let e as ClientError where e.isNotFound {}
    }
}
