import SkiffAPI
import Testing
@testable import SkiffScheduler

@Suite("Score plugins and normalisation", .timeLimit(.minutes(2)))
struct ScorePluginTests {
    /// Raw then normalised scores of one plugin over the nodes (all assumed feasible).
    func scores(_ plugin: PluginName, _ pod: PodBuilder, nodes: [NodeBuilder], pods: [PodBuilder] = []) -> [Int64] {
        let snapshot = Snapshot(nodes: nodes.map(\.build), pods: pods.map(\.build))
        let framework = Framework()
        var state = framework.preFilter(pod.info, snapshot: snapshot).state
        let infos = snapshot.nodes
        let active = framework.preScore(&state, feasible: infos, snapshot: snapshot)
        guard active.contains(where: { $0.0 == plugin }) else { return [] }
        var s = infos.map { framework.score(plugin, state, $0, snapshot: snapshot) }
        framework.normalize(plugin, &s, names: infos.map(\.name), state: state)
        return s
    }

    @Test("DefaultNormalizeScore scales by the maximum and reverses when asked")
    func defaultNormalize() {
        var a: [Int64] = [0, 5, 10]
        ScoreNormalization.normalize(&a, reverse: false)
        #expect(a == [0, 50, 100])
        var b: [Int64] = [0, 5, 10]
        ScoreNormalization.normalize(&b, reverse: true)
        #expect(b == [100, 50, 0])
        var zero: [Int64] = [0, 0]
        ScoreNormalization.normalize(&zero, reverse: true)
        #expect(zero == [100, 100])
    }

    @Test("LeastAllocated favours the emptier node, counting best-effort pods as 100m/200Mi")
    func leastAllocated() {
        let nodes = [NodeBuilder("a", cpu: "4", memory: "8Gi"), NodeBuilder("b", cpu: "4", memory: "8Gi")]
        let pods = [PodBuilder("e", cpu: "2", memory: "4Gi").on("a")]
        let s = scores(.nodeResourcesFit, PodBuilder("p", cpu: "1", memory: "2Gi"), nodes: nodes, pods: pods)
        // a: cpu (4000-3000)*100/4000 = 25, memory 25 → 25; b: 75.
        #expect(s == [25, 75])
        let be = scores(.nodeResourcesFit, PodBuilder("p"), nodes: [NodeBuilder("a", cpu: "1", memory: "1000Mi")])
        // cpu (1000-100)*100/1000 = 90, memory (1000Mi-200Mi)/1000Mi = 80 → 85.
        #expect(be == [85])
    }

    @Test("BalancedAllocation favours equal cpu and memory fractions and skips best-effort pods")
    func balanced() {
        let nodes = [NodeBuilder("a", cpu: "4", memory: "4Gi"), NodeBuilder("b", cpu: "4", memory: "4Gi")]
        let pods = [PodBuilder("e", cpu: "2").on("a")]
        let s = scores(.nodeResourcesBalancedAllocation, PodBuilder("p", cpu: "1", memory: "1Gi"), nodes: nodes, pods: pods)
        // a: cpu 0.75, mem 0.25 → std 0.25 → 75; b: 0.25/0.25 → 100.
        #expect(s == [75, 100])
        #expect(scores(.nodeResourcesBalancedAllocation, PodBuilder("p"), nodes: nodes).isEmpty)
    }

    @Test("NodeAffinity scores the summed weights of matching preferred terms, normalised to 100")
    func preferredNodeAffinity() {
        let nodes = [NodeBuilder("a").label("disk", "ssd"), NodeBuilder("b").label("disk", "ssd").label("gpu", "yes"), NodeBuilder("c")]
        let pod = PodBuilder("p").preferredNodeAffinity("disk", "ssd", weight: 20).preferredNodeAffinity("gpu", "yes", weight: 60)
        #expect(scores(.nodeAffinity, pod, nodes: nodes) == [25, 100, 0])
    }

    @Test("TaintToleration prefers nodes with fewer untolerated PreferNoSchedule taints")
    func preferNoSchedule() {
        let nodes = [NodeBuilder("a").taint("x", effect: "PreferNoSchedule").taint("y", effect: "PreferNoSchedule"),
                     NodeBuilder("b").taint("x", effect: "PreferNoSchedule"), NodeBuilder("c")]
        #expect(scores(.taintToleration, PodBuilder("p"), nodes: nodes) == [0, 50, 100])
        #expect(scores(.taintToleration, PodBuilder("p").toleration("x", effect: "PreferNoSchedule"), nodes: nodes) == [0, 100, 100])
    }

    @Test("ImageLocality favours nodes with the pod's image, scaled by its spread")
    func imageLocality() {
        let nodes = [NodeBuilder("a").image("registry/app:1", sizeMB: 500), NodeBuilder("b")]
        let s = scores(.imageLocality, PodBuilder("p").image("registry/app:1"), nodes: nodes)
        // 500 MB × 1/2 spread = 250 MB → 100 × (250 − 23) / (1000 − 23) = 23.
        #expect(s == [23, 0])
        #expect(PodInfo.normalizedImageName("nginx") == "nginx:latest")
        #expect(PodInfo.normalizedImageName("host:5000/app") == "host:5000/app:latest")
        #expect(PodInfo.normalizedImageName("host:5000/app:v1") == "host:5000/app:v1")
    }

    @Test("InterPodAffinity scores preferred terms min-max normalised, negative for anti-affinity")
    func preferredPodAffinity() {
        let nodes = [NodeBuilder("a").zone("z1"), NodeBuilder("b").zone("z2"), NodeBuilder("c").zone("z3")]
        let pods = [PodBuilder("db").label("app", "db").on("a"), PodBuilder("cache").label("app", "cache").on("b")]
        let pod = PodBuilder("web").preferredPodAffinity(["app": "db"], topologyKey: "topology.kubernetes.io/zone", weight: 10)
            .preferredPodAffinity(["app": "cache"], topologyKey: "topology.kubernetes.io/zone", weight: 10, anti: true)
        // raw: a 10, b -10, c 0 → normalised 100, 0, 50.
        #expect(scores(.interPodAffinity, pod, nodes: nodes, pods: pods) == [100, 0, 50])
    }

    @Test("PodTopologySpread ScheduleAnyway prefers the domain with fewer matching pods")
    func spreadScore() {
        let nodes = [NodeBuilder("a").zone("z1"), NodeBuilder("b").zone("z2")]
        let pods = [PodBuilder("w1").label("app", "web").on("a"), PodBuilder("w2").label("app", "web").on("a")]
        let pod = PodBuilder("w3").label("app", "web").spread("topology.kubernetes.io/zone", labels: ["app": "web"], when: "ScheduleAnyway")
        let s = scores(.podTopologySpread, pod, nodes: nodes, pods: pods)
        #expect(s.count == 2)
        #expect(s[1] == 100)
        #expect(s[0] < s[1])
    }
}
