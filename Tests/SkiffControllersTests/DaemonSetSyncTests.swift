import Foundation
import SkiffAPI
import Testing
@testable import SkiffControllers

@Suite("DaemonSet decisions from lister contents", .timeLimit(.minutes(1)))
struct DaemonSetSyncTests {
    let now = Fx.t0

    func plan(_ ds: AppsV1.DaemonSet, _ nodes: [CoreV1.Node], _ pods: [CoreV1.Pod], satisfied: Bool = true) -> DaemonSetPlan {
        DaemonSetSync.plan(ds, nodes: nodes, pods: pods, hash: "new", expectationsSatisfied: satisfied, now: now)
    }

    @Test("every node without a pod gets one; the status counts desired, current, ready and updated pods")
    func onePerNode() {
        let nodes = [DSFx.node("n1"), DSFx.node("n2"), DSFx.node("n3")]
        let p = plan(DSFx.daemonSet(), nodes, [DSFx.pod("a", node: "n1"), DSFx.pod("b", node: "n2", ready: false, bound: false)])
        #expect(p.createOn == ["n3"])
        #expect(p.delete.isEmpty)
        #expect(p.status.desiredNumberScheduled == 3 && p.status.currentNumberScheduled == 2)
        #expect(p.status.numberReady == 1 && p.status.numberAvailable == 1 && p.status.numberUnavailable == 2)
        #expect(p.status.updatedNumberScheduled == 2 && p.status.numberMisscheduled == 0 && p.status.observedGeneration == 1)
        let gated = plan(DSFx.daemonSet(), nodes, [], satisfied: false)
        #expect(gated.createOn.isEmpty && gated.status.desiredNumberScheduled == 3)
    }

    @Test("nodeSelector, required node affinity and untolerated taints exclude nodes; automatic tolerations admit cordoned, not-ready and pressured nodes")
    func eligibility() {
        var ds = DSFx.daemonSet(nodeSelector: ["role": "edge"])
        ds.spec?.template?.spec?.affinity = CoreV1.Affinity(nodeAffinity: CoreV1.NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution:
            CoreV1.NodeSelector(nodeSelectorTerms: [CoreV1.NodeSelectorTerm(matchExpressions: [
                CoreV1.NodeSelectorRequirement(key: "zone", operator: "NotIn", values: ["z9"])])])))
        let nodes = [
            DSFx.node("plain", labels: ["role": "edge"]),
            DSFx.node("other-role", labels: ["role": "core"]),
            DSFx.node("bad-zone", labels: ["role": "edge", "zone": "z9"]),
            DSFx.node("tainted", labels: ["role": "edge"], taints: [DSFx.taint("dedicated", "NoSchedule", value: "db")]),
            DSFx.node("prefer", labels: ["role": "edge"], taints: [DSFx.taint("dedicated", "PreferNoSchedule")]),
            DSFx.node("cordoned", labels: ["role": "edge"], taints: [DSFx.taint("node.kubernetes.io/unschedulable", "NoSchedule")], unschedulable: true),
            DSFx.node("not-ready", labels: ["role": "edge"], taints: [DSFx.taint("node.kubernetes.io/not-ready", "NoExecute"),
                                                                      DSFx.taint("node.kubernetes.io/memory-pressure", "NoSchedule")]),
            DSFx.node("no-network", labels: ["role": "edge"], taints: [DSFx.taint("node.kubernetes.io/network-unavailable", "NoSchedule")]),
        ]
        #expect(plan(ds, nodes, []).createOn == ["cordoned", "not-ready", "plain", "prefer"])
        // Host-network pods also tolerate a node without a pod network.
        ds.spec?.template?.spec?.hostNetwork = true
        #expect(plan(ds, nodes, []).createOn.contains("no-network"))
        // A toleration in the template admits the dedicated node.
        ds.spec?.template?.spec?.tolerations = [CoreV1.Toleration(key: "dedicated", operator: "Equal", value: "db")]
        #expect(plan(ds, nodes, []).createOn.contains("tainted"))
    }

    @Test("pods on nodes that no longer fit are deleted and counted misscheduled; a NoSchedule taint keeps an existing pod, NoExecute evicts it")
    func misscheduled() {
        let nodes = [
            DSFx.node("relabelled", labels: ["role": "core"]),
            DSFx.node("noschedule", labels: ["role": "edge"], taints: [DSFx.taint("k", "NoSchedule")]),
            DSFx.node("noexecute", labels: ["role": "edge"], taints: [DSFx.taint("k", "NoExecute")]),
        ]
        let pods = [DSFx.pod("a", node: "relabelled"), DSFx.pod("b", node: "noschedule"), DSFx.pod("c", node: "noexecute"), DSFx.pod("d", node: "gone")]
        let p = plan(DSFx.daemonSet(nodeSelector: ["role": "edge"]), nodes, pods)
        #expect(Set(p.delete) == ["a", "c", "d"])
        #expect(p.createOn.isEmpty)
        #expect(p.status.desiredNumberScheduled == 0 && p.status.numberMisscheduled == 3)
    }

    @Test("failed pods are reported for deletion, succeeded pods deleted, extra pods beyond the oldest deleted, terminating pods block a new one")
    func podsOnNode() {
        let nodes = [DSFx.node("n1"), DSFx.node("n2"), DSFx.node("n3"), DSFx.node("n4")]
        let pods = [
            DSFx.pod("failed", node: "n1", phase: "Failed"),
            DSFx.pod("old", node: "n2", age: 200), DSFx.pod("young", node: "n2", age: 10),
            DSFx.pod("going", node: "n3", deleting: true),
            DSFx.pod("done", node: "n4", phase: "Succeeded"),
        ]
        let p = plan(DSFx.daemonSet(), nodes, pods)
        #expect(p.failed == [.init(pod: "failed", node: "n1")])
        #expect(Set(p.delete) == ["failed", "young", "done"])
        #expect(p.createOn.isEmpty)
    }

    @Test("RollingUpdate without surge replaces at most maxUnavailable available old pods, and unavailable old pods always")
    func rollingUnavailable() {
        let nodes = (1...5).map { DSFx.node("n\($0)") }
        let pods = [DSFx.pod("a", node: "n1", hash: "old"), DSFx.pod("b", node: "n2", hash: "old"), DSFx.pod("c", node: "n3", hash: "old"),
                    DSFx.pod("d", node: "n4", hash: "old", ready: false), DSFx.pod("e", node: "n5")]
        let one = plan(DSFx.daemonSet(), nodes, pods)
        #expect(one.delete == ["d", "a"] && one.createOn.isEmpty)
        #expect(one.status.updatedNumberScheduled == 1)
        let twoPercent = plan(DSFx.daemonSet(maxUnavailable: .string("40%")), nodes, pods)
        #expect(twoPercent.delete == ["d", "a", "b"])
        // A node missing its new pod counts as unavailable, so nothing more is taken down.
        let busy = plan(DSFx.daemonSet(maxUnavailable: .int(1)), nodes + [DSFx.node("n6")], pods + [DSFx.pod("f", node: "n6", hash: "new", ready: false)])
        #expect(busy.delete == ["d"])
    }

    @Test("RollingUpdate with maxSurge creates new pods next to old ones and deletes an old pod once its replacement is available")
    func rollingSurge() {
        let nodes = (1...3).map { DSFx.node("n\($0)") }
        let ds = DSFx.daemonSet(maxUnavailable: .int(0), maxSurge: .int(1))
        let first = plan(ds, nodes, [DSFx.pod("a", node: "n1", hash: "old"), DSFx.pod("b", node: "n2", hash: "old"), DSFx.pod("c", node: "n3", hash: "old")])
        #expect(first.createOn == ["n1"] && first.delete.isEmpty)
        let waiting = plan(ds, nodes, [DSFx.pod("a", node: "n1", hash: "old", age: 300), DSFx.pod("a2", node: "n1", ready: false, age: 5),
                                       DSFx.pod("b", node: "n2", hash: "old"), DSFx.pod("c", node: "n3", hash: "old")])
        #expect(waiting.createOn.isEmpty && waiting.delete.isEmpty)
        let ready = plan(ds, nodes, [DSFx.pod("a", node: "n1", hash: "old", age: 300), DSFx.pod("a2", node: "n1", age: 50),
                                     DSFx.pod("b", node: "n2", hash: "old"), DSFx.pod("c", node: "n3", hash: "old")])
        #expect(ready.delete == ["a"])
    }

    @Test("OnDelete leaves old pods alone but replaces deleted ones with the new revision")
    func onDelete() {
        let nodes = [DSFx.node("n1"), DSFx.node("n2")]
        let p = plan(DSFx.daemonSet(strategy: "OnDelete"), nodes, [DSFx.pod("a", node: "n1", hash: "old")])
        #expect(p.createOn == ["n2"] && p.delete.isEmpty)
        let idle = plan(DSFx.daemonSet(strategy: "OnDelete"), nodes, [DSFx.pod("a", node: "n1", hash: "old"), DSFx.pod("b", node: "n2")])
        #expect(idle.createOn.isEmpty && idle.delete.isEmpty && idle.status.updatedNumberScheduled == 1)
    }

    @Test("a created pod carries the revision hash, the automatic tolerations and a metadata.name affinity replacing the template's required terms")
    func createdPod() {
        var ds = DSFx.daemonSet(hostNetwork: true)
        ds.spec?.template?.spec?.affinity = CoreV1.Affinity(nodeAffinity: CoreV1.NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution:
            CoreV1.NodeSelector(nodeSelectorTerms: [CoreV1.NodeSelectorTerm(matchExpressions: [CoreV1.NodeSelectorRequirement(key: "x", operator: "Exists")])])))
        ds.spec?.template?.spec?.tolerations = [CoreV1.Toleration(effect: "NoExecute", key: "node.kubernetes.io/not-ready", operator: "Exists", tolerationSeconds: 5)]
        let pod = DaemonSetSync.pod(for: ds, node: "n7", hash: "h1")
        #expect(pod.metadata?.labels == ["app": "agent", "controller-revision-hash": "h1", "pod-template-generation": "1"])
        #expect(pod.metadata?.generateName == "agent-")
        #expect(pod.metadata?.ownerReferences?.first?.controller == true)
        let terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
        #expect(terms == [CoreV1.NodeSelectorTerm(matchFields: [CoreV1.NodeSelectorRequirement(key: "metadata.name", operator: "In", values: ["n7"])])])
        #expect(DaemonNodes.targetNode(pod) == "n7")
        let tolerations = pod.spec?.tolerations ?? []
        #expect(tolerations.count == 7)
        // The template's own not-ready toleration is replaced, not duplicated.
        #expect(tolerations.filter { $0.key == "node.kubernetes.io/not-ready" }.map(\.tolerationSeconds) == [nil])
    }

    @Test("revision hashes are stable for equal templates and change with the template or the collision count")
    func hashes() {
        let a = DSFx.daemonSet().spec?.template, b = DSFx.daemonSet(image: "agent:2").spec?.template
        let h = ControllerHistory.hash(template: a, collisionCount: nil)
        #expect(h == ControllerHistory.hash(template: a, collisionCount: nil))
        #expect(h != ControllerHistory.hash(template: b, collisionCount: nil))
        #expect(h != ControllerHistory.hash(template: a, collisionCount: 1))
        #expect(h.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
        #expect(DaemonSetSync.limits(DSFx.daemonSet(maxUnavailable: .int(0), maxSurge: .int(0)), desired: 4) == (0, 1))
        #expect(DaemonSetSync.limits(DSFx.daemonSet(maxUnavailable: .string("bad%")), desired: 4) == (0, 1))
    }
}
