import Foundation
import SkiffAPI
import Synchronization
import Testing
@testable import SkiffClient

@Suite("Controller: informers → queue → reconcilers", .timeLimit(.minutes(2)))
struct ControllerTests {
    /// Copies each ConfigMap's data into a "<name>-copy" ConfigMap; fails twice for "flaky".
    final class CopyReconciler: Reconciler {
        let client: Client
        let lister: Lister<CoreV1.ConfigMap>
        let failures = Mutex<[String: Int]>([:])

        init(client: Client, lister: Lister<CoreV1.ConfigMap>) {
            self.client = client
            self.lister = lister
        }

        func reconcile(_ key: ObjectKey) async throws -> Requeue? {
            guard !key.name.hasSuffix("-copy"), let source = lister.get(key) else { return nil }
            if key.name == "flaky", failures.withLock({ $0[key.name, default: 0] += 1; return $0[key.name]! }) <= 2 {
                struct Transient: Error {}
                throw Transient()
            }
            var copy = Make.configMap("\(key.name)-copy", namespace: key.namespace, data: source.data ?? [:])
            do {
                var existing = try await client.get(CoreV1.ConfigMap.self, copy.metadata!.name!, namespace: key.namespace)
                existing.data = source.data
                copy = existing
                _ = try await client.update(copy)
            } catch let e as ClientError where e.isNotFound {
                _ = try await client.create(copy)
            }
            return nil
        }
    }

    @Test("every object is reconciled, changes are reconciled again, and failures are retried with back-off")
    func reconciles() async throws {
        try await ClientTestServer.with { t in
            _ = try await t.client.create(Make.configMap("a", data: ["v": "1"]))
            _ = try await t.client.create(Make.configMap("flaky", data: ["v": "f"]))
            let factory = SharedInformerFactory(client: t.client)
            let informer = factory.informer(CoreV1.ConfigMap.self)
            let reconciler = CopyReconciler(client: t.client, lister: informer.lister)
            let controller = Controller(name: "copy", reconciler: reconciler, workers: 4)
            controller.watch(informer)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await factory.run() }
                group.addTask { try await controller.run() }
                let lister = informer.lister
                #expect(try await eventually { lister.get("a-copy", namespace: "default")?.data == ["v": "1"] })
                #expect(try await eventually { lister.get("flaky-copy", namespace: "default")?.data == ["v": "f"] })
                #expect(reconciler.failures.withLock { $0["flaky"] } == 3)
                var a = try #require(lister.get("a", namespace: "default"))
                a.data = ["v": "2"]
                _ = try await t.client.update(a)
                #expect(try await eventually { lister.get("a-copy", namespace: "default")?.data == ["v": "2"] })
                group.cancelAll()
            }
            #expect(controller.queue.isShuttingDown)
        }
    }

    @Test("Requeue.after brings the key back after the delay")
    func requeueAfter() async throws {
        try await ClientTestServer.with { t in
            _ = try await t.client.create(Make.configMap("tick"))
            let factory = SharedInformerFactory(client: t.client)
            let informer = factory.informer(CoreV1.ConfigMap.self)
            let count = Counter()
            let controller = Controller(name: "tick", reconciler: ReconcileFunction { _ in
                count.increment() < 3 ? .after(.milliseconds(20)) : nil
            })
            controller.watch(informer)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await factory.run() }
                group.addTask { try await controller.run() }
                let reached = try await eventually { count.value >= 3 }
                #expect(reached)
                group.cancelAll()
            }
        }
    }
}
