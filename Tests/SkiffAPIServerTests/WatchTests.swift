import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Watch", .timeLimit(.minutes(5)))
struct WatchTests {
    private func next(_ it: inout AsyncStream<JSONValue>.Iterator) async -> JSONValue? { await it.next() }

    @Test("a watch without resourceVersion starts with synthetic ADDED, then ADDED/MODIFIED/DELETED in order")
    func eventsInOrder() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("old"))
            var it = await s.watch("/api/v1/namespaces/default/configmaps?watch=true").makeAsyncIterator()
            let first = await next(&it)
            #expect(first?["type"]?.stringValue == "ADDED")
            #expect(first?.at("object", "metadata", "name")?.stringValue == "old")
            _ = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("new"))
            _ = await s.call("PATCH", "/api/v1/namespaces/default/configmaps/new", .object(["data": .object(["k": .string("2")])]),
                             contentType: "application/merge-patch+json")
            _ = await s.call("DELETE", "/api/v1/namespaces/default/configmaps/new")
            var types: [String] = []
            for _ in 0..<3 { types.append(await next(&it)?["type"]?.stringValue ?? "") }
            #expect(types == ["ADDED", "MODIFIED", "DELETED"])
        }
    }

    @Test("watch-list sends the initial state, then a bookmark marking its end")
    func watchList() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("a"))
            _ = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("b"))
            var it = await s.watch("/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true").makeAsyncIterator()
            #expect(await next(&it)?["type"]?.stringValue == "ADDED")
            #expect(await next(&it)?["type"]?.stringValue == "ADDED")
            let bookmark = await next(&it)
            #expect(bookmark?["type"]?.stringValue == "BOOKMARK")
            #expect(bookmark?.at("object", "metadata", "annotations", "k8s.io/initial-events-end")?.stringValue == "true")
        }
    }

    @Test("a watch from a resourceVersion replays only later events")
    func fromResourceVersion() async throws {
        try await TestServer.with { s in
            let a = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("a"))
            let rv = a.body.at("metadata", "resourceVersion")?.stringValue ?? ""
            _ = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("b"))
            var it = await s.watch("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=\(rv)").makeAsyncIterator()
            let event = await next(&it)
            #expect(event?["type"]?.stringValue == "ADDED")
            #expect(event?.at("object", "metadata", "name")?.stringValue == "b")
        }
    }

    @Test("a label-selected watch sees an object leave the selection as DELETED")
    func selectorTransitions() async throws {
        try await TestServer.with { s in
            var it = await s.watch("/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Dweb").makeAsyncIterator()
            _ = await s.call("POST", "/api/v1/namespaces/default/pods", Fixture.pod("p", labels: ["app": "web"]))
            #expect(await next(&it)?["type"]?.stringValue == "ADDED")
            _ = await s.call("PATCH", "/api/v1/namespaces/default/pods/p",
                             .object(["metadata": .object(["labels": .object(["app": .string("db")])])]),
                             contentType: "application/merge-patch+json")
            #expect(await next(&it)?["type"]?.stringValue == "DELETED")
        }
    }

    @Test("watches in Table form send column definitions only in the first event")
    func tableWatch() async throws {
        try await TestServer.with { s in
            let accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
            var it = await s.watch("/api/v1/namespaces/default/configmaps?watch=1", accept: accept).makeAsyncIterator()
            _ = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("x"))
            _ = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("y"))
            let first = await next(&it)
            let second = await next(&it)
            #expect(first?.at("object", "columnDefinitions")?.arrayValue?.isEmpty == false)
            // A nil slice in kube-apiserver's Table (columnDefinitions has no omitempty): null.
            #expect(second?.at("object", "columnDefinitions") == .null)
            #expect(second?.at("object", "rows", "0", "cells", "0")?.stringValue == "y")
        }
    }
}
