import SkiffAPI
import Testing
@testable import SkiffScheduler

@Suite("Scheduling algorithm", .timeLimit(.minutes(2)))
struct SchedulingAlgorithmTests {
    @Test("the FailedScheduling message counts reasons per node in upstream's sorted shape")
    func fitErrorMessage() async throws {
        var nodes = (1 ... 3).map { NodeBuilder("small\($0)", cpu: "1") }
        nodes += [NodeBuilder("t1").taint("key", "value"), NodeBuilder("t2").taint("key", "value")]
        let outcome = await schedule(PodBuilder("p", cpu: "2"), nodes: nodes)
        var error = try #require(outcome.fitError)
        #expect(error.message == "0/5 nodes are available: 2 node(s) had untolerated taint(s), 3 Insufficient cpu.")
        var algorithm = SchedulingAlgorithm(rng: SplitMix64(seed: 1))
        let preemption = algorithm.preempt(PodBuilder("p", cpu: "2").info, state: nil, fitError: error, snapshot: Snapshot(nodes: nodes.map(\.build)))
        error.postFilterMessage = preemption.message
        #expect(error.message == "0/5 nodes are available: 2 node(s) had untolerated taint(s), 3 Insufficient cpu. "
            + "preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.")
    }

    @Test("a pod that fits is placed on the best-scoring node")
    func placesOnBest() async {
        let nodes = [NodeBuilder("busy", cpu: "4"), NodeBuilder("idle", cpu: "4")]
        let pods = [PodBuilder("e", cpu: "3", memory: "1Gi").on("busy")]
        #expect(await schedule(PodBuilder("p", cpu: "500m", memory: "512Mi"), nodes: nodes, pods: pods).host == "idle")
    }

    @Test("ties are broken at random over the equally good nodes")
    func randomTieBreak() async {
        let nodes = (0 ..< 4).map { NodeBuilder("n\($0)") }
        var hosts: Set<String> = []
        for seed in 0 ..< 40 {
            if let h = await schedule(PodBuilder("p", cpu: "1"), nodes: nodes, seed: UInt64(seed)).host { hosts.insert(h) }
        }
        #expect(hosts.count == 4)
    }

    @Test("percentageOfNodesToScore: adaptive default, minimum 100 nodes and 5%")
    func feasibleNodesToFind() {
        let a = SchedulingAlgorithm()
        #expect(a.numFeasibleNodesToFind(50) == 50)
        #expect(a.numFeasibleNodesToFind(500) == 230)
        #expect(a.numFeasibleNodesToFind(5000) == 500)
        #expect(a.numFeasibleNodesToFind(20000) == 1000)
        var profile = Profile()
        profile.percentageOfNodesToScore = 100
        #expect(SchedulingAlgorithm(framework: Framework(profile: profile)).numFeasibleNodesToFind(5000) == 5000)
        profile.percentageOfNodesToScore = 1
        #expect(SchedulingAlgorithm(framework: Framework(profile: profile)).numFeasibleNodesToFind(5000) == 100)
    }

    @Test("filtering stops after enough feasible nodes and the next pod starts where it stopped")
    func rotatesStartIndex() async {
        let snapshot = Snapshot(nodes: (0 ..< 1000).map { NodeBuilder("n\($0)").build })
        var algorithm = SchedulingAlgorithm(parallelizer: Parallelizer(parallelism: 2), rng: SplitMix64(seed: 3))
        guard case .scheduled(let r) = await algorithm.schedule(PodBuilder("p").info, snapshot: snapshot) else {
            Issue.record("not scheduled")
            return
        }
        #expect(r.feasibleNodes == 420)
        #expect(algorithm.nextStartNodeIndex == 420)
    }

    @Test("parallel and sequential filtering find the same nodes and reasons")
    func parallelMatchesSequential() async throws {
        var nodes: [NodeBuilder] = []
        for i in 0 ..< 300 {
            var n = NodeBuilder("n\(i)", cpu: i % 3 == 0 ? "1" : "8")
            if i % 7 == 0 { n = n.taint("k", "v") }
            nodes.append(n)
        }
        let pod = PodBuilder("p", cpu: "6").nodeSelector(["missing": "x"])
        let one = try #require(await schedule(pod, nodes: nodes, parallelism: 1).fitError)
        let two = try #require(await schedule(pod, nodes: nodes, parallelism: 2).fitError)
        #expect(one.message == two.message)
        #expect(one.message == "0/300 nodes are available: 257 node(s) didn't match Pod's node affinity/selector, 43 node(s) had untolerated taint(s).")
    }

    @Test("a PreFilter rejection is reported once, not per node")
    func preFilterMessage() async throws {
        let error = try #require(await schedule(PodBuilder("p").claim("data"), nodes: [NodeBuilder("a"), NodeBuilder("b")]).fitError)
        #expect(error.message == "0/2 nodes are available: persistentvolumeclaim \"data\" not found.")
    }

    @Test("a DaemonSet-style metadata.name affinity looks only at that node")
    func pinnedNode() async throws {
        var pod = PodBuilder("ds", cpu: "100")
        pod.pod.spec?.affinity = CoreV1.Affinity(nodeAffinity: CoreV1.NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution: CoreV1.NodeSelector(
            nodeSelectorTerms: [CoreV1.NodeSelectorTerm(matchFields: [CoreV1.NodeSelectorRequirement(key: "metadata.name", operator: "In", values: ["b"])])])))
        let nodes = [NodeBuilder("a"), NodeBuilder("b"), NodeBuilder("c")]
        let error = try #require(await schedule(pod, nodes: nodes).fitError)
        #expect(error.message == "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity].")
        pod.pod.spec?.containers?[0].resources = nil
        #expect(await schedule(pod, nodes: nodes).host == "b")
    }

    @Test("no nodes at all is its own outcome")
    func noNodes() async {
        guard case .noNodes = await schedule(PodBuilder("p"), nodes: []) else {
            Issue.record("expected noNodes")
            return
        }
    }

    @Test("a pod nominated after preemption fits only if it also fits beside higher-priority nominated pods")
    func nominatedPodsReserveRoom() async {
        var snapshot = Snapshot(nodes: [NodeBuilder("a", cpu: "2").build])
        snapshot.nominatedPods["a"] = [PodBuilder("big", cpu: "2").priority(100).info]
        var algorithm = SchedulingAlgorithm(rng: SplitMix64(seed: 1))
        let low = await algorithm.schedule(PodBuilder("low", cpu: "1").priority(10).info, snapshot: snapshot)
        #expect(low.fitError?.message == "0/1 nodes are available: 1 Insufficient cpu.")
        let high = await algorithm.schedule(PodBuilder("high", cpu: "1").priority(200).info, snapshot: snapshot)
        #expect(high.host == "a")
    }
}
