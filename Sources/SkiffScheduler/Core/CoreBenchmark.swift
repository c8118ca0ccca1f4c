import Foundation
import SkiffAPI

/// Measures the pure decision core without any I/O: N synthetic nodes, then M pods placed one
/// after another (snapshot update, schedule, assume), as the scheduling loop does. For
/// `skiff bench scheduler` and ad-hoc runs; the numbers exclude binding and the API server.
package enum CoreBenchmark {
    package enum Workload: String, Sendable, CaseIterable {
        case basic
        case antiAffinity = "anti-affinity"
        case topologySpread = "topology-spread"
    }

    package struct Result: Sendable {
        package var workload: Workload
        package var nodes: Int
        package var pods: Int
        package var scheduled: Int
        package var seconds: Double
        package var cyclesPerSecond: Double { seconds > 0 ? Double(pods) / seconds : 0 }
    }

    package static func node(_ i: Int, zones: Int = 3) -> CoreV1.Node {
        let name = "hollow-\(i)"
        return CoreV1.Node(
            metadata: MetaV1.ObjectMeta(labels: ["kubernetes.io/hostname": name, "topology.kubernetes.io/zone": "zone-\(i % zones)"],
                                        name: name, uid: "node-uid-\(i)"),
            spec: CoreV1.NodeSpec(),
            status: CoreV1.NodeStatus(allocatable: [
                "cpu": Quantity(32), "memory": Quantity(256 * 1024 * 1024 * 1024, format: .binarySI), "pods": Quantity(110),
                "ephemeral-storage": Quantity(100 * 1024 * 1024 * 1024, format: .binarySI),
            ]))
    }

    package static func pod(_ i: Int, workload: Workload) -> CoreV1.Pod {
        var spec = CoreV1.PodSpec(containers: [CoreV1.Container(
            image: "registry.k8s.io/pause:3.10", name: "c",
            resources: CoreV1.ResourceRequirements(requests: ["cpu": Quantity(milli: 100), "memory": Quantity(128 * 1024 * 1024, format: .binarySI)]))])
        let labels = ["app": "bench-\(workload.rawValue)"]
        switch workload {
        case .basic: break
        case .antiAffinity:
            spec.affinity = CoreV1.Affinity(podAntiAffinity: CoreV1.PodAntiAffinity(requiredDuringSchedulingIgnoredDuringExecution: [
                CoreV1.PodAffinityTerm(labelSelector: MetaV1.LabelSelector(matchLabels: labels), topologyKey: "kubernetes.io/hostname"),
            ]))
        case .topologySpread:
            spec.topologySpreadConstraints = [CoreV1.TopologySpreadConstraint(
                labelSelector: MetaV1.LabelSelector(matchLabels: labels), maxSkew: 1,
                topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule")]
        }
        return CoreV1.Pod(metadata: MetaV1.ObjectMeta(labels: labels, name: "pod-\(i)", namespace: "bench", uid: "pod-uid-\(workload.rawValue)-\(i)"),
                          spec: spec)
    }

    /// Schedules `pods` pods of `workload` over `nodes` nodes and times the loop.
    package static func run(workload: Workload, nodes: Int, pods: Int, parallelism: Int = ProcessInfo.processInfo.activeProcessorCount) async -> Result {
        var cache = SchedulerCache()
        for i in 0 ..< nodes { cache.addNode(node(i)) }
        var snapshot = Snapshot()
        cache.updateSnapshot(&snapshot)
        let podInfos = (0 ..< pods).map { PodInfo(pod($0, workload: workload)) }
        var algorithm = SchedulingAlgorithm(parallelizer: Parallelizer(parallelism: parallelism), rng: SplitMix64(seed: 1))
        var scheduled = 0
        let start = ContinuousClock.now
        for pod in podInfos {
            cache.updateSnapshot(&snapshot)
            if case .scheduled(let r) = await algorithm.schedule(pod, snapshot: snapshot) {
                var bound = pod.pod
                bound.spec?.nodeName = r.suggestedHost
                try? cache.assume(PodInfo(bound))
                scheduled += 1
            }
        }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(workload: workload, nodes: nodes, pods: pods, scheduled: scheduled, seconds: seconds)
    }
}
