import SkiffAPI

/// The Endpoints controller's decision (upstream `endpoints_controller.syncService`): the
/// subsets a selector-based Service's Endpoints should hold for the pods it selects.
enum EndpointsSync {
    /// Upstream truncates at 1000 addresses and says so in this annotation.
    static let maxAddresses = 1000
    static let overCapacityAnnotation = "endpoints.kubernetes.io/over-capacity"

    /// The subsets, repacked (pods with the same ports share one subset) and sorted.
    static func subsets(_ service: CoreV1.Service, pods: [CoreV1.Pod]) -> [CoreV1.EndpointSubset] {
        let tolerateUnready = service.spec?.publishNotReadyAddresses ?? false
        let servicePorts = service.spec?.ports ?? []
        // One entry per (address, port set).
        var groups: [String: (ports: [CoreV1.EndpointPort], ready: [CoreV1.EndpointAddress], notReady: [CoreV1.EndpointAddress])] = [:]
        for pod in ServiceEndpoints.selectedPods(service, from: pods) {
            guard ServiceEndpoints.included(pod, includeTerminating: tolerateUnready) else { continue }
            // The Endpoints API holds the primary family's address only.
            guard let ip = ServiceEndpoints.podIPs(pod).first else { continue }
            let address = CoreV1.EndpointAddress(hostname: ServiceEndpoints.hostname(pod, service), ip: ip,
                                                 nodeName: pod.spec?.nodeName, targetRef: ServiceEndpoints.targetRef(pod))
            var ports: [CoreV1.EndpointPort] = []
            if servicePorts.isEmpty {
                // A headless Service without ports still publishes its addresses.
                guard ServiceEndpoints.isHeadless(service) else { continue }
            } else {
                for sp in servicePorts {
                    guard let n = ServiceEndpoints.findPort(pod, sp) else { continue }
                    ports.append(CoreV1.EndpointPort(appProtocol: sp.appProtocol, name: sp.name, port: n, protocol: sp.protocol ?? "TCP"))
                }
                if ports.isEmpty { continue }
            }
            ports.sort { ($0.name ?? "", $0.port ?? 0) < ($1.name ?? "", $1.port ?? 0) }
            let key = portsKey(ports)
            if tolerateUnready || pod.isReady {
                groups[key, default: (ports, [], [])].ready.append(address)
            } else {
                groups[key, default: (ports, [], [])].notReady.append(address)
            }
        }
        var subsets: [CoreV1.EndpointSubset] = groups.values.map { addresses in
            let ports = addresses.ports
            return CoreV1.EndpointSubset(addresses: addresses.ready.isEmpty ? nil : addresses.ready.sorted(by: addressOrder),
                                  notReadyAddresses: addresses.notReady.isEmpty ? nil : addresses.notReady.sorted(by: addressOrder),
                                  ports: ports.isEmpty ? nil : ports)
        }
        subsets.sort { portsKey($0.ports) < portsKey($1.ports) }
        return subsets
    }

    /// Caps the total number of addresses at `maxAddresses` (ready ones kept first).
    static func truncated(_ subsets: [CoreV1.EndpointSubset]) -> (subsets: [CoreV1.EndpointSubset], truncated: Bool) {
        let total = subsets.reduce(0) { $0 + ($1.addresses?.count ?? 0) + ($1.notReadyAddresses?.count ?? 0) }
        guard total > maxAddresses else { return (subsets, false) }
        var budget = maxAddresses
        var out = subsets
        for i in out.indices {
            let keep = min(budget, out[i].addresses?.count ?? 0)
            out[i].addresses = out[i].addresses.map { Array($0.prefix(keep)) }
            budget -= keep
        }
        for i in out.indices {
            let keep = min(budget, out[i].notReadyAddresses?.count ?? 0)
            out[i].notReadyAddresses = out[i].notReadyAddresses.map { Array($0.prefix(keep)) }
            budget -= keep
        }
        out = out.map { s in
            var s = s
            if s.addresses?.isEmpty == true { s.addresses = nil }
            if s.notReadyAddresses?.isEmpty == true { s.notReadyAddresses = nil }
            return s
        }.filter { $0.addresses != nil || $0.notReadyAddresses != nil }
        return (out, true)
    }

    /// The Endpoints object to store for `service` (nil fields as the API server would omit them).
    static func desired(_ service: CoreV1.Service, pods: [CoreV1.Pod], current: CoreV1.Endpoints?) -> CoreV1.Endpoints {
        let (subsets, truncated) = truncated(subsets(service, pods: pods))
        var endpoints = current ?? CoreV1.Endpoints(metadata: MetaV1.ObjectMeta(name: service.metadata?.name, namespace: service.metadata?.namespace))
        endpoints.metadata?.labels = ServiceEndpoints.labels(for: service).nilIfEmpty
        var annotations = current?.metadata?.annotations ?? [:]
        if truncated { annotations[overCapacityAnnotation] = "truncated" } else { annotations.removeValue(forKey: overCapacityAnnotation) }
        endpoints.metadata?.annotations = annotations.nilIfEmpty
        endpoints.subsets = subsets.isEmpty ? nil : subsets
        return endpoints
    }

    /// Whether storing `desired` over `current` changes anything a reader sees.
    static func differs(_ desired: CoreV1.Endpoints, _ current: CoreV1.Endpoints?) -> Bool {
        guard let current else { return true }
        return (current.subsets ?? []) != (desired.subsets ?? [])
            || (current.metadata?.labels ?? [:]) != (desired.metadata?.labels ?? [:])
            || (current.metadata?.annotations ?? [:]) != (desired.metadata?.annotations ?? [:])
    }

    static func addressOrder(_ a: CoreV1.EndpointAddress, _ b: CoreV1.EndpointAddress) -> Bool {
        (a.ip ?? "", a.targetRef?.uid ?? "") < (b.ip ?? "", b.targetRef?.uid ?? "")
    }

    static func portsKey(_ ports: [CoreV1.EndpointPort]?) -> String {
        (ports ?? []).map { "\($0.name ?? "")/\($0.port ?? 0)/\($0.protocol ?? "")" }.joined(separator: ",")
    }
}

extension Dictionary {
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
