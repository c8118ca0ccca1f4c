import Foundation
import SkiffAPI
import SkiffClient
import Testing
@testable import SkiffControllers

/// The controllers against an in-process API server (no nodes: pods stay Pending and
/// unscheduled, so deletions are immediate).
@Suite("Controllers against an in-process API server", .timeLimit(.minutes(3)))
struct ControllerIntegrationTests {
    /// Runs a controller manager on `t`'s client while `body` runs.
    func withManager(_ t: TestServer, controllers: [String] = ["*"], _ body: (ControllerManager) async throws -> Void) async throws {
        let manager = ControllerManager(client: t.client, controllers: controllers)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await manager.run() }
            do {
                try await body(manager)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }

    func pods(_ t: TestServer, _ selector: String = "app=web") async throws -> [CoreV1.Pod] {
        try await t.client.list(CoreV1.Pod.self, namespace: "default", options: ListOptions(labelSelector: selector)).items
    }

    func newReplicaSet(_ name: String = "web", replicas: Int32) -> AppsV1.ReplicaSet {
        var rs = Fx.replicaSet(name, replicas: replicas)
        rs.metadata?.uid = nil
        rs.metadata?.generation = nil
        return rs
    }

    @Test("a ReplicaSet gets exactly its replicas as owned, generated pods, never more, and scales down")
    func replicaSetLifecycle() async throws {
        try await TestServer.with { t in
            try await withManager(t, controllers: ["replicaset"]) { manager in
                // The most pods of the set ever present at once, seen through a watch-fed informer.
                let maxSeen = Locked(0)
                let podInformer = manager.factory.informer(CoreV1.Pod.self)
                podInformer.addEventHandler { _ in
                    let n = podInformer.lister.list(namespace: "default").count
                    maxSeen.update { $0 = max($0, n) }
                }
                let rs = try await t.client.create(newReplicaSet(replicas: 5))
                #expect(try await eventually {
                    let s = try await t.client.get(AppsV1.ReplicaSet.self, "web", namespace: "default").status
                    return s?.replicas == 5 && s?.observedGeneration == 1
                })
                let created = try await pods(t)
                #expect(created.count == 5)
                for p in created {
                    let name = p.metadata?.name ?? ""
                    #expect(name.hasPrefix("web-") && name.count == "web-".count + 5, "\(name)")
                    #expect(p.metadata?.ownerReferences == [MetaV1.OwnerReference(apiVersion: "apps/v1", blockOwnerDeletion: true, controller: true,
                                                                                  kind: "ReplicaSet", name: "web", uid: rs.metadata?.uid)])
                }
                // Scale down to 2.
                var current = try await t.client.get(AppsV1.ReplicaSet.self, "web", namespace: "default")
                current.spec?.replicas = 2
                _ = try await t.client.update(current)
                #expect(try await eventually {
                    let s = try await t.client.get(AppsV1.ReplicaSet.self, "web", namespace: "default").status
                    return try await pods(t).count == 2 && s?.replicas == 2 && s?.observedGeneration == 2
                })
                // A deleted pod is replaced.
                let victim = try #require(try await pods(t).first?.metadata?.name)
                try await t.client.delete(CoreV1.Pod.self, victim, namespace: "default")
                #expect(try await eventually {
                    let names = try await pods(t).compactMap(\.metadata?.name)
                    return names.count == 2 && !names.contains(victim)
                })
                #expect(maxSeen.value <= 5)
            }
        }
    }

    @Test("a matching orphan is adopted instead of creating a pod; readiness shows in status")
    func adoption() async throws {
        try await TestServer.with { t in
            var orphan = Fx.pod("orphan", ownerUID: nil)
            orphan.metadata?.uid = nil
            orphan.metadata?.creationTimestamp = nil
            orphan.status = nil
            _ = try await t.client.create(orphan)
            try await withManager(t, controllers: ["replicaset"]) { _ in
                let rs = try await t.client.create(newReplicaSet(replicas: 2))
                #expect(try await eventually {
                    let all = try await pods(t)
                    return all.count == 2 && all.allSatisfy { $0.metadata?.ownerReferences?.first?.uid == rs.metadata?.uid }
                })
                #expect(try await t.client.get(CoreV1.Pod.self, "orphan", namespace: "default").metadata?.ownerReferences?.first?.controller == true)
                // Mark the orphan ready: status follows.
                var p = try await t.client.get(CoreV1.Pod.self, "orphan", namespace: "default")
                p.status = CoreV1.PodStatus(conditions: [CoreV1.PodCondition(lastTransitionTime: Fx.ts(0, from: Date()), status: "True", type: "Ready")],
                                            phase: "Running")
                _ = try await t.client.updateStatus(p)
                #expect(try await eventually {
                    let s = try await t.client.get(AppsV1.ReplicaSet.self, "web", namespace: "default").status
                    return s?.readyReplicas == 1 && s?.availableReplicas == 1 && s?.fullyLabeledReplicas == 2
                })
            }
        }
    }

    @Test("garbage collection: background deletes dependents, orphan keeps them unowned, foreground deletes them first")
    func garbageCollection() async throws {
        try await TestServer.with { t in
            try await withManager(t) { _ in
                // Background (default).
                _ = try await t.client.create(newReplicaSet("bg", replicas: 2))
                #expect(try await eventually { try await pods(t, "app=web").count == 2 })
                try await t.client.delete(AppsV1.ReplicaSet.self, "bg", namespace: "default")
                #expect(try await eventually { try await pods(t).isEmpty })

                // Orphan.
                _ = try await t.client.create(newReplicaSet("keep", replicas: 2))
                // Status 2 means the shared pod informer (the collector's graph too) holds both pods.
                #expect(try await eventually {
                    try await t.client.get(AppsV1.ReplicaSet.self, "keep", namespace: "default").status?.replicas == 2
                })
                try await t.client.delete(AppsV1.ReplicaSet.self, "keep", namespace: "default",
                                          options: DeleteOptions(propagationPolicy: .orphan))
                #expect(try await eventually {
                    let rsGone = (try? await t.client.get(AppsV1.ReplicaSet.self, "keep", namespace: "default")) == nil
                    let all = try await pods(t)
                    return rsGone && all.count == 2 && all.allSatisfy { ($0.metadata?.ownerReferences ?? []).isEmpty }
                })
                // Clean the orphans up.
                for p in try await pods(t) { try await t.client.delete(CoreV1.Pod.self, p.metadata?.name ?? "", namespace: "default") }

                // Foreground.
                _ = try await t.client.create(newReplicaSet("fg", replicas: 2))
                #expect(try await eventually { try await pods(t).count == 2 })
                try await t.client.delete(AppsV1.ReplicaSet.self, "fg", namespace: "default",
                                          options: DeleteOptions(propagationPolicy: .foreground))
                #expect(try await eventually {
                    let rsGone = (try? await t.client.get(AppsV1.ReplicaSet.self, "fg", namespace: "default")) == nil
                    return try await pods(t).isEmpty && rsGone
                })
            }
        }
    }

    @Test("a pod whose owner never existed is collected; one with a live owner is kept")
    func danglingOwner() async throws {
        try await TestServer.with { t in
            let live = try await t.client.create(CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta(name: "owner", namespace: "default")))
            var dangling = Fx.pod("dangling", ownerUID: "no-such-uid")
            var kept = Fx.pod("kept", ownerUID: nil)
            kept.metadata?.ownerReferences = [MetaV1.OwnerReference(apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: live.metadata?.uid)]
            for i in [0, 1] {
                var p = i == 0 ? dangling : kept
                p.metadata?.uid = nil
                p.metadata?.creationTimestamp = nil
                p.status = nil
                p.metadata?.labels = ["app": "gc"]
                if i == 0 { dangling = p } else { kept = p }
                _ = try await t.client.create(p)
            }
            try await withManager(t, controllers: ["garbagecollector"]) { _ in
                let collected = try await eventually {
                    let names = try await pods(t, "app=gc").compactMap { $0.metadata?.name }
                    return names == ["kept"]
                }
                #expect(collected)
            }
        }
    }

    @Test("a ReplicationController runs on the ReplicaSet logic: owned pods, its own status shape")
    func replicationController() async throws {
        try await TestServer.with { t in
            try await withManager(t, controllers: ["replicationcontroller"]) { _ in
                let template = Fx.replicaSet().spec?.template
                let rc = try await t.client.create(CoreV1.ReplicationController(
                    metadata: MetaV1.ObjectMeta(name: "legacy", namespace: "default"),
                    spec: CoreV1.ReplicationControllerSpec(replicas: 2, selector: ["app": "web"], template: template)))
                #expect(try await eventually {
                    let s = try await t.client.get(CoreV1.ReplicationController.self, "legacy", namespace: "default").status
                    return s?.replicas == 2 && s?.fullyLabeledReplicas == 2 && s?.observedGeneration == 1
                })
                let owned = try await pods(t)
                #expect(owned.count == 2)
                #expect(owned.allSatisfy {
                    $0.metadata?.ownerReferences == [MetaV1.OwnerReference(apiVersion: "v1", blockOwnerDeletion: true, controller: true,
                                                                           kind: "ReplicationController", name: "legacy", uid: rc.metadata?.uid)]
                })
            }
        }
    }

    @Test("a Deployment gets a ReplicaSet <name>-<hash> with its pods, revision 1 and status; a new template a second ReplicaSet")
    func deployment() async throws {
        try await TestServer.with { t in
            try await withManager(t, controllers: ["replicaset", "deployment"]) { _ in
                var d = DFx.deployment(replicas: 2)
                d.metadata?.uid = nil
                d.metadata?.generation = nil
                _ = try await t.client.create(d)
                #expect(try await eventually {
                    let got = try await t.client.get(AppsV1.Deployment.self, "web", namespace: "default")
                    return got.status?.replicas == 2 && got.metadata?.annotations?["deployment.kubernetes.io/revision"] == "1"
                })
                let sets = try await t.client.list(AppsV1.ReplicaSet.self, namespace: "default").items
                #expect(sets.count == 1)
                let hash = try #require(sets.first?.metadata?.labels?["pod-template-hash"])
                #expect(sets.first?.metadata?.name == "web-\(hash)")
                #expect(try await pods(t).allSatisfy { $0.metadata?.labels?["pod-template-hash"] == hash })
                // Pods never become available here (no nodes): with maxUnavailable 0 (25% of 2)
                // and maxSurge 1, the rollout may add exactly one new pod and remove none.
                var current = try await t.client.get(AppsV1.Deployment.self, "web", namespace: "default")
                current.spec?.template?.spec?.containers?[0].image = "nginx:1.28"
                _ = try await t.client.update(current)
                #expect(try await eventually {
                    let all = try await t.client.list(AppsV1.ReplicaSet.self, namespace: "default").items
                    let replicas = Dictionary(all.map { ($0.metadata?.annotations?["deployment.kubernetes.io/revision"] ?? "", $0.spec?.replicas ?? 0) },
                                              uniquingKeysWith: { a, _ in a })
                    return replicas == ["1": 2, "2": 1]
                })
                #expect(try await eventually { try await pods(t).count == 3 })
            }
        }
    }

    @Test("--controllers syntax selects controllers as upstream")
    func selection() {
        #expect(ControllerManager.select(["*"]) == ControllerManager.all)
        #expect(ControllerManager.select(["*", "-garbagecollector"]) == ControllerManager.all.filter { $0 != "garbagecollector" })
        #expect(ControllerManager.select(["garbagecollector"]) == ["garbagecollector"])
    }
}
