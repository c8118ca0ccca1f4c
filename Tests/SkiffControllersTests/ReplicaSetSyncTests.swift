import Foundation
import SkiffAPI
import Testing
@testable import SkiffControllers

@Suite("ReplicaSet decisions from lister contents", .timeLimit(.minutes(1)))
struct ReplicaSetSyncTests {
    let now = Fx.t0

    @Test("missing pods are created, up to the burst limit")
    func createsMissing() throws {
        let plan = try ReplicaSetSync.plan(Fx.replicaSet(replicas: 3), pods: [Fx.pod("a")], expectationsSatisfied: true, now: now)
        #expect(plan.create == 2)
        #expect(plan.delete.isEmpty)
        let big = try ReplicaSetSync.plan(Fx.replicaSet(replicas: 2000), pods: [], expectationsSatisfied: true, now: now)
        #expect(big.create == ReplicaSetSync.burstReplicas)
    }

    @Test("slow start creates in batches of 1, 2, 4, …")
    func slowStart() {
        let table: [(Int, [Int])] = [(0, []), (1, [1]), (2, [1, 1]), (3, [1, 2]), (7, [1, 2, 4]), (10, [1, 2, 4, 3]), (20, [1, 2, 4, 8, 5])]
        for (count, batches) in table {
            #expect(ReplicaSetSync.slowStartBatches(count) == batches, "count \(count)")
        }
    }

    @Test("nothing is created or deleted while earlier writes are not yet observed; status is still computed")
    func expectationsGate() throws {
        let plan = try ReplicaSetSync.plan(Fx.replicaSet(replicas: 3), pods: [Fx.pod("a")], expectationsSatisfied: false, now: now)
        #expect(plan.create == 0 && plan.delete.isEmpty)
        #expect(plan.status.replicas == 1)
    }

    @Test("orphans matching the selector are adopted, other controllers' pods ignored, non-matching own pods released")
    func claims() throws {
        let pods = [
            Fx.pod("orphan", ownerUID: nil),
            Fx.pod("orphan-other-labels", labels: ["app": "db"], ownerUID: nil),
            Fx.pod("theirs", ownerUID: "other-uid"),
            Fx.pod("mine"),
            Fx.pod("mine-relabelled", labels: ["app": "debug"]),
        ]
        let plan = try ReplicaSetSync.plan(Fx.replicaSet(replicas: 2), pods: pods, expectationsSatisfied: true, now: now)
        #expect(plan.adopt == ["orphan"])
        #expect(plan.release == ["mine-relabelled"])
        #expect(plan.create == 0 && plan.delete.isEmpty)
        #expect(plan.status.replicas == 2)
    }

    @Test("a ReplicaSet being deleted adopts, releases, creates nothing")
    func deleting() throws {
        var rs = Fx.replicaSet(replicas: 3)
        rs.metadata?.deletionTimestamp = Fx.ts(0)
        let plan = try ReplicaSetSync.plan(rs, pods: [Fx.pod("o", ownerUID: nil), Fx.pod("m", labels: ["x": "y"])], expectationsSatisfied: true, now: now)
        #expect(plan.adopt.isEmpty && plan.release.isEmpty && plan.create == 0)
    }

    @Test("finished and terminating pods are neither counted nor replaced by deletion")
    func inactive() throws {
        let pods = [Fx.pod("done", phase: "Succeeded"), Fx.pod("failed", phase: "Failed"), Fx.pod("going", deleting: true), Fx.pod("live")]
        let plan = try ReplicaSetSync.plan(Fx.replicaSet(replicas: 1), pods: pods, expectationsSatisfied: true, now: now)
        #expect(plan.create == 0 && plan.delete.isEmpty)
        #expect(plan.status.replicas == 1)
    }

    @Test("deletion ranking: each rule decides ahead of the later ones")
    func ranking() {
        // (deleted first, deleted later, why)
        let table: [(CoreV1.Pod, CoreV1.Pod, String)] = [
            (Fx.pod("a", node: nil, phase: "Running", ready: true), Fx.pod("b", node: "n1", phase: "Pending"), "unassigned before assigned"),
            (Fx.pod("a", node: "n1", phase: "Pending"), Fx.pod("b", node: "n1", phase: "Running"), "pending before running"),
            (Fx.pod("a", node: "n1", phase: "Unknown"), Fx.pod("b", node: "n1", phase: "Running"), "unknown before running"),
            (Fx.pod("a", node: "n1", phase: "Running", ready: false, restarts: 0), Fx.pod("b", node: "n1", phase: "Running", ready: true, restarts: 9),
             "not-ready before ready"),
            (Fx.pod("a", node: "n1", phase: "Running", ready: true, cost: -5), Fx.pod("b", node: "n1", phase: "Running", ready: true), "lower deletion cost first"),
            (Fx.pod("a", node: "n1", phase: "Running", ready: true, readySince: 10), Fx.pod("b", node: "n1", phase: "Running", ready: true, readySince: 5000),
             "ready for less time first"),
            (Fx.pod("a", node: "n1", phase: "Running", restarts: 3, age: 5000), Fx.pod("b", node: "n1", phase: "Running", restarts: 1, age: 1), "more restarts first"),
            (Fx.pod("a", node: "n1", phase: "Running", age: 10), Fx.pod("b", node: "n1", phase: "Running", age: 5000), "newer first"),
        ]
        for (first, later, why) in table {
            #expect(PodRanking.deleteFirst(first, rankA: 1, later, rankB: 1, now: now), "\(why)")
            #expect(!PodRanking.deleteFirst(later, rankA: 1, first, rankB: 1, now: now), "\(why) (reversed)")
        }
    }

    @Test("a pod on a node crowded with related pods goes first")
    func doubledUp() {
        let a = Fx.pod("a", node: "busy", phase: "Running"), b = Fx.pod("b", node: "quiet", phase: "Running")
        let related = [a, b, Fx.pod("c", node: "busy", phase: "Running")]
        #expect(PodRanking.deletionOrder([b, a], related: related, now: now).map(\.metadata?.name) == ["a", "b"])
    }

    @Test("scale down deletes the lowest-ranked surplus pods")
    func scaleDown() throws {
        let pods = [
            Fx.pod("running-ready", node: "n1", phase: "Running", ready: true),
            Fx.pod("pending", node: nil, phase: "Pending"),
            Fx.pod("running-not-ready", node: "n1", phase: "Running"),
        ]
        let plan = try ReplicaSetSync.plan(Fx.replicaSet(replicas: 1), pods: pods, expectationsSatisfied: true, now: now)
        #expect(plan.delete == ["pending", "running-not-ready"])
        #expect(plan.create == 0)
    }

    @Test("status counts replicas, fully labelled, ready and available pods and the observed generation")
    func status() throws {
        var rs = Fx.replicaSet(replicas: 3, minReadySeconds: 30, generation: 7)
        rs.spec?.template?.metadata?.labels = ["app": "web", "tier": "front"]
        let pods = [
            Fx.pod("old-ready", labels: ["app": "web", "tier": "front"], phase: "Running", ready: true, readySince: 600),
            Fx.pod("new-ready", phase: "Running", ready: true, readySince: 5),
            Fx.pod("not-ready", labels: ["app": "web", "tier": "front"], phase: "Running"),
        ]
        let plan = try ReplicaSetSync.plan(rs, pods: pods, expectationsSatisfied: true, now: now)
        #expect(plan.status == AppsV1.ReplicaSetStatus(availableReplicas: 1, fullyLabeledReplicas: 2, observedGeneration: 7,
                                                       readyReplicas: 2, replicas: 3))
        #expect(plan.requeueAfter == nil)  // not all ready yet
        let allReady = try ReplicaSetSync.plan(rs, pods: Array(pods.dropLast()) + [Fx.pod("r3", phase: "Running", ready: true, readySince: 1)],
                                               expectationsSatisfied: true, now: now)
        #expect(allReady.requeueAfter == .seconds(30))
    }

    @Test("created pods come from the template with generateName and a blocking controller reference")
    func podFromTemplate() {
        let pod = ReplicaSetSync.pod(for: Fx.replicaSet())
        #expect(pod.metadata?.generateName == "web-")
        #expect(pod.metadata?.name == nil)
        #expect(pod.metadata?.labels == ["app": "web"])
        #expect(pod.metadata?.ownerReferences == [MetaV1.OwnerReference(apiVersion: "apps/v1", blockOwnerDeletion: true, controller: true,
                                                                         kind: "ReplicaSet", name: "web", uid: "rs-uid")])
        #expect(pod.spec?.containers?.first?.image == "nginx:1.27")
    }

    @Test("a create failure sets ReplicaFailure/FailedCreate; success clears it")
    func failureCondition() {
        let failed = ReplicaSetSync.withFailure(AppsV1.ReplicaSetStatus(replicas: 1), error: ("FailedCreate", "quota"), now: now)
        #expect(failed.conditions?.first?.type == "ReplicaFailure")
        #expect(failed.conditions?.first?.reason == "FailedCreate")
        #expect(ReplicaSetSync.withFailure(failed, error: nil, now: now).conditions == nil)
    }

    @Test("expectations hold back a key until creations and deletions are observed")
    func expectations() {
        let e = Expectations()
        #expect(e.satisfied("default/web"))
        e.expectCreations("default/web", 2)
        #expect(!e.satisfied("default/web"))
        e.creationObserved("default/web")
        #expect(!e.satisfied("default/web"))
        e.creationObserved("default/web")
        #expect(e.satisfied("default/web"))
        e.expectDeletions("default/web", ["default/a"])
        e.deletionObserved("default/web", podKey: "default/b")
        #expect(!e.satisfied("default/web"))
        e.deletionObserved("default/web", podKey: "default/a")
        #expect(e.satisfied("default/web"))
        let expiring = Expectations(timeout: .zero)
        expiring.expectCreations("k", 1)
        #expect(expiring.satisfied("k"))
    }
}
