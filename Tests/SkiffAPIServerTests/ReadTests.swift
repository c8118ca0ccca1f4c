import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Lists, selectors, tables and discovery", .timeLimit(.minutes(5)))
struct ReadTests {
    @Test("label and field selectors filter lists")
    func selectors() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/api/v1/namespaces/default/pods", Fixture.pod("a", labels: ["app": "web"], node: "n1"))
            _ = await s.call("POST", "/api/v1/namespaces/default/pods", Fixture.pod("b", labels: ["app": "db"]))
            let web = await s.call("GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb")
            #expect(web.body["items"]?.arrayValue?.map(\.name) == ["a"])
            let notWeb = await s.call("GET", "/api/v1/pods?labelSelector=app%20notin%20(web)")
            #expect(notWeb.body["items"]?.arrayValue?.map(\.name) == ["b"])
            let onNode = await s.call("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1")
            #expect(onNode.body["items"]?.arrayValue?.map(\.name) == ["a"])
            let bad = await s.call("GET", "/api/v1/pods?fieldSelector=spec.foo%3Dx")
            #expect(bad.status == 400)
        }
    }

    @Test("limit and continue page through a list in name order")
    func paging() async throws {
        try await TestServer.with { s in
            for i in 0..<5 { _ = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("cm\(i)")) }
            var names: [String] = []
            var token = ""
            repeat {
                let reply = await s.call("GET", "/api/v1/namespaces/default/configmaps?limit=2&continue=\(token)")
                names += reply.body["items"]?.arrayValue?.map(\.name) ?? []
                token = reply.body.at("metadata", "continue")?.stringValue ?? ""
            } while !token.isEmpty
            #expect(names == ["cm0", "cm1", "cm2", "cm3", "cm4"])
        }
    }

    @Test("lists always carry items, even when empty")
    func emptyList() async throws {
        try await TestServer.with { s in
            let reply = await s.call("GET", "/api/v1/namespaces/default/secrets")
            #expect(reply.body["items"] == .array([]))
            #expect(reply.body["kind"]?.stringValue == "SecretList")
        }
    }

    @Test("Table output has column definitions and PartialObjectMetadata rows")
    func table() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/api/v1/namespaces/default/pods", Fixture.pod("t"))
            let reply = await s.call("GET", "/api/v1/namespaces/default/pods?limit=500",
                                     accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
            #expect(reply.header("Content-Type") == "application/json;as=Table;v=v1;g=meta.k8s.io")
            #expect(reply.body["kind"]?.stringValue == "Table")
            #expect(reply.body.at("columnDefinitions", "0", "name")?.stringValue == "Name")
            #expect(reply.body.at("rows", "0", "object", "kind")?.stringValue == "PartialObjectMetadata")
            let refused = await s.call("GET", "/api/v1/namespaces/default/pods", accept: "application/json;as=Table;v=v1beta1;g=meta.k8s.io")
            #expect(refused.status == 406)
        }
    }

    @Test("aggregated discovery is chosen by Accept, legacy otherwise")
    func discovery() async throws {
        try await TestServer.with { s in
            let aggregated = await s.call("GET", "/apis",
                                          accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")
            #expect(aggregated.header("Content-Type") == RequestHandler.aggregatedContentType)
            #expect(aggregated.body["kind"]?.stringValue == "APIGroupDiscoveryList")
            let legacy = await s.call("GET", "/apis/apps/v1")
            let resources = legacy.body["resources"]?.arrayValue ?? []
            let scale = resources.first { $0["name"]?.stringValue == "deployments/scale" }
            #expect(scale?["group"]?.stringValue == "autoscaling")
            #expect(scale?["kind"]?.stringValue == "Scale")
            let core = await s.call("GET", "/api/v1")
            let pods = core.body["resources"]?.arrayValue?.first { $0["name"]?.stringValue == "pods" }
            #expect(pods?["shortNames"] == .array([.string("po")]))
            #expect(pods?["categories"] == .array([.string("all")]))
        }
    }

    @Test("the OpenAPI v3 index links a document whose PATCH operations accept fieldValidation")
    func openAPI() async throws {
        try await TestServer.with { s in
            let index = await s.call("GET", "/openapi/v3")
            let url = try #require(index.body.at("paths", "apis/apps/v1", "serverRelativeURL")?.stringValue)
            let doc = await s.call("GET", url)
            #expect(doc.status == 200)
            let paths = doc.body["paths"]?.objectValue ?? [:]
            let patch = paths.values.compactMap { $0["patch"] }.first {
                $0["x-kubernetes-group-version-kind"]?["kind"]?.stringValue == "Deployment"
            }
            let params = (patch?["parameters"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            #expect(params.contains("fieldValidation"))
        }
    }
}
