import Foundation
import SkiffAPI
import SkiffStore
import Testing
@testable import SkiffAPIServer

@Suite("CustomResourceDefinitions", .timeLimit(.minutes(5)))
struct CustomResourceTests {
    static func crd(plural: String = "widgets", kind: String = "Widget", group: String = "example.com",
                    scope: String = "Namespaced") throws -> JSONValue {
        try JSONValue.parse(Array("""
        {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"\(plural).\(group)"},
         "spec":{"group":"\(group)","scope":"\(scope)","names":{"plural":"\(plural)","kind":"\(kind)","shortNames":["\(plural.prefix(3))x"]},
          "versions":[
           {"name":"v1","served":true,"storage":true,"subresources":{"status":{},"scale":{"specReplicasPath":".spec.size","statusReplicasPath":".status.size"}},
            "selectableFields":[{"jsonPath":".spec.color"}],
            "additionalPrinterColumns":[{"name":"Size","type":"integer","jsonPath":".spec.size"}],
            "schema":{"openAPIV3Schema":{"type":"object","properties":{
              "spec":{"type":"object","properties":{"size":{"type":"integer","maximum":10,"default":1},"color":{"type":"string"}}},
              "status":{"type":"object","properties":{"size":{"type":"integer"}}}}}}},
           {"name":"v1beta1","served":true,"storage":false,
            "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
        """.utf8))
    }

    static func widget(_ name: String, size: Int = 2, color: String = "red", version: String = "v1") -> JSONValue {
        .object(["apiVersion": .string("example.com/\(version)"), "kind": .string("Widget"),
                 "metadata": .object(["name": .string(name)]),
                 "spec": .object(["size": .int(Int64(size)), "color": .string(color)])])
    }

    /// Polls until `condition` holds (the CRD controller works asynchronously).
    static func eventually(_ what: String, _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting for \(what)")
    }

    static func establish(_ s: TestServer, _ crd: JSONValue) async throws {
        let created = await s.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
        #expect(created.status == 201, "\(created.body)")
        let name = crd["metadata"]?["name"]?.stringValue ?? ""
        try await eventually("Established") {
            let got = await s.call("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/\(name)")
            return got.body["status"]?["conditions"]?.arrayValue?.contains {
                $0["type"] == .string("Established") && $0["status"] == .string("True")
            } ?? false
        }
    }

    @Test("a CRD serves its resource: CRUD, defaults, validation, discovery, columns, scale, selectors, versions")
    func lifecycle() async throws {
        try await TestServer.with { s in
            try await Self.establish(s, try Self.crd())
            let base = "/apis/example.com/v1/namespaces/default/widgets"
            let created = await s.call("POST", base, Self.widget("a"))
            #expect(created.status == 201)
            #expect(created.body["metadata"]?["generation"] == .int(1))
            var defaulted = Self.widget("b")
            defaulted["spec"] = .object(["color": .string("blue")])
            #expect(await s.call("POST", base, defaulted).body["spec"]?["size"] == .int(1))
            let invalid = await s.call("POST", base, Self.widget("c", size: 11))
            #expect(invalid.status == 422)
            #expect(invalid.body["message"]?.stringValue
                == "Widget \"c\" is invalid: spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10")
            let strict = await s.call("POST", base + "?fieldValidation=Strict", .object([
                "apiVersion": .string("example.com/v1"), "kind": .string("Widget"), "metadata": .object(["name": .string("d")]),
                "spec": .object(["bogus": .int(1)])]))
            #expect(strict.status == 400)
            #expect(strict.body["message"]?.stringValue == "strict decoding error: unknown field \"spec.bogus\"")
            let list = await s.call("GET", base)
            #expect(list.body["kind"] == .string("WidgetList"))
            #expect(list.body["items"]?.arrayValue?.count == 2)
            #expect(list.body["items"]?.arrayValue?.first?["kind"] == .string("Widget"))
            let selected = await s.call("GET", base + "?fieldSelector=spec.color%3Dblue")
            #expect(selected.body["items"]?.arrayValue?.map { $0["metadata"]?["name"] } == [.string("b")])
            let table = await s.call("GET", base, accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
            #expect(table.body["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Name", "Size"])
            #expect(table.body["rows"]?.arrayValue?.first?["cells"] == .array([.string("a"), .int(2)]))
            let smp = await s.call("PATCH", base + "/a", .object(["spec": .object(["size": .int(3)])]),
                                   contentType: "application/strategic-merge-patch+json")
            #expect(smp.status == 415)
            let merged = await s.call("PATCH", base + "/a", .object(["spec": .object(["size": .int(3)])]),
                                      contentType: "application/merge-patch+json")
            #expect(merged.body["spec"]?["size"] == .int(3))
            #expect(merged.body["metadata"]?["generation"] == .int(2))
            let scaled = await s.call("PATCH", base + "/a/scale", .object(["spec": .object(["replicas": .int(5)])]),
                                      contentType: "application/merge-patch+json")
            #expect(scaled.body["spec"]?["replicas"] == .int(5))
            #expect(await s.call("GET", base + "/a").body["spec"]?["size"] == .int(5))
            // Status only through /status.
            var withStatus = await s.call("GET", base + "/a").body
            withStatus["status"] = .object(["size": .int(5)])
            #expect(await s.call("PUT", base + "/a", withStatus).body["status"] == nil)
            #expect(await s.call("PUT", base + "/a/status", withStatus).body["status"]?["size"] == .int(5))
            // The other version serves the same objects under its apiVersion.
            let beta = await s.call("GET", "/apis/example.com/v1beta1/namespaces/default/widgets/a")
            #expect(beta.body["apiVersion"] == .string("example.com/v1beta1"))
            #expect(beta.body["spec"]?["size"] == .int(5))
            // Discovery and OpenAPI.
            let discovery = await s.call("GET", "/apis/example.com/v1")
            let names = discovery.body["resources"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(names == ["widgets", "widgets/status", "widgets/scale"])
            let group = await s.call("GET", "/apis/example.com")
            #expect(group.body["preferredVersion"]?["version"] == .string("v1"))
            let openapi = await s.call("GET", "/openapi/v3/apis/example.com/v1")
            #expect(openapi.body["components"]?["schemas"]?["com.example.v1.Widget"]?["properties"]?["spec"] != nil)
        }
    }

    @Test("deleting a CRD deletes its objects, then stops serving it")
    func deletion() async throws {
        try await TestServer.with { s in
            try await Self.establish(s, try Self.crd())
            let base = "/apis/example.com/v1/namespaces/default/widgets"
            _ = await s.call("POST", base, Self.widget("a"))
            _ = await s.call("POST", base, Self.widget("b"))
            let deleted = await s.call("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
            #expect(deleted.status == 200)
            try await Self.eventually("the CRD gone") {
                await s.call("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").status == 404
            }
            #expect(await s.call("GET", base).status == 404)
            #expect(await s.call("GET", "/apis/example.com/v1").status == 404)
            try await Self.establish(s, try Self.crd())
            #expect(await s.call("GET", base).body["items"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test("a CRD whose names another CRD of the group holds is not served: NamesAccepted False")
    func nameConflict() async throws {
        try await TestServer.with { s in
            try await Self.establish(s, try Self.crd())
            var second = try Self.crd(plural: "gadgets", kind: "Widget")
            _ = await s.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", second)
            try await Self.eventually("NamesAccepted False") {
                let got = await s.call("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gadgets.example.com")
                return got.body["status"]?["conditions"]?.arrayValue?.contains {
                    $0["type"] == .string("NamesAccepted") && $0["status"] == .string("False")
                        && $0["message"] == .string("\"widget\" is already in use")
                } ?? false
            }
            #expect(await s.call("GET", "/apis/example.com/v1/namespaces/default/gadgets").status == 404)
            second = try Self.crd(plural: "things", kind: "Thing", scope: "Global")
            let invalid = await s.call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", second)
            #expect(invalid.status == 422)
        }
    }

    @Test("custom resources are served again after a restart")
    func restart() async throws {
        let store = MemoryStore()
        try await Self.runServer(store: store) { s in
            try await Self.establish(s, try Self.crd(scope: "Cluster"))
            #expect(await s.call("POST", "/apis/example.com/v1/widgets", Self.widget("kept")).status == 201)
        }
        try await Self.runServer(store: store) { s in
            let got = await s.call("GET", "/apis/example.com/v1/widgets/kept")
            #expect(got.status == 200)
            #expect(got.body["spec"]?["size"] == .int(2))
        }
        await store.close()
    }

    /// One server on `store`, stopped afterwards without closing the store.
    static func runServer(store: MemoryStore, _ body: (TestServer) async throws -> Void) async throws {
        let server = APIServer(config: APIServerConfig(store: store, port: 0, insecureUser: TestServer.admin))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            _ = try await server.port()
            do { try await body(TestServer(server: server)) } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }
}
