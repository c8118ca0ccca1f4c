import Foundation
import SkiffAPI
import Synchronization
import Testing
@testable import SkiffClient

@Suite("Typed and dynamic client over the in-process transport", .timeLimit(.minutes(2)))
struct ClientTests {
    @Test("create, get, update, updateStatus, patch and delete round-trip typed objects")
    func typedVerbs() async throws {
        try await ClientTestServer.with { t in
            let created = try await t.client.create(Make.configMap("one", data: ["a": "1"]))
            #expect(created.metadata?.uid != nil)
            #expect(created.kind == "ConfigMap")
            var got = try await t.client.get(CoreV1.ConfigMap.self, "one", namespace: "default")
            #expect(got.data == ["a": "1"])
            got.data = ["a": "2"]
            let updated = try await t.client.update(got)
            #expect(updated.data == ["a": "2"])
            let merged = try await t.client.patch(CoreV1.ConfigMap.self, "one", namespace: "default",
                                                  Patch(.merge, .object(["data": .object(["b": .string("3")])])))
            #expect(merged.data == ["a": "2", "b": "3"])
            let strategic = try await t.client.patch(CoreV1.ConfigMap.self, "one", namespace: "default",
                                                     Patch(.strategicMerge, .object(["metadata": .object(["labels": .object(["x": .string("y")])])])))
            #expect(strategic.metadata?.labels == ["x": "y"])
            let json = try await t.client.patch(CoreV1.ConfigMap.self, "one", namespace: "default",
                                                Patch(.json, .array([.object(["op": .string("remove"), "path": .string("/data/a")])])))
            #expect(json.data == ["b": "3"])
            try await t.client.delete(CoreV1.ConfigMap.self, "one", namespace: "default")
            await #expect(throws: ClientError.self) { _ = try await t.client.get(CoreV1.ConfigMap.self, "one", namespace: "default") }

            let pod = try await t.client.create(Make.pod("p"))
            var status = pod
            status.status = CoreV1.PodStatus(phase: "Running")
            let afterStatus = try await t.client.updateStatus(status)
            #expect(afterStatus.status?.phase == "Running")
        }
    }

    @Test("errors carry the Status reason and code: NotFound, AlreadyExists, Conflict, Invalid")
    func errorReasons() async throws {
        try await ClientTestServer.with { t in
            do {
                _ = try await t.client.get(CoreV1.ConfigMap.self, "missing", namespace: "default")
                Issue.record("expected NotFound")
            } catch let e as ClientError {
                #expect(e.reason == .notFound)
                #expect(e.code == 404)
            }
            let first = try await t.client.create(Make.configMap("dup"))
            do {
                _ = try await t.client.create(Make.configMap("dup"))
                Issue.record("expected AlreadyExists")
            } catch let e as ClientError {
                #expect(e.reason == .alreadyExists)
                #expect(e.code == 409)
            }
            var changed = first
            changed.data = ["k": "changed"]
            _ = try await t.client.update(changed)
            do {
                _ = try await t.client.update(first)
                Issue.record("expected Conflict")
            } catch let e as ClientError {
                #expect(e.reason == .conflict)
            }
            do {
                _ = try await t.client.create(Make.configMap("Bad_Name"))
                Issue.record("expected Invalid")
            } catch let e as ClientError {
                #expect(e.reason == .invalid)
                #expect(e.code == 422)
            }
        }
    }

    @Test("list filters by namespace and label selector and returns the list resourceVersion")
    func listAndSelectors() async throws {
        try await ClientTestServer.with { t in
            _ = try await t.client.create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: "other")))
            _ = try await t.client.create(Make.pod("a", labels: ["app": "web"]))
            _ = try await t.client.create(Make.pod("b", labels: ["app": "db"]))
            _ = try await t.client.create(Make.pod("c", namespace: "other", labels: ["app": "web"]))
            let all = try await t.client.list(CoreV1.Pod.self)
            #expect(all.items.count == 3)
            #expect(Int(all.resourceVersion) ?? 0 > 0)
            let web = try await t.client.list(CoreV1.Pod.self, options: ListOptions(labelSelector: "app=web"))
            #expect(Set(web.items.compactMap(\.metadata?.name)) == ["a", "c"])
            let inDefault = try await t.client.list(CoreV1.Pod.self, namespace: "default")
            #expect(inDefault.items.count == 2)
            try await t.client.deleteCollection(CoreV1.Pod.self, namespace: "default", list: ListOptions(labelSelector: "app=db"),
                                                options: DeleteOptions(gracePeriodSeconds: 0))
            let after = try await t.client.list(CoreV1.Pod.self, namespace: "default")
            #expect(after.items.compactMap(\.metadata?.name).contains("b") == false)
        }
    }

    @Test("the dynamic client serves any resource as JSON")
    func dynamic() async throws {
        try await ClientTestServer.with { t in
            let configMaps = ResourceDescriptor(group: "", version: "v1", resource: "configmaps", kind: "ConfigMap", namespaced: true)
            let object: JSONValue = .object(["apiVersion": .string("v1"), "kind": .string("ConfigMap"),
                                             "metadata": .object(["name": .string("dyn")]), "data": .object(["k": .string("v")])])
            let created = try await t.client.create(configMaps, object, namespace: "default")
            #expect(created["metadata"]?["uid"]?.stringValue != nil)
            let got = try await t.client.get(configMaps, "dyn", namespace: "default")
            #expect(got["data"]?["k"]?.stringValue == "v")
            let list = try await t.client.list(configMaps, namespace: "default")
            #expect(list["items"]?.arrayValue?.count == 1)
            let deployments = try #require(ResourceDescriptor.builtin(GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")))
            #expect(deployments.resource == "deployments")
            #expect(ResourceDescriptor.of(CoreV1.Node.self).namespaced == false)
            try await t.client.delete(configMaps, "dyn", namespace: "default")
        }
    }

    @Test("a watch streams ADDED, MODIFIED and DELETED typed events from a resourceVersion")
    func watchEvents() async throws {
        try await ClientTestServer.with { t in
            let list = try await t.client.list(CoreV1.ConfigMap.self, namespace: "default")
            let events = try await t.client.watch(CoreV1.ConfigMap.self, namespace: "default",
                                                  options: ListOptions(resourceVersion: list.resourceVersion))
            var cm = try await t.client.create(Make.configMap("w"))
            cm.data = ["k": "2"]
            _ = try await t.client.update(cm)
            try await t.client.delete(CoreV1.ConfigMap.self, "w", namespace: "default")
            var seen: [String] = []
            for try await event in events {
                switch event {
                case .added(let o): seen.append("ADDED \(o.metadata?.name ?? "")")
                case .modified(let o): seen.append("MODIFIED \(o.data?["k"] ?? "")")
                case .deleted(let o): seen.append("DELETED \(o.metadata?.name ?? "")")
                case .bookmark: continue
                }
                if seen.count == 3 { break }
            }
            #expect(seen == ["ADDED w", "MODIFIED 2", "DELETED w"])
        }
    }

    @Test("a watch from a compacted resourceVersion throws Gone")
    func watchGone() async throws {
        try await ClientTestServer.with { t in
            let start = try await t.client.list(CoreV1.ConfigMap.self, namespace: "default").resourceVersion
            var cm = try await t.client.create(Make.configMap("churn"))
            for i in 0..<4200 {
                cm.data = ["i": String(i)]
                cm = try await t.client.update(cm)
            }
            do {
                let events = try await t.client.watch(CoreV1.ConfigMap.self, namespace: "default", options: ListOptions(resourceVersion: start))
                for try await _ in events {}
                Issue.record("expected Gone")
            } catch let e as ClientError {
                #expect(e.reason == .gone || e.reason == .expired)
                #expect(e.isGone)
            }
        }
    }

    @Test("the token bucket allows a burst, then spaces requests at the rate")
    func tokenBucket() {
        var bucket = TokenBucket(qps: 10, burst: 2)
        let t0 = ContinuousClock.now
        #expect(bucket.reserve(now: t0) == .zero)
        #expect(bucket.reserve(now: t0) == .zero)
        #expect(bucket.reserve(now: t0) == .milliseconds(100))
        #expect(bucket.reserve(now: t0) == .milliseconds(200))
        // After a second the bucket is full again (burst 2).
        #expect(bucket.reserve(now: t0 + .seconds(2)) == .zero)
    }

    @Test("429 with Retry-After is retried and then succeeds")
    func retryAfter() async throws {
        let attempts = Counter()
        let transport = InProcessTransport { _ in
            if attempts.increment() < 3 {
                return ClientResponse(status: 429, headers: [("Retry-After", "0")],
                                      body: .bytes(Array(#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","code":429}"#.utf8)))
            }
            return ClientResponse(status: 200, headers: [], body: .bytes(Array(#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}"#.utf8)))
        }
        let client = Client(transport: transport, config: ClientConfig(qps: nil, initialBackoff: .milliseconds(1)))
        let cm = try await client.get(CoreV1.ConfigMap.self, "x", namespace: "default")
        #expect(cm.metadata?.name == "x")
        #expect(attempts.value == 3)

        let always = InProcessTransport { _ in
            ClientResponse(status: 429, headers: [("Retry-After", "0")], body: .bytes(Array(#"{"kind":"Status","reason":"TooManyRequests","code":429}"#.utf8)))
        }
        let limited = Client(transport: always, config: ClientConfig(qps: nil, maxRetries: 2))
        do {
            _ = try await limited.get(CoreV1.ConfigMap.self, "x")
            Issue.record("expected TooManyRequests")
        } catch let e as ClientError {
            #expect(e.reason == .tooManyRequests)
            #expect(e.retryAfterSeconds == 0)
        }
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    @discardableResult func increment() -> Int { count.withLock { $0 += 1; return $0 } }
    var value: Int { count.withLock { $0 } }
}
