import SkiffAPI

/// What the Endpoints and EndpointSlice controllers share (upstream `endpointutil` and
/// `podutil.FindPort`): which pods back a Service and on which ports.
enum ServiceEndpoints {
    /// The label EndpointSlices name their Service with.
    static let serviceNameLabel = "kubernetes.io/service-name"
    static let managedByLabel = "endpointslice.kubernetes.io/managed-by"
    static let headlessLabel = "service.kubernetes.io/headless"
    static let skipMirrorLabel = "endpointslice.kubernetes.io/skip-mirror"
    static let triggerTimeAnnotation = "endpoints.kubernetes.io/last-change-trigger-time"

    /// Services without a selector get no controller-managed endpoints (their Endpoints are
    /// written by hand and mirrored).
    static func selects(_ service: CoreV1.Service) -> Bool { service.spec?.selector != nil && service.spec?.type != "ExternalName" }

    static func isHeadless(_ service: CoreV1.Service) -> Bool { service.spec?.clusterIP == "None" }

    /// The pods a selector-based Service matches (same namespace).
    static func selectedPods(_ service: CoreV1.Service, from pods: [CoreV1.Pod]) -> [CoreV1.Pod] {
        let selector = service.spec?.selector ?? [:]
        return pods.filter { p in
            p.namespace == (service.metadata?.namespace ?? "") && selector.allSatisfy { p.labels[$0.key] == $0.value }
        }
    }

    /// `ShouldPodBeInEndpoints`: an address, not finished; terminating pods only when asked.
    static func included(_ pod: CoreV1.Pod, includeTerminating: Bool) -> Bool {
        if pod.phase == "Succeeded" || pod.phase == "Failed" { return false }
        if podIPs(pod).isEmpty { return false }
        if !includeTerminating && pod.isTerminating { return false }
        return true
    }

    static func podIPs(_ pod: CoreV1.Pod) -> [String] {
        let ips = (pod.status?.podIPs ?? []).compactMap(\.ip).filter { !$0.isEmpty }
        if !ips.isEmpty { return ips }
        if let ip = pod.status?.podIP, !ip.isEmpty { return [ip] }
        return []
    }

    /// `podutil.FindPort`: a numeric targetPort as is (the port itself when unset), a named one
    /// looked up among the pod's container ports with the same protocol; nil when not found.
    static func findPort(_ pod: CoreV1.Pod, _ port: CoreV1.ServicePort) -> Int32? {
        let proto = port.protocol ?? "TCP"
        switch port.targetPort {
        case .int(let n)?: return n == 0 ? port.port : n
        case nil: return port.port
        case .string(let name)?:
            if let n = Int32(name) { return n }
            for c in (pod.spec?.initContainers ?? []) + (pod.spec?.containers ?? []) {
                for cp in c.ports ?? [] where cp.name == name && (cp.protocol ?? "TCP") == proto {
                    return cp.containerPort
                }
            }
            return nil
        }
    }

    /// The hostname a pod publishes under a Service: `spec.hostname` when its `subdomain` is the
    /// Service's name (the headless-Service DNS records).
    static func hostname(_ pod: CoreV1.Pod, _ service: CoreV1.Service) -> String? {
        guard let h = pod.spec?.hostname, !h.isEmpty, pod.spec?.subdomain == service.metadata?.name,
              pod.namespace == service.metadata?.namespace else { return nil }
        return h
    }

    static func targetRef(_ pod: CoreV1.Pod) -> CoreV1.ObjectReference {
        CoreV1.ObjectReference(kind: "Pod", name: pod.name, namespace: pod.namespace, uid: pod.uid)
    }

    /// Labels of the generated objects: the Service's own labels, plus the headless marker.
    static func labels(for service: CoreV1.Service) -> [String: String] {
        var labels = service.metadata?.labels ?? [:]
        labels.removeValue(forKey: headlessLabel)
        if isHeadless(service) { labels[headlessLabel] = "" }
        return labels
    }
}
