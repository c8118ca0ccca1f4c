import Foundation
import SkiffAPI
import SkiffClient
import Testing
@testable import SkiffControllers

/// The DaemonSet (and StatefulSet) controllers against an in-process API server. There is no
/// scheduler or kubelet: pods stay unbound and not ready unless a test says otherwise.
@Suite("Workload controllers against an in-process API server", .timeLimit(.minutes(3)))
struct WorkloadIntegrationTests {
    func withController(_ t: TestServer, _ make: (SharedInformerFactory) -> Controller,
                        _ body: () async throws -> Void) async throws {
        let factory = SharedInformerFactory(client: t.client)
        let controller = make(factory)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await factory.run() }
            group.addTask { try await controller.run() }
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
            for n in ["n1", "n2"] { _ = try await t.client.create(DFx.node(n)) }
            _ = try await t.client.create(DFx.node("tainted", taints: [DFx.taint("dedicated", "NoSchedule")]))
            try await withController(t, { DaemonSetController.make(factory: $0) }) {
                var ds = DFx.daemonSet()
                ds.metadata = MetaV1.ObjectMeta(name: "agent", namespace: "default")
                _ = try await t.client.create(ds)
                #expect(try await eventually { try await pods(t, "app=agent").count == 2 })
                let targets = try await pods(t, "app=agent").compactMap { DaemonNodes.targetNode($0) }.sorted()
                #expect(targets == ["n1", "n2"])
                _ = try await t.client.create(DFx.node("n3"))
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
}
