import Foundation
import Logging
import SkiffAPI
import SkiffClient

/// The Endpoints controller (kube-controller-manager's `endpoint`): one Endpoints object per
/// selector-based Service, named like it, holding the addresses of the pods it selects.
final class EndpointsController: Reconciler {
    let client: Client
    let services: Lister<CoreV1.Service>
    let pods: Lister<CoreV1.Pod>
    let endpoints: Lister<CoreV1.Endpoints>
    let logger = Logger(label: "skiff.controller.endpoint")

    init(factory: SharedInformerFactory) {
        client = factory.client
        services = factory.informer(CoreV1.Service.self).lister
        pods = factory.informer(CoreV1.Pod.self).lister
        endpoints = factory.informer(CoreV1.Endpoints.self).lister
    }

    static func make(factory: SharedInformerFactory, workers: Int = 5) -> Controller {
        let r = EndpointsController(factory: factory)
        let c = Controller(name: "endpoint", reconciler: r, workers: workers, logger: r.logger)
        let services = r.services
        c.watch(factory.informer(CoreV1.Service.self))
        c.watch(factory.informer(CoreV1.Pod.self)) { pod in Self.services(selecting: pod, in: services) }
        // Someone else's write to our Endpoints is undone; Endpoints without a Service are not ours.
        c.watch(factory.informer(CoreV1.Endpoints.self)) { ep in
            let key = ObjectKey.of(ep)
            guard let svc = services.get(key), ServiceEndpoints.selects(svc) else { return [] }
            return [key]
        }
        return c
    }

    /// Keys of the Services in the pod's namespace whose selector matches it.
    static func services(selecting pod: CoreV1.Pod, in services: Lister<CoreV1.Service>) -> [ObjectKey] {
        services.list(namespace: pod.namespace).filter { s in
            ServiceEndpoints.selects(s) && (s.spec?.selector ?? [:]).allSatisfy { pod.labels[$0.key] == $0.value }
        }.map { ObjectKey.of($0) }
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        guard let service = services.get(key) else {
            // The Service is gone: so are its Endpoints (upstream deletes them by name).
            if endpoints.get(key) != nil {
                do { try await client.delete(CoreV1.Endpoints.self, key.name, namespace: key.namespace) } catch let e as ClientError where e.isNotFound {}
            }
            return nil
        }
        guard ServiceEndpoints.selects(service) else { return nil }
        let current = endpoints.get(key)
        var desired = EndpointsSync.desired(service, pods: pods.list(namespace: key.namespace), current: current)
        guard EndpointsSync.differs(desired, current) else { return nil }
        var annotations = desired.metadata?.annotations ?? [:]
        annotations[ServiceEndpoints.triggerTimeAnnotation] = KubeTime.format(Date())
        desired.metadata?.annotations = annotations
        do {
            if current == nil {
                desired.metadata?.resourceVersion = nil
                _ = try await client.create(desired)
            } else {
                _ = try await client.update(desired)
            }
        } catch let e as ClientError where e.isConflict || e.isAlreadyExists {
            // The cache is behind: its next event brings the key back.
            return .rateLimited
        } catch let e as ClientError where e.code == 403 && e.message.contains("being terminated") {
            return nil
        }
        return nil
    }
}
