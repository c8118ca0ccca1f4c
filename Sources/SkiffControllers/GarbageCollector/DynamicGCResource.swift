import Foundation
import Logging
import SkiffAPI
import SkiffClient
import Synchronization

/// A resource found by discovery (any built-in or custom resource without a typed informer
/// here), watched as metadata only, as upstream's garbage collector does with its metadata
/// informers: list, then watch from the list's resourceVersion, relist on 410 Gone.
final class DynamicGCResource: GCResource {
    let descriptor: ResourceDescriptor
    let client: Client
    let kind: GCKind
    var namespaced: Bool { descriptor.namespaced }
    let logger: Logger

    private struct State {
        var objects: [GCItem: GCNode] = [:]
        var byOwner: [String: Set<GCItem>] = [:]
        var synced = false
        var handler: (@Sendable (GCEvent) -> Void)?
    }
    private let state = Mutex(State())

    init(_ descriptor: ResourceDescriptor, client: Client, logger: Logger) {
        self.descriptor = descriptor
        self.client = client
        self.logger = logger
        kind = GCKind(group: descriptor.group, kind: descriptor.kind)
    }

    func node(_ o: JSONValue) -> GCNode {
        let m = o["metadata"] ?? .object([:])
        let refs: [MetaV1.OwnerReference] = (m["ownerReferences"]?.arrayValue ?? []).map { r in
            MetaV1.OwnerReference(apiVersion: r["apiVersion"]?.stringValue, blockOwnerDeletion: r["blockOwnerDeletion"]?.boolValue,
                                  controller: r["controller"]?.boolValue, kind: r["kind"]?.stringValue, name: r["name"]?.stringValue,
                                  uid: r["uid"]?.stringValue)
        }
        var n = GCNode(kind: kind, namespace: namespaced ? (m["namespace"]?.stringValue ?? "") : "", name: m["name"]?.stringValue ?? "",
                       uid: m["uid"]?.stringValue ?? "", ownerReferences: refs,
                       finalizers: m["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                       deleting: m["deletionTimestamp"]?.stringValue != nil)
        n.resourceVersion = m["resourceVersion"]?.stringValue ?? ""
        return n
    }

    func node(namespace: String, name: String) -> GCNode? {
        state.withLock { $0.objects[GCItem(kind: kind, namespace: namespaced ? namespace : "", name: name)] }
    }

    func dependents(ofUID uid: String) -> [GCNode] {
        state.withLock { s in (s.byOwner[uid] ?? []).compactMap { s.objects[$0] } }
    }

    func wire(_ enqueue: @escaping @Sendable (GCEvent) -> Void) {
        state.withLock { $0.handler = enqueue }
    }

    func waitForSync() async throws {
        while !state.withLock({ $0.synced }) {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Applies one observed object (nil `new`: deleted) and notifies the collector.
    private func apply(old: GCNode?, new: GCNode?) {
        let handler = state.withLock { s -> (@Sendable (GCEvent) -> Void)? in
            if let old {
                s.objects.removeValue(forKey: old.item)
                for r in old.ownerReferences { s.byOwner[r.uid ?? ""]?.remove(old.item) }
            }
            if let new {
                s.objects[new.item] = new
                for r in new.ownerReferences { s.byOwner[r.uid ?? "", default: []].insert(new.item) }
            }
            return s.handler
        }
        if let new {
            if new.resourceVersion != old?.resourceVersion || old == nil {
                handler?(.changed(new, formerOwners: old?.ownerReferences ?? []))
            }
        } else if let old {
            handler?(.deleted(old))
        }
    }

    /// List + watch until cancelled.
    func run() async {
        var resourceVersion: String?
        while !Task.isCancelled {
            do {
                if resourceVersion == nil {
                    let list = try await client.list(descriptor)
                    var seen: Set<GCItem> = []
                    for o in list["items"]?.arrayValue ?? [] {
                        let n = node(o)
                        seen.insert(n.item)
                        apply(old: state.withLock { $0.objects[n.item] }, new: n)
                    }
                    for gone in state.withLock({ s in s.objects.values.filter { !seen.contains($0.item) } }) { apply(old: gone, new: nil) }
                    resourceVersion = list["metadata"]?["resourceVersion"]?.stringValue ?? ""
                    state.withLock { $0.synced = true }
                }
                let events = try await client.watch(descriptor, options: ListOptions(resourceVersion: resourceVersion, allowWatchBookmarks: true))
                for try await event in events {
                    switch event {
                    case .added(let o), .modified(let o):
                        let n = node(o)
                        resourceVersion = n.resourceVersion
                        apply(old: state.withLock { $0.objects[n.item] }, new: n)
                    case .deleted(let o):
                        let n = node(o)
                        resourceVersion = n.resourceVersion
                        apply(old: state.withLock { $0.objects[n.item] }, new: nil)
                    case .bookmark(let rv, _):
                        if !rv.isEmpty { resourceVersion = rv }
                    }
                }
            } catch let e as ClientError where e.isGone {
                resourceVersion = nil
            } catch let e as ClientError where e.isNotFound || e.code == 405 {
                // The resource went away (a CRD deleted) or cannot be watched: stop.
                state.withLock { $0.synced = true }
                return
            } catch {
                if Task.isCancelled { return }
                // Never hold the collector up: an unreadable resource counts as empty (owners
                // are confirmed live before anything is deleted).
                state.withLock { $0.synced = true }
                logger.debug("garbage collector: watching \(descriptor): \(error)")
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    func delete(_ node: GCNode, client: Client, policy: DeleteOptions.Propagation) async throws {
        do {
            try await client.delete(descriptor, node.name, namespace: namespaced ? node.namespace : nil,
                                    options: DeleteOptions(propagationPolicy: policy, preconditionUID: node.uid))
        } catch let e as ClientError where e.isNotFound || e.isConflict {}
    }

    func edit(_ node: GCNode, client: Client, removeOwners uids: Set<String>, removeFinalizer finalizer: String?) async throws {
        guard let cached = self.node(namespace: node.namespace, name: node.name), cached.uid == node.uid else { return }
        let refs = cached.ownerReferences.filter { !uids.contains($0.uid ?? "") }
        let finalizers = cached.finalizers.filter { $0 != finalizer }
        guard refs.count != cached.ownerReferences.count || finalizers.count != cached.finalizers.count else { return }
        let patch = MetadataPatch.make(ownerReferences: uids.isEmpty ? nil : refs, finalizers: finalizer == nil ? nil : finalizers,
                                       resourceVersion: cached.resourceVersion)
        do {
            _ = try await client.patch(descriptor, node.name, namespace: namespaced ? node.namespace : nil, patch)
        } catch let e as ClientError where e.isNotFound {}
    }
}
