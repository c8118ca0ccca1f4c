import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Object semantics", .timeLimit(.minutes(5)))
struct ObjectLifecycleTests {
    @Test("create sets uid, creationTimestamp, generation and resourceVersion; get returns the same object")
    func createThenGet() async throws {
        try await TestServer.with { s in
            let created = await s.call("POST", "/apis/apps/v1/namespaces/default/deployments", Fixture.deployment("web"))
            #expect(created.status == 201)
            #expect(created.body.at("metadata", "uid")?.stringValue?.count == 36)
            #expect(created.body.at("metadata", "generation")?.intValue == 1)
            #expect(created.body.at("metadata", "creationTimestamp")?.stringValue?.hasSuffix("Z") == true)
            let rv = try #require(created.body.at("metadata", "resourceVersion")?.stringValue)
            let got = await s.call("GET", "/apis/apps/v1/namespaces/default/deployments/web")
            #expect(got.status == 200)
            #expect(got.body.at("metadata", "resourceVersion")?.stringValue == rv)
            #expect(got.body.at("spec", "strategy", "type")?.stringValue == "RollingUpdate")
        }
    }

    @Test("creating an existing name answers 409 AlreadyExists")
    func alreadyExists() async throws {
        try await TestServer.with { s in
            #expect(await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("a")).status == 201)
            let again = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("a"))
            #expect(again.status == 409)
            #expect(again.reason == "AlreadyExists")
            #expect(again.body["message"]?.stringValue == "configmaps \"a\" already exists")
        }
    }

    @Test("update with a stale resourceVersion answers 409 Conflict")
    func staleUpdate() async throws {
        try await TestServer.with { s in
            let created = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("c")).body
            var first = created
            first["data"] = .object(["k": .string("v2")])
            #expect(await s.call("PUT", "/api/v1/namespaces/default/configmaps/c", first).status == 200)
            var stale = created
            stale["data"] = .object(["k": .string("v3")])
            let reply = await s.call("PUT", "/api/v1/namespaces/default/configmaps/c", stale)
            #expect(reply.status == 409)
            #expect(reply.reason == "Conflict")
        }
    }

    @Test("generation moves on spec changes only")
    func generation() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/apis/apps/v1/namespaces/default/deployments", Fixture.deployment("g"))
            let labelled = await s.call("PATCH", "/apis/apps/v1/namespaces/default/deployments/g",
                                        .object(["metadata": .object(["labels": .object(["x": .string("y")])])]),
                                        contentType: "application/merge-patch+json")
            #expect(labelled.body.at("metadata", "generation")?.intValue == 1)
            let scaled = await s.call("PATCH", "/apis/apps/v1/namespaces/default/deployments/g",
                                      .object(["spec": .object(["replicas": .int(3)])]), contentType: "application/merge-patch+json")
            #expect(scaled.body.at("metadata", "generation")?.intValue == 2)
        }
    }

    @Test("a no-op update keeps the resourceVersion")
    func noopUpdate() async throws {
        try await TestServer.with { s in
            let created = await s.call("POST", "/api/v1/namespaces/default/configmaps", Fixture.configMap("n")).body
            let again = await s.call("PUT", "/api/v1/namespaces/default/configmaps/n", created)
            #expect(again.body.at("metadata", "resourceVersion") == created.at("metadata", "resourceVersion"))
        }
    }

    @Test("creating in a missing namespace answers 404 for the namespace")
    func missingNamespace() async throws {
        try await TestServer.with { s in
            let reply = await s.call("POST", "/api/v1/namespaces/nope/pods", Fixture.pod("p", namespace: "nope"))
            #expect(reply.status == 404)
            #expect(reply.body["message"]?.stringValue == "namespaces \"nope\" not found")
        }
    }

    @Test("generateName gets a random suffix")
    func generateName() async throws {
        try await TestServer.with { s in
            var cm = Fixture.configMap("")
            cm["metadata"] = .object(["generateName": .string("gen-")])
            let reply = await s.call("POST", "/api/v1/namespaces/default/configmaps", cm)
            #expect(reply.status == 201)
            #expect(reply.body.at("metadata", "name")?.stringValue?.count == 9)
        }
    }

    @Test("dryRun=All validates without storing")
    func dryRun() async throws {
        try await TestServer.with { s in
            #expect(await s.call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", Fixture.configMap("d")).status == 201)
            #expect(await s.call("GET", "/api/v1/namespaces/default/configmaps/d").status == 404)
        }
    }

    @Test("an object with finalizers is only marked; it goes when the last finalizer is removed")
    func finalizers() async throws {
        try await TestServer.with { s in
            var cm = Fixture.configMap("f")
            cm["metadata"] = .object(["name": .string("f"), "finalizers": .array([.string("example.com/hold")])])
            _ = await s.call("POST", "/api/v1/namespaces/default/configmaps", cm)
            let deleted = await s.call("DELETE", "/api/v1/namespaces/default/configmaps/f")
            #expect(deleted.status == 200)
            #expect(deleted.body.at("metadata", "deletionTimestamp") != nil)
            #expect(await s.call("GET", "/api/v1/namespaces/default/configmaps/f").status == 200)
            let cleared = await s.call("PATCH", "/api/v1/namespaces/default/configmaps/f",
                                       .object(["metadata": .object(["finalizers": .null])]), contentType: "application/merge-patch+json")
            #expect(cleared.status == 200)
            #expect(await s.call("GET", "/api/v1/namespaces/default/configmaps/f").status == 404)
        }
    }

    @Test("a pod on a node is deleted gracefully; grace 0 removes it")
    func gracefulPodDeletion() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/api/v1/namespaces/default/pods", Fixture.pod("p", node: "n1"))
            let first = await s.call("DELETE", "/api/v1/namespaces/default/pods/p")
            #expect(first.body.at("metadata", "deletionGracePeriodSeconds")?.intValue == 30)
            #expect(await s.call("GET", "/api/v1/namespaces/default/pods/p").status == 200)
            _ = await s.call("DELETE", "/api/v1/namespaces/default/pods/p",
                             .object(["kind": .string("DeleteOptions"), "apiVersion": .string("v1"), "gracePeriodSeconds": .int(0)]))
            #expect(await s.call("GET", "/api/v1/namespaces/default/pods/p").status == 404)
        }
    }

    @Test("invalid objects answer 422 Invalid with causes naming the field")
    func invalid() async throws {
        try await TestServer.with { s in
            var pod = Fixture.pod("Bad_Name")
            pod["spec"] = .object(["containers": .array([.object(["name": .string("c")])])])
            let reply = await s.call("POST", "/api/v1/namespaces/default/pods", pod)
            #expect(reply.status == 422)
            #expect(reply.reason == "Invalid")
            let fields = (reply.body.at("details", "causes")?.arrayValue ?? []).compactMap { $0["field"]?.stringValue }
            #expect(fields.contains("metadata.name"))
            #expect(fields.contains("spec.containers[0].image"))
        }
    }

    @Test("malformed bodies answer 400 with a Status")
    func malformed() async throws {
        try await TestServer.with { s in
            let reply = await s.call("POST", "/api/v1/namespaces/default/configmaps", rawBody: Array("{\"kind\": [".utf8))
            #expect(reply.status == 400)
            #expect(reply.body["kind"]?.stringValue == "Status")
        }
    }

    @Test("YAML bodies are accepted")
    func yamlBody() async throws {
        try await TestServer.with { s in
            let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  port: \"80\"\n"
            let reply = await s.call("POST", "/api/v1/namespaces/default/configmaps", contentType: "application/yaml",
                                     rawBody: Array(yaml.utf8))
            #expect(reply.status == 201)
            #expect(reply.body.at("data", "port")?.stringValue == "80")
        }
    }

    @Test("default namespaces and the kubernetes Service exist at start")
    func bootstrap() async throws {
        try await TestServer.with { s in
            for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
                #expect(await s.call("GET", "/api/v1/namespaces/\(ns)").body.at("status", "phase")?.stringValue == "Active")
            }
            let svc = await s.call("GET", "/api/v1/namespaces/default/services/kubernetes")
            #expect(svc.body.at("spec", "clusterIP")?.stringValue == "10.43.0.1")
        }
    }

    @Test("unauthenticated requests get 401")
    func unauthenticated() async throws {
        try await TestServer.with(insecureUser: nil) { s in
            let reply = await s.call("GET", "/api/v1/namespaces")
            #expect(reply.status == 401)
            #expect(reply.reason == "Unauthorized")
            #expect(await s.call("GET", "/healthz").status == 200)
        }
    }
}
