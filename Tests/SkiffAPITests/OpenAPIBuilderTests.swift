import Testing
@testable import SkiffAPI

@Suite("OpenAPI v3 documents", .timeLimit(.minutes(5)))
struct OpenAPIBuilderTests {
    let deployments = OpenAPIResource(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true,
                                      verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                                      subresources: ["status", "scale"])

    var document: JSONValue { OpenAPIBuilder.document(group: "apps", version: "v1", resources: [deployments]) }

    @Test("the PATCH operation carries the GVK, the action and the fieldValidation and dryRun parameters")
    func patchOperation() throws {
        let patch = try #require(document["paths"]?["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]?["patch"])
        #expect(patch["x-kubernetes-action"] == .string("patch"))
        #expect(patch["x-kubernetes-group-version-kind"] == (try json(#"{"group":"apps","version":"v1","kind":"Deployment"}"#)))
        let names = patch["parameters"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names.contains("fieldValidation"))
        #expect(names.contains("dryRun"))
        let contentTypes = patch["requestBody"]?["content"]?.objectValue?.keys.sorted() ?? []
        #expect(contentTypes == ["application/apply-patch+yaml", "application/json-patch+json",
                                 "application/merge-patch+json", "application/strategic-merge-patch+json"])
    }

    @Test("collection, item, watch and subresource paths have the expected operations")
    func paths() throws {
        let paths = try #require(document["paths"]?.objectValue)
        let collection = try #require(paths["/apis/apps/v1/namespaces/{namespace}/deployments"])
        #expect(collection["get"]?["x-kubernetes-action"] == .string("list"))
        #expect(collection["post"]?["x-kubernetes-action"] == .string("post"))
        #expect(collection["delete"]?["x-kubernetes-action"] == .string("deletecollection"))
        #expect(paths["/apis/apps/v1/deployments"]?["get"] != nil)
        #expect(paths["/apis/apps/v1/watch/namespaces/{namespace}/deployments"]?["get"]?["x-kubernetes-action"] == .string("watchlist"))
        let scale = try #require(paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"])
        #expect(scale["patch"]?["x-kubernetes-group-version-kind"]?["kind"] == .string("Scale"))
        #expect(paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"]?["put"] != nil)
        let post = try #require(collection["post"]?["parameters"]?.arrayValue)
        #expect(post.contains { $0["name"] == .string("fieldValidation") })
    }

    @Test("components hold every referenced definition with descriptions, refs and extensions")
    func components() throws {
        let schemas = try #require(document["components"]?["schemas"]?.objectValue)
        let deployment = try #require(schemas["io.k8s.api.apps.v1.Deployment"])
        #expect(deployment["x-kubernetes-group-version-kind"] == (try json(#"[{"group":"apps","version":"v1","kind":"Deployment"}]"#)))
        #expect(deployment["properties"]?["spec"]?["allOf"] == (try json(##"[{"$ref":"#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}]"##)))
        let containers = try #require(schemas["io.k8s.api.core.v1.PodSpec"]?["properties"]?["containers"])
        #expect(containers["x-kubernetes-patch-merge-key"] == .string("name"))
        #expect(containers["x-kubernetes-patch-strategy"] == .string("merge"))
        #expect(containers["items"]?["$ref"] == .string("#/components/schemas/io.k8s.api.core.v1.Container"))
        #expect(containers["description"]?.stringValue?.isEmpty == false)
        #expect(schemas["io.k8s.api.core.v1.Container"] != nil)
        #expect(schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"] != nil)
        #expect(schemas["io.k8s.api.autoscaling.v1.Scale"] != nil)
        #expect(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Patch"] != nil)
        // Every $ref resolves inside the document.
        var missing: [String] = []
        func walk(_ v: JSONValue) {
            switch v {
            case .object(let o):
                if let r = o["$ref"]?.stringValue, schemas[String(r.dropFirst("#/components/schemas/".count))] == nil { missing.append(r) }
                o.values.forEach(walk)
            case .array(let a): a.forEach(walk)
            default: break
            }
        }
        walk(document)
        #expect(missing.isEmpty)
    }

    @Test("custom resources get their own schema and list entries")
    func customResource() throws {
        let widgets = OpenAPIResource(group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: false,
                                      verbs: ["get", "list", "patch"],
                                      schema: try json(#"{"type":"object","properties":{"spec":{"type":"object"}}}"#))
        let doc = OpenAPIBuilder.document(group: "example.com", version: "v1", resources: [widgets])
        let schema = try #require(doc["components"]?["schemas"]?["com.example.v1.Widget"])
        #expect(schema["x-kubernetes-group-version-kind"]?.arrayValue?.first?["kind"] == .string("Widget"))
        #expect(doc["paths"]?["/apis/example.com/v1/widgets/{name}"]?["patch"] != nil)
        #expect(doc["components"]?["schemas"]?["com.example.v1.WidgetList"] != nil)
    }
}
