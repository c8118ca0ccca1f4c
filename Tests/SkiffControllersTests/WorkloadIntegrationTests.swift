import Foundation
import SkiffAPI
import SkiffClient
import Testing
@testable import SkiffControllers

/// The DaemonSet (and StatefulSet) controllers against an in-process API server. There is no
/// scheduler or kubelet: pods stay unbound and not ready unless a test says otherwise.
@Suite("Workload controllers against an in-process API server", .timeLimit(.minutes(3)))
struct WorkloadIntegrationTests {
    func withController(_ t: TestServer, collector: Bool = false, _ make: (SharedInformerFactory) -> Controller,
                        _ body: () async throws -> Void) async throws {
        let factory = SharedInformerFactory(client: t.client)
        let controller = make(factory)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await factory.run() }
            group.addTask { try await controller.run() }
            if collector {
                let gc = GarbageCollector.standard(factory: factory)
                group.addTask { try await gc.run() }
            }
            do {
                try await body()
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    func pods(_ t: TestServer, _ selector: String) async throws -> [CoreV1.Pod] {
        try await t.client.list(CoreV1.Pod.self, namespace: "default", options: ListOptions(labelSelector: selector)).items
            .filter { $0.metadata?.deletionTimestamp == nil }
    }

    @Test("a DaemonSet runs one pinned pod per node, a node added later gets its pod, and a template change rolls through a new ControllerRevision")
    func daemonSet() async throws {
        try await TestServer.with { t in
            for n in ["n1", "n2"] { _ = try await t.client.create(DSFx.node(n)) }
            _ = try await t.client.create(DSFx.node("tainted", taints: [DSFx.taint("dedicated", "NoSchedule")]))
            try await withController(t, { DaemonSetController.make(factory: $0) }) {
                var ds = DSFx.daemonSet()
                ds.metadata = MetaV1.ObjectMeta(name: "agent", namespace: "default")
                _ = try await t.client.create(ds)
                #expect(try await eventually { try await pods(t, "app=agent").count == 2 })
                let targets = try await pods(t, "app=agent").compactMap { DaemonNodes.targetNode($0) }.sorted()
                #expect(targets == ["n1", "n2"])
                _ = try await t.client.create(DSFx.node("n3"))
                #expect(try await eventually {
                    try await pods(t, "app=agent").compactMap { DaemonNodes.targetNode($0) }.sorted() == ["n1", "n2", "n3"]
                })
                #expect(try await eventually {
                    let s = try await t.client.get(AppsV1.DaemonSet.self, "agent", namespace: "default").status
                    return s?.desiredNumberScheduled == 3 && s?.currentNumberScheduled == 3 && s?.updatedNumberScheduled == 3
                        && s?.numberReady == 0 && s?.numberUnavailable == 3 && s?.observedGeneration == 1
                })
                let first = try await t.client.list(AppsV1.ControllerRevision.self, namespace: "default").items
                #expect(first.count == 1 && first.first?.revision == 1)
                let hash1 = first.first?.metadata?.labels?["controller-revision-hash"]
                #expect(try await pods(t, "app=agent").allSatisfy { $0.metadata?.labels?["controller-revision-hash"] == hash1 })

                // New template: the not-ready old pods are replaced at once.
                var stored = try await t.client.get(AppsV1.DaemonSet.self, "agent", namespace: "default")
                stored.spec?.template?.spec?.containers?[0].image = "agent:2"
                _ = try await t.client.update(stored)
                #expect(try await eventually {
                    let revs = try await t.client.list(AppsV1.ControllerRevision.self, namespace: "default").items
                    guard revs.count == 2, let cur = revs.first(where: { $0.revision == 2 }) else { return false }
                    let hash2 = cur.metadata?.labels?["controller-revision-hash"]
                    let ps = try await pods(t, "app=agent")
                    return hash2 != hash1 && ps.count == 3 && ps.allSatisfy { $0.metadata?.labels?["controller-revision-hash"] == hash2 }
                })
                #expect(try await eventually {
                    let s = try await t.client.get(AppsV1.DaemonSet.self, "agent", namespace: "default").status
                    return s?.updatedNumberScheduled == 3 && s?.observedGeneration == 2
                })
            }
        }
    }

    /// Plays the kubelet: the pod runs and is ready.
    func markReady(_ t: TestServer, _ name: String) async throws {
        var p = try await t.client.get(CoreV1.Pod.self, name, namespace: "default")
        p.status = CoreV1.PodStatus(conditions: [CoreV1.PodCondition(lastTransitionTime: SkiffControllers.KubeTime.format(Date()), status: "True", type: "Ready")],
                                    phase: "Running")
        _ = try await t.client.updateStatus(p)
    }

    @Test("a StatefulSet creates web-0, web-1, web-2 in order, each after the previous is ready, with claims per ordinal, and scales down from the top")
    func statefulSet() async throws {
        try await TestServer.with { t in
            try await withController(t, { StatefulSetController.make(factory: $0) }) {
                var s = StatefulSetSyncTests.set()
                s.metadata = MetaV1.ObjectMeta(name: "web", namespace: "default")
                s.spec?.volumeClaimTemplates = [CoreV1.PersistentVolumeClaim(metadata: MetaV1.ObjectMeta(name: "data"), spec: CoreV1.PersistentVolumeClaimSpec(
                    accessModes: ["ReadWriteOnce"], resources: CoreV1.VolumeResourceRequirements(requests: ["storage": try Quantity(parsing: "1Gi")])))]
                _ = try await t.client.create(s)
                for i in 0..<3 {
                    #expect(try await eventually { try await pods(t, "app=web").count == i + 1 })
                    #expect(try await pods(t, "app=web").map { $0.metadata?.name ?? "" }.sorted() == (0...i).map { "web-\($0)" })
                    try await markReady(t, "web-\(i)")
                }
                let claims = try await t.client.list(CoreV1.PersistentVolumeClaim.self, namespace: "default").items.compactMap { $0.metadata?.name }
                #expect(claims.sorted() == ["data-web-0", "data-web-1", "data-web-2"])
                #expect(try await eventually {
                    let st = try await t.client.get(AppsV1.StatefulSet.self, "web", namespace: "default").status
                    return st?.replicas == 3 && st?.readyReplicas == 3 && st?.currentRevision == st?.updateRevision && st?.currentRevision != nil
                })
                var stored = try await t.client.get(AppsV1.StatefulSet.self, "web", namespace: "default")
                stored.spec?.replicas = 1
                _ = try await t.client.update(stored)
                #expect(try await eventually { try await pods(t, "app=web").map { $0.metadata?.name ?? "" } == ["web-0"] })
            }
        }
    }

    @Test("deleting a StatefulSet with whenDeleted: Delete collects its pods, revisions and claims")
    func statefulSetDeletion() async throws {
        try await TestServer.with { t in
            try await withController(t, collector: true, { StatefulSetController.make(factory: $0) }) {
                var s = StatefulSetSyncTests.set(replicas: 1)
                s.metadata = MetaV1.ObjectMeta(name: "web", namespace: "default")
                s.spec?.volumeClaimTemplates = [CoreV1.PersistentVolumeClaim(metadata: MetaV1.ObjectMeta(name: "data"), spec: CoreV1.PersistentVolumeClaimSpec(
                    accessModes: ["ReadWriteOnce"], resources: CoreV1.VolumeResourceRequirements(requests: ["storage": try Quantity(parsing: "1Gi")])))]
                s.spec?.persistentVolumeClaimRetentionPolicy = AppsV1.StatefulSetPersistentVolumeClaimRetentionPolicy(whenDeleted: "Delete", whenScaled: "Retain")
                _ = try await t.client.create(s)
                #expect(try await eventually { try await pods(t, "app=web").count == 1 })
                #expect(try await t.client.list(AppsV1.ControllerRevision.self, namespace: "default").items.count == 1)
                try await t.client.delete(AppsV1.StatefulSet.self, "web", namespace: "default")
                #expect(try await eventually {
                    let revs = try await t.client.list(AppsV1.ControllerRevision.self, namespace: "default").items
                    let pvcs = try await t.client.list(CoreV1.PersistentVolumeClaim.self, namespace: "default").items
                        .filter { $0.metadata?.deletionTimestamp == nil }
                    return try await pods(t, "app=web").isEmpty && revs.isEmpty && pvcs.isEmpty
                })
            }
        }
    }

    @Test("a StatefulSet rolls a new template from the highest ordinal down, one ready pod at a time, then moves currentRevision")
    func statefulSetRollingUpdate() async throws {
        try await TestServer.with { t in
            try await withController(t, { StatefulSetController.make(factory: $0) }) {
                var s = StatefulSetSyncTests.set(replicas: 3, policy: "Parallel")
                s.metadata = MetaV1.ObjectMeta(name: "web", namespace: "default")
                _ = try await t.client.create(s)
                #expect(try await eventually { try await pods(t, "app=web").count == 3 })
                for i in 0..<3 { try await markReady(t, "web-\(i)") }
                #expect(try await eventually {
                    try await t.client.get(AppsV1.StatefulSet.self, "web", namespace: "default").status?.readyReplicas == 3
                })
                let before = try await t.client.get(AppsV1.StatefulSet.self, "web", namespace: "default")
                let oldRevision = before.status?.currentRevision
                var updated = before
                updated.spec?.template?.spec?.containers?[0].image = "nginx:2"
                _ = try await t.client.update(updated)
                for i in [2, 1, 0] {
                    #expect(try await eventually {
                        let p = try await pods(t, "app=web").first { $0.metadata?.name == "web-\(i)" }
                        return p?.spec?.containers?.first?.image == "nginx:2"
                    })
                    // Lower ordinals still run the old template until this one is ready.
                    for j in 0..<i {
                        let p = try await t.client.get(CoreV1.Pod.self, "web-\(j)", namespace: "default")
                        #expect(p.spec?.containers?.first?.image == "nginx")
                    }
                    try await markReady(t, "web-\(i)")
                }
                #expect(try await eventually {
                    let st = try await t.client.get(AppsV1.StatefulSet.self, "web", namespace: "default").status
                    return st?.currentRevision == st?.updateRevision && st?.currentRevision != oldRevision && st?.updatedReplicas == 3
                })
            }
        }
    }
}
