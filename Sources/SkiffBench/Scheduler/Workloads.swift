import SkiffAPI

/// The pods of each benchmark workload (shapes after scheduler_perf's templates).
struct Workloads {
    let options: SchedulerBenchmark.Options

    private func pod(_ namespace: String, _ name: String, cpu: String, memory: String, labels: [String: String]? = nil,
                     priorityClass: String? = nil, priority: Int32? = nil) -> CoreV1.Pod {
        let requests: [String: Quantity] = ["cpu": (try? Quantity(parsing: cpu)) ?? Quantity(0),
                                             "memory": (try? Quantity(parsing: memory)) ?? Quantity(0)]
        return CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(labels: labels, name: name, namespace: namespace),
            spec: CoreV1.PodSpec(
                containers: [CoreV1.Container(image: "registry.k8s.io/pause:3.10", name: "pause",
                                              resources: CoreV1.ResourceRequirements(requests: requests))],
                priority: priority, priorityClassName: priorityClass, terminationGracePeriodSeconds: 0))
    }

    /// Requests only (scheduler_perf's pod-default: 100m cpu, 500Mi memory).
    func basic() -> [CoreV1.Pod] {
        (0 ..< options.pods).map { pod("bench-basic", "basic-\($0)", cpu: "100m", memory: "500Mi") }
    }

    /// Required anti-affinity on hostname within groups of half the nodes: each group's pods
    /// must all land on different nodes.
    func antiAffinity() -> [CoreV1.Pod] {
        let groupSize = max(options.nodes / 2, 1)
        return (0 ..< max(options.pods / 10, 1)).map { index in
            let group = "g\(index / groupSize)"
            var p = pod("bench-anti-affinity", "anti-\(index)", cpu: "100m", memory: "100Mi", labels: ["group": group])
            let term = CoreV1.PodAffinityTerm(labelSelector: MetaV1.LabelSelector(matchLabels: ["group": group]),
                                              topologyKey: "kubernetes.io/hostname")
            p.spec?.affinity = CoreV1.Affinity(podAntiAffinity: CoreV1.PodAntiAffinity(requiredDuringSchedulingIgnoredDuringExecution: [term]))
            return p
        }
    }

    /// Topology spread over zones (maxSkew 1, DoNotSchedule).
    func spread() -> [CoreV1.Pod] {
        (0 ..< max(options.pods / 10, 1)).map { index in
            var p = pod("bench-topology-spread", "spread-\(index)", cpu: "100m", memory: "100Mi", labels: ["app": "spread"])
            p.spec?.topologySpreadConstraints = [CoreV1.TopologySpreadConstraint(
                labelSelector: MetaV1.LabelSelector(matchLabels: ["app": "spread"]), maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule")]
            return p
        }
    }

    /// Four low-priority 7-cpu pods per 32-cpu node: afterwards no node has 7 cpu free.
    func preemptionFill() -> [CoreV1.Pod] {
        (0 ..< options.nodes * 4).map {
            pod("bench-preemption-fill", "low-\($0)", cpu: "7", memory: "1Gi", priorityClass: "bench-low", priority: 100)
        }
    }

    /// High-priority 7-cpu pods for half the nodes: each must preempt one low-priority pod.
    func preemptors() -> [CoreV1.Pod] {
        (0 ..< max(options.nodes / 2, 1)).map {
            pod("bench-preemption", "high-\($0)", cpu: "7", memory: "1Gi", priorityClass: "bench-high", priority: 10_000)
        }
    }
}
