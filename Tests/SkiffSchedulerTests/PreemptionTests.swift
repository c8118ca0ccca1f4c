import SkiffAPI
import Testing
@testable import SkiffScheduler

@Suite("Preemption", .timeLimit(.minutes(2)))
struct PreemptionTests {
    func preempt(_ pod: PodBuilder, nodes: [NodeBuilder], pods: [PodBuilder], pdbs: [PodDisruptionBudgetInfo] = []) async -> (PreemptionOutcome, FitError?) {
        var snapshot = Snapshot(nodes: nodes.map(\.build), pods: pods.map(\.build))
        snapshot.pdbs = pdbs
        var algorithm = SchedulingAlgorithm(rng: SplitMix64(seed: 7))
        let outcome = await algorithm.schedule(pod.info, snapshot: snapshot)
        guard case .unschedulable(let error, let state) = outcome else { return (PreemptionOutcome(), nil) }
        return (algorithm.preempt(pod.info, state: state, fitError: error, snapshot: snapshot), error)
    }

    @Test("evicts the fewest, lowest-priority pods that make room")
    func minimalVictims() async {
        let nodes = [NodeBuilder("a", cpu: "4")]
        let pods = [PodBuilder("v1", cpu: "1").priority(1).on("a").started(1),
                    PodBuilder("v2", cpu: "1").priority(5).on("a").started(2),
                    PodBuilder("v3", cpu: "2").priority(3).on("a").started(3)]
        let (outcome, _) = await preempt(PodBuilder("p", cpu: "2").priority(10), nodes: nodes, pods: pods)
        #expect(outcome.nominatedNodeName == "a")
        // Reprieve order v2 (5), v3 (3), v1 (1): v2 fits back, v3 not (would leave 1 free), v1 fits back.
        #expect(outcome.victims.map(\.name) == ["v3"])
    }

    @Test("never evicts pods of equal or higher priority")
    func noEqualPriority() async {
        let nodes = [NodeBuilder("a", cpu: "2")]
        let pods = [PodBuilder("peer", cpu: "2").priority(10).on("a")]
        let (outcome, error) = await preempt(PodBuilder("p", cpu: "1").priority(10), nodes: nodes, pods: pods)
        #expect(outcome.nominatedNodeName == nil)
        var e = error!
        e.postFilterMessage = outcome.message
        #expect(e.message == "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")
    }

    @Test("preemptionPolicy Never does not preempt")
    func policyNever() async {
        let (outcome, _) = await preempt(PodBuilder("p", cpu: "1").priority(10).preemptionPolicy("Never"),
                                         nodes: [NodeBuilder("a", cpu: "1")], pods: [PodBuilder("v", cpu: "1").on("a")])
        #expect(outcome.nominatedNodeName == nil)
        #expect(outcome.message == "preemption: not eligible due to preemptionPolicy=Never.")
    }

    @Test("prefers a node whose victims do not violate a PodDisruptionBudget")
    func respectsPDB() async {
        let nodes = [NodeBuilder("a", cpu: "1"), NodeBuilder("b", cpu: "1")]
        let pods = [PodBuilder("guarded", cpu: "1").label("app", "db").on("a"), PodBuilder("free", cpu: "1").label("app", "batch").on("b")]
        let pdb = PodDisruptionBudgetInfo(namespace: "default", selector: LabelSelector(MetaV1.LabelSelector(matchLabels: ["app": "db"])), disruptionsAllowed: 0)
        let (outcome, _) = await preempt(PodBuilder("p", cpu: "1").priority(10), nodes: nodes, pods: pods, pdbs: [pdb])
        #expect(outcome.nominatedNodeName == "b")
        #expect(outcome.victims.map(\.name) == ["free"])
        // With only the guarded node, the budget is violated rather than not preempting.
        let (forced, _) = await preempt(PodBuilder("p", cpu: "1").priority(10), nodes: [nodes[0]], pods: [pods[0]], pdbs: [pdb])
        #expect(forced.victims.map(\.name) == ["guarded"])
    }

    @Test("among candidates, picks the lowest highest-priority victim, then the fewest victims")
    func candidateOrder() async {
        let nodes = [NodeBuilder("a", cpu: "2"), NodeBuilder("b", cpu: "2"), NodeBuilder("c", cpu: "2")]
        let pods = [PodBuilder("a1", cpu: "2").priority(5).on("a"),
                    PodBuilder("b1", cpu: "1").priority(1).on("b"), PodBuilder("b2", cpu: "1").priority(1).on("b"),
                    PodBuilder("c1", cpu: "2").priority(1).on("c")]
        let (outcome, _) = await preempt(PodBuilder("p", cpu: "2").priority(10), nodes: nodes, pods: pods)
        #expect(outcome.nominatedNodeName == "c")
    }

    @Test("nodes failing for reasons eviction cannot fix are not helpful")
    func notHelpful() async {
        let nodes = [NodeBuilder("a", cpu: "1").taint("k", "v"), NodeBuilder("b", cpu: "1")]
        let pods = [PodBuilder("v", cpu: "1").on("b")]
        let (outcome, error) = await preempt(PodBuilder("p", cpu: "1").priority(10), nodes: nodes, pods: pods)
        #expect(outcome.nominatedNodeName == "b")
        #expect(error?.message == "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s).")
    }

    @Test("lower-priority pods nominated to the chosen node lose their nomination")
    func clearsLowerNominations() async {
        var snapshot = Snapshot(nodes: [NodeBuilder("a", cpu: "1").build], pods: [PodBuilder("v", cpu: "1").on("a").build])
        snapshot.nominatedPods["a"] = [PodBuilder("waiting", cpu: "1").priority(5).info]
        var algorithm = SchedulingAlgorithm(rng: SplitMix64(seed: 7))
        let pod = PodBuilder("p", cpu: "1").priority(10).info
        guard case .unschedulable(let error, let state) = await algorithm.schedule(pod, snapshot: snapshot) else {
            Issue.record("expected unschedulable")
            return
        }
        let outcome = algorithm.preempt(pod, state: state, fitError: error, snapshot: snapshot)
        #expect(outcome.nominatedNodeName == "a")
        #expect(outcome.lowerPriorityNominated.map(\.name) == ["waiting"])
    }
}
