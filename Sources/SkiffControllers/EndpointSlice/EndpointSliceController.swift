import Foundation
import Logging
import SkiffAPI
import SkiffClient

/// Applies a `SlicePlan` (shared by the EndpointSlice and mirroring controllers).
enum SliceWriter {
    static func apply(_ plan: SlicePlan, namespace: String, client: Client) async throws {
        for slice in plan.create {
            do { _ = try await client.create(slice) } catch let e as ClientError where e.code == 403 && e.message.contains("being terminated") {}
        }
        for slice in plan.update { _ = try await client.update(slice) }
        for name in plan.delete {
            do { try await client.delete(DiscoveryV1.EndpointSlice.self, name, namespace: namespace) } catch let e as ClientError where e.isNotFound {}
        }
    }
}

/// The EndpointSlice controller (kube-controller-manager's `endpointslice`): the slices of every
/// selector-based Service, at most 100 endpoints each, labelled as managed by
/// `endpointslice-controller.k8s.io` and owned by the Service.
final class EndpointSliceController: Reconciler {
    let client: Client
    let services: Lister<CoreV1.Service>
    let pods: Lister<CoreV1.Pod>
    let nodes: Lister<CoreV1.Node>
    let slices: Lister<DiscoveryV1.EndpointSlice>
    let logger = Logger(label: "skiff.controller.endpointslice")

    init(factory: SharedInformerFactory) {
        client = factory.client
        services = factory.informer(CoreV1.Service.self).lister
        pods = factory.informer(CoreV1.Pod.self).lister
        nodes = factory.informer(CoreV1.Node.self).lister
        slices = factory.informer(DiscoveryV1.EndpointSlice.self).lister
    }

    static func make(factory: SharedInformerFactory, workers: Int = 5) -> Controller {
        let r = EndpointSliceController(factory: factory)
        let c = Controller(name: "endpointslice", reconciler: r, workers: workers, logger: r.logger)
        let services = r.services
        c.watch(factory.informer(CoreV1.Service.self))
        c.watch(factory.informer(CoreV1.Pod.self)) { pod in EndpointsController.services(selecting: pod, in: services) }
        c.watch(factory.informer(DiscoveryV1.EndpointSlice.self)) { slice in
            guard slice.metadata?.labels?[ServiceEndpoints.managedByLabel] == EndpointSliceSync.controllerName,
                  let name = slice.metadata?.labels?[ServiceEndpoints.serviceNameLabel] else { return [] }
            return [ObjectKey(namespace: slice.metadata?.namespace ?? "", name: name)]
        }
        // A node's zone label feeds every endpoint on it: only a change of that label requeues
        // (heartbeats update nodes all the time).
        let pods = r.pods, queue = c.queue
        factory.informer(CoreV1.Node.self).addEventHandler { event in
            guard case .updated(let old, let new) = event,
                  old.metadata?.labels?[Self.zoneLabel] != new.metadata?.labels?[Self.zoneLabel] else { return }
            for pod in pods.list() where pod.spec?.nodeName == new.metadata?.name {
                for key in EndpointsController.services(selecting: pod, in: services) { queue.add(key) }
            }
        }
        return c
    }

    static let zoneLabel = "topology.kubernetes.io/zone"

    func owned(_ key: ObjectKey) -> [DiscoveryV1.EndpointSlice] {
        slices.list(namespace: key.namespace).filter {
            $0.metadata?.labels?[ServiceEndpoints.serviceNameLabel] == key.name
                && $0.metadata?.labels?[ServiceEndpoints.managedByLabel] == EndpointSliceSync.controllerName
        }
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        let existing = owned(key)
        guard let service = services.get(key), service.metadata?.deletionTimestamp == nil, ServiceEndpoints.selects(service) else {
            // The garbage collector would remove them through the owner reference too; a Service
            // that lost its selector keeps none either.
            try await SliceWriter.apply(SlicePlan(delete: existing.compactMap(\.metadata?.name)), namespace: key.namespace, client: client)
            return nil
        }
        // Slices owned by an older Service of the same name are not ours to reuse.
        let mine = existing.filter { $0.controllerReference?.uid == service.metadata?.uid }
        let stale = existing.filter { $0.controllerReference?.uid != service.metadata?.uid }.compactMap(\.metadata?.name)
        let nodes = self.nodes
        var plan = EndpointSliceSync.plan(service, pods: pods.list(namespace: key.namespace), existing: mine,
                                          zoneOf: { nodes.get($0)?.metadata?.labels?[Self.zoneLabel] },
                                          triggerTime: KubeTime.format(Date()))
        plan.delete += stale
        guard !plan.isEmpty else { return nil }
        do {
            try await SliceWriter.apply(plan, namespace: key.namespace, client: client)
        } catch let e as ClientError where e.isConflict {
            return .rateLimited
        }
        return nil
    }
}

/// The EndpointSlice mirroring controller (kube-controller-manager's `endpointslicemirroring`).
final class EndpointSliceMirroringController: Reconciler {
    let client: Client
    let services: Lister<CoreV1.Service>
    let endpoints: Lister<CoreV1.Endpoints>
    let slices: Lister<DiscoveryV1.EndpointSlice>
    let logger = Logger(label: "skiff.controller.endpointslicemirroring")

    init(factory: SharedInformerFactory) {
        client = factory.client
        services = factory.informer(CoreV1.Service.self).lister
        endpoints = factory.informer(CoreV1.Endpoints.self).lister
        slices = factory.informer(DiscoveryV1.EndpointSlice.self).lister
    }

    static func make(factory: SharedInformerFactory, workers: Int = 5) -> Controller {
        let r = EndpointSliceMirroringController(factory: factory)
        let c = Controller(name: "endpointslicemirroring", reconciler: r, workers: workers, logger: r.logger)
        c.watch(factory.informer(CoreV1.Service.self))
        c.watch(factory.informer(CoreV1.Endpoints.self))
        c.watch(factory.informer(DiscoveryV1.EndpointSlice.self)) { slice in
            guard slice.metadata?.labels?[ServiceEndpoints.managedByLabel] == EndpointSliceMirroringSync.controllerName,
                  let name = slice.metadata?.labels?[ServiceEndpoints.serviceNameLabel] else { return [] }
            return [ObjectKey(namespace: slice.metadata?.namespace ?? "", name: name)]
        }
        return c
    }

    func reconcile(_ key: ObjectKey) async throws -> Requeue? {
        let existing = slices.list(namespace: key.namespace).filter {
            $0.metadata?.labels?[ServiceEndpoints.serviceNameLabel] == key.name
                && $0.metadata?.labels?[ServiceEndpoints.managedByLabel] == EndpointSliceMirroringSync.controllerName
        }
        guard let ep = endpoints.get(key), ep.metadata?.deletionTimestamp == nil,
              EndpointSliceMirroringSync.shouldMirror(ep, service: services.get(key)) else {
            try await SliceWriter.apply(SlicePlan(delete: existing.compactMap(\.metadata?.name)), namespace: key.namespace, client: client)
            return nil
        }
        let mine = existing.filter { $0.controllerReference?.uid == ep.metadata?.uid }
        var plan = EndpointSliceMirroringSync.plan(ep, existing: mine)
        plan.delete += existing.filter { $0.controllerReference?.uid != ep.metadata?.uid }.compactMap(\.metadata?.name)
        guard !plan.isEmpty else { return nil }
        do {
            try await SliceWriter.apply(plan, namespace: key.namespace, client: client)
        } catch let e as ClientError where e.isConflict {
            return .rateLimited
        }
        return nil
    }
}
