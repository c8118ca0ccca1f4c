import Foundation
import Logging
import SkiffAPI
import SkiffClient

/// kube-controller-manager's `serviceaccount` controller: every active namespace has the
/// ServiceAccounts it should (`default`), re-created when deleted.
final class ServiceAccountsController: Reconciler {
    static let accounts = ["default"]
    let client: Client
    let namespaces: Lister<CoreV1.Namespace>
    let serviceAccounts: Lister<CoreV1.ServiceAccount>
    let logger = Logger(label: "skiff.controller.serviceaccount")

    init(factory: SharedInformerFactory) {
        client = factory.client
        namespaces = factory.informer(CoreV1.Namespace.self).lister
        serviceAccounts = factory.informer(CoreV1.ServiceAccount.self).lister
    }

    static func make(factory: SharedInformerFactory, workers: Int = 3) -> Controller {
        let r = ServiceAccountsController(factory: factory)
        let c = Controller(name: "serviceaccount", reconciler: r, workers: workers, logger: r.logger)
        c.watch(factory.informer(CoreV1.Namespace.self))
        c.watch(factory.informer(CoreV1.ServiceAccount.self)) { sa in
            accounts.contains(sa.metadata?.name ?? "") ? [ObjectKey(name: sa.metadata?.namespace ?? "")] : []
        }
        return c
    }

    /// The accounts to create in `namespace` (none while it terminates).
    static func missing(_ namespace: CoreV1.Namespace?, existing: (String) -> Bool) -> [String] {
        guard let namespace, namespace.metadata?.deletionTimestamp == nil, namespace.status?.phase != "Terminating" else { return [] }
        return accounts.filter { !existing($0) }
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        let ns = key.name
        for name in Self.missing(namespaces.get(ns), existing: { self.serviceAccounts.get($0, namespace: ns) != nil }) {
            do {
                _ = try await client.create(CoreV1.ServiceAccount(metadata: MetaV1.ObjectMeta(name: name, namespace: ns)))
            } catch let e as ClientError where e.isAlreadyExists || e.isNotFound || (e.code == 403 && e.message.contains("being terminated")) {
            }
        }
        return nil
    }
}

/// kube-controller-manager's `root-ca-certificate-publisher`: the `kube-root-ca.crt` ConfigMap
/// with the cluster CA (`ca.crt`) in every active namespace, put back when changed or deleted.
final class RootCAPublisher: Reconciler {
    static let name = "kube-root-ca.crt"
    static let description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
    let client: Client
    let rootCA: String
    let namespaces: Lister<CoreV1.Namespace>
    let configMaps: Lister<CoreV1.ConfigMap>
    let logger = Logger(label: "skiff.controller.root-ca-certificate-publisher")

    init(factory: SharedInformerFactory, rootCA: String) {
        client = factory.client
        self.rootCA = rootCA
        namespaces = factory.informer(CoreV1.Namespace.self).lister
        // Only the one ConfigMap per namespace is cached, not every ConfigMap of the cluster.
        configMaps = factory.informer(CoreV1.ConfigMap.self, fieldSelector: "metadata.name=\(Self.name)").lister
    }

    static func make(factory: SharedInformerFactory, rootCA: String, workers: Int = 3) -> Controller {
        let r = RootCAPublisher(factory: factory, rootCA: rootCA)
        let c = Controller(name: "root-ca-certificate-publisher", reconciler: r, workers: workers, logger: r.logger)
        c.watch(factory.informer(CoreV1.Namespace.self))
        c.watch(factory.informer(CoreV1.ConfigMap.self, fieldSelector: "metadata.name=\(Self.name)")) { cm in
            cm.metadata?.name == Self.name ? [ObjectKey(name: cm.metadata?.namespace ?? "")] : []
        }
        return c
    }

    /// The ConfigMap to write: nil when `current` is right already.
    static func desired(namespace: String, rootCA: String, current: CoreV1.ConfigMap?) -> CoreV1.ConfigMap? {
        let data = ["ca.crt": rootCA]
        if var cm = current {
            let annotations = cm.metadata?.annotations ?? [:]
            guard cm.data != data || annotations["kubernetes.io/description"] != description else { return nil }
            cm.data = data
            cm.metadata?.annotations = annotations.merging(["kubernetes.io/description": description]) { _, new in new }
            return cm
        }
        return CoreV1.ConfigMap(data: data, metadata: MetaV1.ObjectMeta(annotations: ["kubernetes.io/description": description],
                                                                        name: name, namespace: namespace))
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        let ns = key.name
        guard let namespace = namespaces.get(ns), namespace.metadata?.deletionTimestamp == nil else { return nil }
        let current = configMaps.get(Self.name, namespace: ns)
        guard let cm = Self.desired(namespace: ns, rootCA: rootCA, current: current) else { return nil }
        do {
            if current == nil { _ = try await client.create(cm) } else { _ = try await client.update(cm) }
        } catch let e as ClientError where e.isAlreadyExists || e.isConflict {
            return .rateLimited
        } catch let e as ClientError where e.isNotFound || (e.code == 403 && e.message.contains("being terminated")) {
        }
        return nil
    }
}
