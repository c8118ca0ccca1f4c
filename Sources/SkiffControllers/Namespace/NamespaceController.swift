import Foundation
import Logging
import SkiffAPI
import SkiffClient

/// The namespace controller (kube-controller-manager's `namespace`): for a namespace being
/// deleted, deletes every namespaced object of every resource the server serves (found by
/// discovery on each pass, so custom resources count), reports progress in the deletion
/// conditions, and removes the `kubernetes` finalizer through namespaces/finalize once
/// nothing is left, which lets the API server remove the namespace.
final class NamespaceController: Reconciler {
    let client: Client
    let namespaces: Lister<CoreV1.Namespace>
    let logger = Logger(label: "skiff.controller.namespace")
    /// How soon a namespace with content still terminating is looked at again.
    let recheck: Duration

    init(factory: SharedInformerFactory, recheck: Duration = .seconds(2)) {
        client = factory.client
        namespaces = factory.informer(CoreV1.Namespace.self).lister
        self.recheck = recheck
    }

    static func make(factory: SharedInformerFactory, workers: Int = 5) -> Controller {
        let r = NamespaceController(factory: factory)
        let c = Controller(name: "namespace", reconciler: r, workers: workers, logger: r.logger)
        c.watch(factory.informer(CoreV1.Namespace.self))
        return c
    }

    static let namespaces = ResourceDescriptor(group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false)

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        guard let ns = namespaces.get(key), ns.metadata?.deletionTimestamp != nil,
              ns.spec?.finalizers?.contains(NamespaceSync.finalizer) == true else { return nil }
        let content = await deleteContent(key.name)
        let conditions = NamespaceSync.conditions(content, previous: ns.status?.conditions ?? [], now: KubeTime.format(Date()))
        if conditions != (ns.status?.conditions ?? []) || ns.status?.phase != "Terminating" {
            var updated = ns
            updated.status = CoreV1.NamespaceStatus(conditions: conditions, phase: "Terminating")
            do {
                _ = try await client.updateStatus(updated)
            } catch let e as ClientError where e.isConflict || e.isNotFound {
                return .rateLimited
            }
        }
        guard content.done else { return .after(recheck) }
        // Everything is gone: hand the namespace back to the API server (namespaces/finalize).
        var body = try await client.get(Self.namespaces, key.name)
        let finalizers = (body["spec"]?["finalizers"]?.arrayValue ?? []).filter { $0.stringValue != NamespaceSync.finalizer }
        var spec = body["spec"] ?? .object([:])
        spec["finalizers"] = .array(finalizers)
        body["spec"] = spec
        do {
            _ = try await client.update(Self.namespaces, body, subresource: "finalize")
        } catch let e as ClientError where e.isNotFound {}
        logger.debug("namespace \(key.name) finalized")
        return nil
    }

    /// One pass: delete what is there, then count what is left.
    func deleteContent(_ namespace: String) async -> NamespaceContent {
        var content = NamespaceContent()
        let resources: [ServerResource]
        do {
            resources = try await ServerResources.preferred(client).filter {
                $0.descriptor.namespaced && $0.verbs.contains("list") && $0.verbs.contains("delete")
            }
        } catch {
            content.discoveryFailure = (error as? ClientError)?.message ?? "\(error)"
            return content
        }
        await withTaskGroup(of: (String, Int, [String: Int], String?).self) { group in
            for r in resources {
                group.addTask { await self.deleteAll(r, namespace: namespace) }
            }
            for await (label, remaining, finalizers, failure) in group {
                if remaining > 0 { content.remaining[label] = remaining }
                for (f, n) in finalizers { content.finalizers[f, default: 0] += n }
                if let failure { content.failures.append(failure) }
            }
        }
        content.failures.sort()
        return content
    }

    /// Deletes every object of `r` in `namespace` (deletecollection when served, else one by
    /// one); returns what remains and the finalizers holding it.
    func deleteAll(_ r: ServerResource, namespace: String) async -> (String, Int, [String: Int], String?) {
        let d = r.descriptor
        let label = NamespaceSync.label(d)
        var failure: String?
        do {
            if r.verbs.contains("deletecollection") {
                try await client.deleteCollection(d, namespace: namespace, options: DeleteOptions(propagationPolicy: .background))
            } else {
                let items = try await client.list(d, namespace: namespace)["items"]?.arrayValue ?? []
                for item in items {
                    guard let name = item["metadata"]?["name"]?.stringValue, item["metadata"]?["deletionTimestamp"] == nil else { continue }
                    do { try await client.delete(d, name, namespace: namespace, options: DeleteOptions(propagationPolicy: .background)) } catch let e as ClientError where e.isNotFound {}
                }
            }
        } catch let e as ClientError where e.isNotFound || e.code == 405 {
            // Not deletable after all (or gone): count what is there below.
        } catch {
            failure = "\(label): \((error as? ClientError)?.message ?? "\(error)")"
        }
        do {
            let items = try await client.list(d, namespace: namespace)["items"]?.arrayValue ?? []
            var finalizers: [String: Int] = [:]
            for item in items {
                for f in item["metadata"]?["finalizers"]?.arrayValue?.compactMap(\.stringValue) ?? [] { finalizers[f, default: 0] += 1 }
            }
            return (label, items.count, finalizers, failure)
        } catch let e as ClientError where e.isNotFound {
            return (label, 0, [:], failure)
        } catch {
            return (label, 1, [:], failure ?? "\(label): \((error as? ClientError)?.message ?? "\(error)")")
        }
    }
}
