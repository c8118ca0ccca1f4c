import Foundation
import SkiffAPI
@testable import SkiffScheduler

/// Small builders for nodes and pods, so each test states only what matters to it.
struct NodeBuilder {
    var node: CoreV1.Node

    init(_ name: String, cpu: String = "4", memory: String = "8Gi", pods: String = "110") {
        node = CoreV1.Node(
            metadata: MetaV1.ObjectMeta(labels: ["kubernetes.io/hostname": name], name: name, uid: "node-" + name),
            spec: CoreV1.NodeSpec(),
            status: CoreV1.NodeStatus(allocatable: [
                "cpu": q(cpu), "memory": q(memory), "pods": q(pods), "ephemeral-storage": q("100Gi"),
            ]))
    }

    func label(_ k: String, _ v: String) -> NodeBuilder {
        var b = self
        b.node.metadata?.labels?[k] = v
        return b
    }

    func zone(_ z: String) -> NodeBuilder { label("topology.kubernetes.io/zone", z) }

    func taint(_ key: String, _ value: String = "", effect: String = "NoSchedule") -> NodeBuilder {
        var b = self
        let current = b.node.spec?.taints ?? []
        b.node.spec?.taints = current + [CoreV1.Taint(effect: effect, key: key, value: value)]
        return b
    }

    func unschedulable() -> NodeBuilder {
        var b = self
        b.node.spec?.unschedulable = true
        return b
    }

    func allocatable(_ name: String, _ amount: String) -> NodeBuilder {
        var b = self
        b.node.status?.allocatable?[name] = q(amount)
        return b
    }

    func image(_ name: String, sizeMB: Int64) -> NodeBuilder {
        var b = self
        let current = b.node.status?.images ?? []
        b.node.status?.images = current + [CoreV1.ContainerImage(names: [name], sizeBytes: sizeMB * 1024 * 1024)]
        return b
    }

    var build: CoreV1.Node { node }
}

struct PodBuilder {
    var pod: CoreV1.Pod

    init(_ name: String, namespace: String = "default", cpu: String? = nil, memory: String? = nil) {
        var requests: [String: Quantity] = [:]
        if let cpu { requests["cpu"] = q(cpu) }
        if let memory { requests["memory"] = q(memory) }
        pod = CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(creationTimestamp: "2026-01-01T00:00:00Z", labels: [:], name: name, namespace: namespace, uid: "uid-" + namespace + "-" + name),
            spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "busybox", name: "c", resources: CoreV1.ResourceRequirements(requests: requests.isEmpty ? nil : requests))],
                                 schedulerName: "default-scheduler"),
            status: CoreV1.PodStatus(phase: "Pending"))
    }

    func label(_ k: String, _ v: String) -> PodBuilder {
        var b = self
        b.pod.metadata?.labels?[k] = v
        return b
    }

    func on(_ node: String) -> PodBuilder {
        var b = self
        b.pod.spec?.nodeName = node
        return b
    }

    func priority(_ p: Int32) -> PodBuilder {
        var b = self
        b.pod.spec?.priority = p
        return b
    }

    func nodeSelector(_ s: [String: String]) -> PodBuilder {
        var b = self
        b.pod.spec?.nodeSelector = s
        return b
    }

    func toleration(_ key: String, op: String = "Exists", value: String? = nil, effect: String? = nil) -> PodBuilder {
        var b = self
        let current = b.pod.spec?.tolerations ?? []
        b.pod.spec?.tolerations = current + [CoreV1.Toleration(effect: effect, key: key, operator: op, value: value)]
        return b
    }

    func hostPort(_ port: Int32, ip: String? = nil) -> PodBuilder {
        var b = self
        b.pod.spec?.containers?[0].ports = [CoreV1.ContainerPort(containerPort: port, hostIP: ip, hostPort: port)]
        return b
    }

    func initContainer(cpu: String, sidecar: Bool = false) -> PodBuilder {
        var b = self
        let c = CoreV1.Container(name: "init\(b.pod.spec?.initContainers?.count ?? 0)",
                                 resources: CoreV1.ResourceRequirements(requests: ["cpu": q(cpu)]),
                                 restartPolicy: sidecar ? "Always" : nil)
        let current = b.pod.spec?.initContainers ?? []
        b.pod.spec?.initContainers = current + [c]
        return b
    }

    func overhead(cpu: String) -> PodBuilder {
        var b = self
        b.pod.spec?.overhead = ["cpu": q(cpu)]
        return b
    }

    func request(_ name: String, _ amount: String) -> PodBuilder {
        var b = self
        var r = b.pod.spec?.containers?[0].resources?.requests ?? [:]
        r[name] = q(amount)
        b.pod.spec?.containers?[0].resources = CoreV1.ResourceRequirements(requests: r)
        return b
    }

    func requiredNodeAffinity(_ key: String, _ op: String, _ values: [String]) -> PodBuilder {
        var b = self
        let term = CoreV1.NodeSelectorTerm(matchExpressions: [CoreV1.NodeSelectorRequirement(key: key, operator: op, values: values)])
        var a = b.pod.spec?.affinity ?? CoreV1.Affinity()
        a.nodeAffinity = CoreV1.NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution: CoreV1.NodeSelector(nodeSelectorTerms: [term]))
        b.pod.spec?.affinity = a
        return b
    }

    func preferredNodeAffinity(_ key: String, _ value: String, weight: Int32) -> PodBuilder {
        var b = self
        let term = CoreV1.PreferredSchedulingTerm(
            preference: CoreV1.NodeSelectorTerm(matchExpressions: [CoreV1.NodeSelectorRequirement(key: key, operator: "In", values: [value])]),
            weight: weight)
        var a = b.pod.spec?.affinity ?? CoreV1.Affinity()
        var na = a.nodeAffinity ?? CoreV1.NodeAffinity()
        na.preferredDuringSchedulingIgnoredDuringExecution = (na.preferredDuringSchedulingIgnoredDuringExecution ?? []) + [term]
        a.nodeAffinity = na
        b.pod.spec?.affinity = a
        return b
    }

    func podAffinity(_ labels: [String: String], topologyKey: String, anti: Bool = false, namespaces: [String]? = nil,
                     namespaceSelector: MetaV1.LabelSelector? = nil) -> PodBuilder {
        var b = self
        let term = CoreV1.PodAffinityTerm(labelSelector: MetaV1.LabelSelector(matchLabels: labels),
                                          namespaceSelector: namespaceSelector, namespaces: namespaces, topologyKey: topologyKey)
        var a = b.pod.spec?.affinity ?? CoreV1.Affinity()
        if anti {
            var pa = a.podAntiAffinity ?? CoreV1.PodAntiAffinity()
            pa.requiredDuringSchedulingIgnoredDuringExecution = (pa.requiredDuringSchedulingIgnoredDuringExecution ?? []) + [term]
            a.podAntiAffinity = pa
        } else {
            var pa = a.podAffinity ?? CoreV1.PodAffinity()
            pa.requiredDuringSchedulingIgnoredDuringExecution = (pa.requiredDuringSchedulingIgnoredDuringExecution ?? []) + [term]
            a.podAffinity = pa
        }
        b.pod.spec?.affinity = a
        return b
    }

    func preferredPodAffinity(_ labels: [String: String], topologyKey: String, weight: Int32, anti: Bool = false) -> PodBuilder {
        var b = self
        let term = CoreV1.WeightedPodAffinityTerm(
            podAffinityTerm: CoreV1.PodAffinityTerm(labelSelector: MetaV1.LabelSelector(matchLabels: labels), topologyKey: topologyKey),
            weight: weight)
        var a = b.pod.spec?.affinity ?? CoreV1.Affinity()
        if anti {
            var pa = a.podAntiAffinity ?? CoreV1.PodAntiAffinity()
            pa.preferredDuringSchedulingIgnoredDuringExecution = (pa.preferredDuringSchedulingIgnoredDuringExecution ?? []) + [term]
            a.podAntiAffinity = pa
        } else {
            var pa = a.podAffinity ?? CoreV1.PodAffinity()
            pa.preferredDuringSchedulingIgnoredDuringExecution = (pa.preferredDuringSchedulingIgnoredDuringExecution ?? []) + [term]
            a.podAffinity = pa
        }
        b.pod.spec?.affinity = a
        return b
    }

    func spread(_ key: String, maxSkew: Int32 = 1, labels: [String: String], when: String = "DoNotSchedule", minDomains: Int32? = nil,
                nodeAffinityPolicy: String? = nil, nodeTaintsPolicy: String? = nil, matchLabelKeys: [String]? = nil) -> PodBuilder {
        var b = self
        let c = CoreV1.TopologySpreadConstraint(labelSelector: MetaV1.LabelSelector(matchLabels: labels), matchLabelKeys: matchLabelKeys,
                                                maxSkew: maxSkew, minDomains: minDomains, nodeAffinityPolicy: nodeAffinityPolicy,
                                                nodeTaintsPolicy: nodeTaintsPolicy, topologyKey: key, whenUnsatisfiable: when)
        let current = b.pod.spec?.topologySpreadConstraints ?? []
        b.pod.spec?.topologySpreadConstraints = current + [c]
        return b
    }

    func claim(_ name: String) -> PodBuilder {
        var b = self
        let current = b.pod.spec?.volumes ?? []
        b.pod.spec?.volumes = current + [CoreV1.Volume(name: name, persistentVolumeClaim: CoreV1.PersistentVolumeClaimVolumeSource(claimName: name))]
        return b
    }

    func preemptionPolicy(_ p: String) -> PodBuilder {
        var b = self
        b.pod.spec?.preemptionPolicy = p
        return b
    }

    func started(_ seconds: Int) -> PodBuilder {
        var b = self
        b.pod.status?.startTime = KubeTime.format(Date(timeIntervalSince1970: 1_700_000_000 + Double(seconds)))
        return b
    }

    func image(_ name: String) -> PodBuilder {
        var b = self
        b.pod.spec?.containers?[0].image = name
        return b
    }

    var build: CoreV1.Pod { pod }
    var info: PodInfo { PodInfo(pod) }
}

func q(_ s: String) -> Quantity {
    // Fixtures are literals written by the tests; a typo should fail loudly.
    guard let v = try? Quantity(parsing: s) else { fatalError("bad quantity literal \(s)") }
    return v
}

/// Runs one scheduling decision with a fixed random seed.
func schedule(_ pod: PodBuilder, nodes: [NodeBuilder], pods: [PodBuilder] = [], profile: Profile = Profile(),
              parallelism: Int = 2, seed: UInt64 = 42) async -> SchedulingAlgorithm.Outcome {
    let snapshot = Snapshot(nodes: nodes.map(\.build), pods: pods.map(\.build))
    var algorithm = SchedulingAlgorithm(framework: Framework(profile: profile), parallelizer: Parallelizer(parallelism: parallelism),
                                        rng: SplitMix64(seed: seed))
    return await algorithm.schedule(pod.info, snapshot: snapshot)
}

extension SchedulingAlgorithm.Outcome {
    var host: String? {
        if case .scheduled(let r) = self { return r.suggestedHost }
        return nil
    }

    var fitError: FitError? {
        if case .unschedulable(let e, _) = self { return e }
        return nil
    }
}

/// State + node for calling one plugin directly.
func cycle(_ pod: PodBuilder, nodes: [NodeBuilder], pods: [PodBuilder] = []) -> (CycleState, Snapshot) {
    let snapshot = Snapshot(nodes: nodes.map(\.build), pods: pods.map(\.build))
    let pre = Framework().preFilter(pod.info, snapshot: snapshot)
    return (pre.state, snapshot)
}
