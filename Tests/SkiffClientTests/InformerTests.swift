import Foundation
import SkiffAPI
import Testing
@testable import SkiffClient

func names(_ pods: [CoreV1.Pod]) -> Set<String> { Set(pods.compactMap(\.metadata?.name)) }

/// Runs `body` with `informer` running; stops it afterwards.
func running<T: APIObject>(_ informer: Informer<T>, _ body: () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await informer.run() }
        do {
            try await body()
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
    }
}

@Suite("Informers: list, watch, relist, resync, indexers", .timeLimit(.minutes(3)))
struct InformerTests {
    @Test("an informer lists then follows the watch: add, update and delete reach cache and handlers",
          arguments: [true, false])
    func listWatch(useWatchList: Bool) async throws {
        try await ClientTestServer.with { t in
            _ = try await t.client.create(Make.configMap("before"))
            let informer = Informer<CoreV1.ConfigMap>(client: t.client, options: InformerOptions(namespace: "default", useWatchList: useWatchList))
            let log = EventLog<CoreV1.ConfigMap>()
            informer.addEventHandler(log.handler)
            try await running(informer) {
                try await informer.waitForSync()
                #expect(informer.hasSynced)
                #expect(informer.cache.get(ObjectKey(namespace: "default", name: "before")) != nil)
                var cm = try await t.client.create(Make.configMap("live"))
                cm.data = ["k": "changed"]
                _ = try await t.client.update(cm)
                try await t.client.delete(CoreV1.ConfigMap.self, "before", namespace: "default")
                #expect(try await eventually { log.all.count >= 4 })
                #expect(log.all == [.added("default/before"), .added("default/live"), .updated("default/live"),
                                    .deleted("default/before", tombstone: false)])
                #expect(informer.lister.get("live", namespace: "default")?.data == ["k": "changed"])
                #expect(informer.lister.get("before", namespace: "default") == nil)
                #expect(informer.listCount == 1)
            }
        }
    }

    @Test("a dropped watch resumes from the last resourceVersion without relisting")
    func droppedWatchResumes() async throws {
        try await ClientTestServer.with { t in
            let informer = Informer<CoreV1.ConfigMap>(client: t.client, options: InformerOptions(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(100)))
            let log = EventLog<CoreV1.ConfigMap>()
            informer.addEventHandler(log.handler)
            try await running(informer) {
                try await informer.waitForSync()
                t.faults.cutWatches()
                _ = try await t.client.create(Make.configMap("after-cut"))
                #expect(try await eventually { informer.cache.get(ObjectKey(namespace: "default", name: "after-cut")) != nil })
                #expect(informer.listCount == 1)
                #expect(log.all == [.added("default/after-cut")])
            }
        }
    }

    @Test("after the server compacted past the informer's revision (410) it relists and delivers the differences")
    func relistAfterGone() async throws {
        try await ClientTestServer.with { t in
            var changed = try await t.client.create(Make.configMap("changed"))
            _ = try await t.client.create(Make.configMap("unchanged"))
            _ = try await t.client.create(Make.configMap("removed"))
            let informer = Informer<CoreV1.ConfigMap>(client: t.client, options: InformerOptions(initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(100)))
            let log = EventLog<CoreV1.ConfigMap>()
            informer.addEventHandler(log.handler)
            try await running(informer) {
                try await informer.waitForSync()
                #expect(informer.cache.count == 3)
                log.clear()
                // The informer is cut off while more than the watch cache's window of events happens.
                t.faults.holdWatches = true
                t.faults.cutWatches()
                changed.data = ["k": "new"]
                _ = try await t.client.update(changed)
                _ = try await t.client.create(Make.configMap("added"))
                try await t.client.delete(CoreV1.ConfigMap.self, "removed", namespace: "default")
                var churn = try await t.client.create(Make.configMap("churn", namespace: "kube-system"))
                for i in 0..<4200 {
                    churn.data = ["i": String(i)]
                    churn = try await t.client.update(churn)
                }
                try await t.client.delete(CoreV1.ConfigMap.self, "churn", namespace: "kube-system")
                t.faults.holdWatches = false
                #expect(try await eventually { informer.listCount == 2 && informer.cache.count == 3 })
                let entries = log.all
                #expect(entries.contains(.updated("default/changed")))
                #expect(entries.contains(.added("default/added")))
                #expect(entries.contains(.deleted("default/removed", tombstone: true)))
                #expect(!entries.contains(.updated("default/unchanged")))
                #expect(!entries.contains(.added("kube-system/churn")))
                #expect(informer.lister.get("changed", namespace: "default")?.data == ["k": "new"])
            }
        }
    }

    @Test("periodic resync delivers every cached object as an update with the same resourceVersion")
    func resync() async throws {
        try await ClientTestServer.with { t in
            _ = try await t.client.create(Make.configMap("a"))
            _ = try await t.client.create(Make.configMap("b"))
            let informer = Informer<CoreV1.ConfigMap>(client: t.client, options: InformerOptions(resyncPeriod: .milliseconds(100)))
            let log = EventLog<CoreV1.ConfigMap>()
            informer.addEventHandler(log.handler)
            try await running(informer) {
                let resynced = try await eventually {
                    let entries = log.all
                    return entries.contains(.resync("default/a")) && entries.contains(.resync("default/b"))
                }
                #expect(resynced)
            }
        }
    }

    @Test("a handler added after sync first receives every cached object as added")
    func lateHandler() async throws {
        try await ClientTestServer.with { t in
            _ = try await t.client.create(Make.configMap("x"))
            let informer = Informer<CoreV1.ConfigMap>(client: t.client)
            try await running(informer) {
                try await informer.waitForSync()
                let log = EventLog<CoreV1.ConfigMap>()
                informer.addEventHandler(log.handler)
                #expect(log.all == [.added("default/x")])
            }
        }
    }

    @Test("indexers answer by namespace, label, owner UID, spec.nodeName and a custom function")
    func indexers() async throws {
        try await ClientTestServer.with { t in
            _ = try await t.client.create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: "team")))
            _ = try await t.client.create(Make.pod("a", labels: ["app": "web"], node: "n1", owner: "uid-1"))
            _ = try await t.client.create(Make.pod("b", labels: ["app": "db"], node: "n2", owner: "uid-1"))
            _ = try await t.client.create(Make.pod("c", namespace: "team", labels: ["app": "web"]))
            let image = Index<CoreV1.Pod>("image") { $0.spec?.containers?.compactMap(\.image) ?? [] }
            let informer = Informer<CoreV1.Pod>(client: t.client, indexers: [.namespace, .label("app"), .ownerUID, .nodeName, image])
            try await running(informer) {
                try await informer.waitForSync()
                let lister = informer.lister
                #expect(names(lister.list(namespace: "team")) == ["c"])
                #expect(names(lister.byIndex(.label("app"), "web")) == ["a", "c"])
                #expect(names(lister.byIndex(.ownerUID, "uid-1")) == ["a", "b"])
                #expect(names(lister.byIndex(.nodeName, "n1")) == ["a"])
                #expect(names(lister.byIndex(.nodeName, "")) == ["c"])
                #expect(names(lister.byIndex(image, "busybox:1.36")) == ["a", "b", "c"])
                #expect(names(lister.list(selector: try LabelSelector(parsing: "app in (web),app!=db"))) == ["a", "c"])
                // A pod moving node moves in the index.
                var b = try #require(lister.get("b", namespace: "default"))
                b.metadata?.labels = ["app": "web"]
                _ = try await t.client.update(b)
                #expect(try await eventually { names(lister.byIndex(.label("app"), "web")) == ["a", "b", "c"] })
                #expect(lister.byIndex(.label("app"), "db").isEmpty)
                try await t.client.delete(CoreV1.Pod.self, "a", namespace: "default", options: DeleteOptions(gracePeriodSeconds: 0))
                #expect(try await eventually { lister.byIndex(.nodeName, "n1").isEmpty })
                #expect(informer.cache.indexValues("spec.nodeName").contains("n1") == false)
            }
        }
    }

    @Test("the shared factory hands out one informer per resource and runs each once")
    func sharedFactory() async throws {
        try await ClientTestServer.with { t in
            _ = try await t.client.create(Make.configMap("s"))
            let factory = SharedInformerFactory(client: t.client)
            let a = factory.informer(CoreV1.ConfigMap.self)
            let b = factory.informer(CoreV1.ConfigMap.self)
            #expect(a === b)
            let before = t.faults.watchesOpened
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await factory.run() }
                try await factory.waitForCacheSync()
                #expect(a.cache.count == 1)
                // An informer asked for after start is started too.
                let pods = factory.informer(CoreV1.Pod.self)
                try await pods.waitForSync()
                #expect(factory.hasSynced)
                #expect(t.faults.watchesOpened - before == 2)
                group.cancelAll()
            }
        }
    }
}
