import SkiffAPI

/// The EndpointSlice mirroring controller's decision (upstream `endpointslicemirroring`):
/// Endpoints written by hand for a Service without a selector are mirrored into slices.
enum EndpointSliceMirroringSync {
    static let controllerName = "endpointslicemirroring-controller.k8s.io"
    static let maxEndpointsPerSubset = 1000
    static let maxEndpointsPerSlice = 100

    /// Upstream mirrors only Endpoints whose Service exists without a selector, and never ones
    /// labelled skip-mirror (the API server's own `kubernetes` Endpoints).
    static func shouldMirror(_ endpoints: CoreV1.Endpoints, service: CoreV1.Service?) -> Bool {
        guard let service, service.spec?.selector == nil else { return false }
        return endpoints.metadata?.labels?[ServiceEndpoints.skipMirrorLabel] != "true"
    }

    static func groups(_ endpoints: CoreV1.Endpoints) -> [SliceGroup] {
        var groups: [String: SliceGroup] = [:]
        var order: [String] = []
        for subset in endpoints.subsets ?? [] {
            let ports = (subset.ports ?? []).map {
                DiscoveryV1.EndpointPort(appProtocol: $0.appProtocol, name: $0.name ?? "", port: $0.port, protocol: $0.protocol ?? "TCP")
            }
            var count = 0
            let addresses = (subset.addresses ?? []).map { ($0, true) } + (subset.notReadyAddresses ?? []).map { ($0, false) }
            for (address, ready) in addresses {
                guard count < maxEndpointsPerSubset, let ip = address.ip, !ip.isEmpty else { continue }
                count += 1
                let type = EndpointSliceSync.addressType(of: ip)
                let key = SliceGroup.key(type, ports)
                if groups[key] == nil {
                    groups[key] = SliceGroup(addressType: type, ports: ports, endpoints: [])
                    order.append(key)
                }
                groups[key]?.endpoints.append(DiscoveryV1.Endpoint(
                    addresses: [ip], conditions: DiscoveryV1.EndpointConditions(ready: ready),
                    hostname: address.hostname, nodeName: address.nodeName, targetRef: address.targetRef))
            }
        }
        return order.compactMap { groups[$0] }
    }

    static func labels(_ endpoints: CoreV1.Endpoints) -> [String: String] {
        var labels = endpoints.metadata?.labels ?? [:]
        labels.removeValue(forKey: ServiceEndpoints.skipMirrorLabel)
        labels[ServiceEndpoints.serviceNameLabel] = endpoints.metadata?.name ?? ""
        labels[ServiceEndpoints.managedByLabel] = controllerName
        return labels
    }

    static func plan(_ endpoints: CoreV1.Endpoints, existing: [DiscoveryV1.EndpointSlice]) -> SlicePlan {
        let labels = labels(endpoints)
        let groups = groups(endpoints)
        if groups.isEmpty {
            // Nothing to mirror: no slices at all (upstream keeps no placeholder here).
            return SlicePlan(delete: existing.compactMap(\.metadata?.name).sorted())
        }
        return SlicePlan.make(groups: groups, existing: existing, maxPerSlice: maxEndpointsPerSlice,
                              placeholderType: "IPv4", labels: labels) { g in
            let meta = MetaV1.ObjectMeta(generateName: "\(endpoints.metadata?.name ?? "")-", labels: labels,
                                         namespace: endpoints.metadata?.namespace,
                                         ownerReferences: [MetaV1.OwnerReference(apiVersion: "v1", blockOwnerDeletion: true, controller: true,
                                                                                 kind: "Endpoints", name: endpoints.metadata?.name,
                                                                                 uid: endpoints.metadata?.uid)])
            return DiscoveryV1.EndpointSlice(addressType: g.addressType, endpoints: g.endpoints, metadata: meta,
                                             ports: g.ports.isEmpty ? nil : g.ports)
        }
    }
}
