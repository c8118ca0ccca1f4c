import SkiffAPI

/// The EndpointSlice controller's decision (upstream `endpointslice` reconciler): the slices a
/// selector-based Service should have for the pods it selects.
enum EndpointSliceSync {
    static let controllerName = "endpointslice-controller.k8s.io"
    static let maxEndpointsPerSlice = 100

    /// Address types the Service serves, primary first (`spec.ipFamilies`; IPv4 by default).
    static func addressTypes(_ service: CoreV1.Service) -> [String] {
        let families = service.spec?.ipFamilies ?? []
        return families.isEmpty ? ["IPv4"] : families
    }

    /// One endpoint per (pod, address type); pods grouped by the ports they resolve.
    static func groups(_ service: CoreV1.Service, pods: [CoreV1.Pod], zoneOf: (String) -> String?) -> [SliceGroup] {
        let publishNotReady = service.spec?.publishNotReadyAddresses ?? false
        let servicePorts = service.spec?.ports ?? []
        var groups: [String: SliceGroup] = [:]
        var order: [String] = []
        for pod in ServiceEndpoints.selectedPods(service, from: pods) where ServiceEndpoints.included(pod, includeTerminating: true) {
            var ports: [DiscoveryV1.EndpointPort] = []
            for sp in servicePorts {
                guard let n = ServiceEndpoints.findPort(pod, sp) else { continue }
                ports.append(DiscoveryV1.EndpointPort(appProtocol: sp.appProtocol, name: sp.name ?? "", port: n, protocol: sp.protocol ?? "TCP"))
            }
            // A pod exposing none of several ports is left out; a port-less Service keeps all pods.
            if !servicePorts.isEmpty && ports.isEmpty { continue }
            let serving = pod.isReady
            let terminating = pod.isTerminating
            let ready = publishNotReady || (serving && !terminating)
            let node = pod.spec?.nodeName
            for type in addressTypes(service) {
                guard let ip = ServiceEndpoints.podIPs(pod).first(where: { addressType(of: $0) == type }) else { continue }
                let endpoint = DiscoveryV1.Endpoint(
                    addresses: [ip], conditions: DiscoveryV1.EndpointConditions(ready: ready, serving: serving, terminating: terminating),
                    hostname: ServiceEndpoints.hostname(pod, service), nodeName: node, targetRef: ServiceEndpoints.targetRef(pod),
                    zone: node.flatMap(zoneOf))
                let key = SliceGroup.key(type, ports)
                if groups[key] == nil {
                    groups[key] = SliceGroup(addressType: type, ports: ports, endpoints: [])
                    order.append(key)
                }
                groups[key]?.endpoints.append(endpoint)
            }
        }
        return order.compactMap { groups[$0] }
    }

    static func addressType(of ip: String) -> String { ip.contains(":") ? "IPv6" : "IPv4" }

    /// Labels every slice of `service` carries.
    static func labels(_ service: CoreV1.Service) -> [String: String] {
        var labels = ServiceEndpoints.labels(for: service)
        labels[ServiceEndpoints.serviceNameLabel] = service.metadata?.name ?? ""
        labels[ServiceEndpoints.managedByLabel] = controllerName
        return labels
    }

    /// The plan for `service` given its current managed slices.
    static func plan(_ service: CoreV1.Service, pods: [CoreV1.Pod], existing: [DiscoveryV1.EndpointSlice],
                     zoneOf: (String) -> String?, triggerTime: String? = nil) -> SlicePlan {
        let labels = labels(service)
        return SlicePlan.make(groups: groups(service, pods: pods, zoneOf: zoneOf), existing: existing,
                              maxPerSlice: maxEndpointsPerSlice, placeholderType: addressTypes(service)[0], labels: labels) { g in
            var meta = MetaV1.ObjectMeta(generateName: "\(service.metadata?.name ?? "")-", labels: labels,
                                         namespace: service.metadata?.namespace,
                                         ownerReferences: [MetaV1.OwnerReference(apiVersion: "v1", blockOwnerDeletion: true, controller: true,
                                                                                 kind: "Service", name: service.metadata?.name, uid: service.metadata?.uid)])
            if let triggerTime { meta.annotations = [ServiceEndpoints.triggerTimeAnnotation: triggerTime] }
            return DiscoveryV1.EndpointSlice(addressType: g.addressType, endpoints: g.endpoints, metadata: meta,
                                             ports: g.ports.isEmpty ? nil : g.ports)
        }
    }
}
