import Foundation
import SkiffAPI
import SkiffClient

/// One pod affinity term, compiled (upstream `framework.AffinityTerm`).
package struct AffinityTerm: Sendable {
    package var namespaces: Set<String>
    package var selector: LabelSelector
    package var topologyKey: String
    /// Selects namespaces by their labels; `.nothing` when the term has none.
    package var namespaceSelector: LabelSelector
    package var weight: Int32 = 0

    /// Whether `pod` is one of the pods this term is about; `namespaceLabels` are the labels of the
    /// pod's namespace (only consulted through `namespaceSelector`).
    package func matches(_ pod: PodInfo, namespaceLabels: [String: String]) -> Bool {
        if namespaces.contains(pod.namespace) || namespaceSelector.matches(namespaceLabels) {
            return selector.matches(pod.labels)
        }
        return false
    }
}

/// A host port a container asks for (`hostIP` defaults to 0.0.0.0, protocol to TCP).
package struct HostPort: Sendable, Hashable {
    package var ip: String
    package var proto: String
    package var port: Int32
}

/// Everything the scheduler derives from a pod, computed once when the pod enters the cache or
/// the queue so that the per-node loop never parses the spec again (upstream `framework.PodInfo`).
package final class PodInfo: Sendable {
    package let pod: CoreV1.Pod
    package let uid: String
    package let namespace: String
    package let name: String
    package let labels: [String: String]
    package let priority: Int32
    package let nodeName: String
    package let schedulerName: String
    package let isTerminating: Bool
    package let terminatingByPreemption: Bool
    /// status.startTime, or creationTimestamp when not started (for MoreImportantPod).
    package let startTime: Date
    package let requests: PodRequests
    package let hostPorts: [HostPort]
    package let requiredAffinityTerms: [AffinityTerm]
    package let requiredAntiAffinityTerms: [AffinityTerm]
    package let preferredAffinityTerms: [AffinityTerm]
    package let preferredAntiAffinityTerms: [AffinityTerm]
    /// Image names normalised with `:latest` where untagged (ImageLocality).
    package let images: [String]
    package let containerCount: Int
    package let claimNames: [String]

    package var key: String { namespace + "/" + name }
    package var hasAffinityTerms: Bool {
        !requiredAffinityTerms.isEmpty || !requiredAntiAffinityTerms.isEmpty
            || !preferredAffinityTerms.isEmpty || !preferredAntiAffinityTerms.isEmpty
    }

    package init(_ pod: CoreV1.Pod) {
        self.pod = pod
        let meta = pod.metadata
        let spec = pod.spec
        uid = meta?.uid ?? ""
        namespace = meta?.namespace ?? ""
        name = meta?.name ?? ""
        labels = meta?.labels ?? [:]
        priority = spec?.priority ?? 0
        nodeName = spec?.nodeName ?? ""
        schedulerName = spec?.schedulerName ?? "default-scheduler"
        isTerminating = meta?.deletionTimestamp != nil
        terminatingByPreemption = isTerminating && (pod.status?.conditions ?? []).contains {
            $0.type == "DisruptionTarget" && $0.status == "True" && $0.reason == "PreemptionByScheduler"
        }
        startTime = (pod.status?.startTime ?? meta?.creationTimestamp).flatMap(KubeTime.parse) ?? Date(timeIntervalSince1970: 0)
        requests = PodRequests(spec: spec)

        var ports: [HostPort] = []
        let sidecars = (spec?.initContainers ?? []).filter { $0.restartPolicy == "Always" }
        for c in (spec?.containers ?? []) + sidecars {
            for p in c.ports ?? [] {
                guard let hp = p.hostPort, hp > 0 else { continue }
                let ip = (p.hostIP ?? "").isEmpty ? "0.0.0.0" : p.hostIP!
                ports.append(HostPort(ip: ip, proto: (p.protocol ?? "").isEmpty ? "TCP" : p.protocol!, port: hp))
            }
        }
        hostPorts = ports

        let affinity = spec?.affinity
        let ns = namespace
        let podLabels = labels
        func compile(_ t: CoreV1.PodAffinityTerm, weight: Int32 = 0) -> AffinityTerm {
            var selector = LabelSelector(t.labelSelector)
            // matchLabelKeys / mismatchLabelKeys: the API server merges them into labelSelector
            // at creation; merging again is harmless and covers objects created before that.
            if t.labelSelector != nil {
                for k in t.matchLabelKeys ?? [] { if let v = podLabels[k] { selector = selector.adding(key: k, value: v, negated: false) } }
                for k in t.mismatchLabelKeys ?? [] { if let v = podLabels[k] { selector = selector.adding(key: k, value: v, negated: true) } }
            }
            var namespaces = Set(t.namespaces ?? [])
            if namespaces.isEmpty && t.namespaceSelector == nil { namespaces.insert(ns) }
            return AffinityTerm(namespaces: namespaces, selector: selector, topologyKey: t.topologyKey ?? "",
                                namespaceSelector: t.namespaceSelector.map { LabelSelector($0) } ?? .nothing, weight: weight)
        }
        requiredAffinityTerms = (affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map { compile($0) }
        requiredAntiAffinityTerms = (affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map { compile($0) }
        preferredAffinityTerms = (affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).compactMap { w in
            w.podAffinityTerm.map { compile($0, weight: w.weight ?? 0) }
        }
        preferredAntiAffinityTerms = (affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).compactMap { w in
            w.podAffinityTerm.map { compile($0, weight: w.weight ?? 0) }
        }

        let all = (spec?.initContainers ?? []) + (spec?.containers ?? [])
        images = all.compactMap { $0.image }.map(Self.normalizedImageName)
        containerCount = all.count
        claimNames = (spec?.volumes ?? []).compactMap { $0.persistentVolumeClaim?.claimName }
    }

    /// `name:latest` when the reference carries neither tag nor digest after its last `/`.
    package static func normalizedImageName(_ name: String) -> String {
        let lastColon = name.lastIndex(of: ":")
        let lastSlash = name.lastIndex(of: "/")
        switch (lastColon, lastSlash) {
        case (nil, _): return name + ":latest"
        case let (c?, s?) where c < s: return name + ":latest"
        default: return name
        }
    }

    /// Upstream `util.MoreImportantPod`: higher priority, then the one that started earlier.
    package static func moreImportant(_ a: PodInfo, _ b: PodInfo) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        return a.startTime < b.startTime
    }
}
