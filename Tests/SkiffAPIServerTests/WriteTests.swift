import Foundation
import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Patches and subresources", .timeLimit(.minutes(5)))
struct WriteTests {
    @Test("JSON patch, merge patch and strategic merge patch all apply")
    func patchTypes() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/apis/apps/v1/namespaces/default/deployments", Fixture.deployment("p"))
            let path = "/apis/apps/v1/namespaces/default/deployments/p"
            let json = await s.call("PATCH", path, .array([.object(["op": .string("replace"), "path": .string("/spec/replicas"), "value": .int(2)])]),
                                    contentType: "application/json-patch+json")
            #expect(json.body.at("spec", "replicas")?.intValue == 2)
            let smp = await s.call("PATCH", path, .object(["spec": .object(["template": .object(["spec": .object([
                "containers": .array([.object(["name": .string("web"), "image": .string("nginx:1.28")])])])])])]),
                contentType: "application/strategic-merge-patch+json")
            #expect(smp.body.at("spec", "template", "spec", "containers", "0", "image")?.stringValue == "nginx:1.28")
            #expect(smp.body.at("spec", "template", "spec", "containers")?.arrayValue?.count == 1)
            let apply = await s.call("PATCH", path, .object([:]), contentType: "application/apply-patch+yaml")
            #expect(apply.status == 415)
        }
    }

    @Test("the status subresource changes status only; the main resource ignores status")
    func statusSubresource() async throws {
        try await TestServer.with { s in
            let created = await s.call("POST", "/apis/apps/v1/namespaces/default/deployments", Fixture.deployment("st")).body
            var withStatus = created
            withStatus["status"] = .object(["replicas": .int(5)])
            withStatus["spec"]?["replicas"] = .int(9)
            let status = await s.call("PUT", "/apis/apps/v1/namespaces/default/deployments/st/status", withStatus)
            #expect(status.body.at("status", "replicas")?.intValue == 5)
            #expect(status.body.at("spec", "replicas")?.intValue == 1)
            let main = await s.call("PATCH", "/apis/apps/v1/namespaces/default/deployments/st",
                                    .object(["status": .object(["replicas": .int(0)])]), contentType: "application/merge-patch+json")
            #expect(main.body.at("status", "replicas")?.intValue == 5)
        }
    }

    @Test("a Deployment status write takes annotations (the revision the controller records) but not labels")
    func deploymentStatusAnnotations() async throws {
        try await TestServer.with { s in
            var object = await s.call("POST", "/apis/apps/v1/namespaces/default/deployments", Fixture.deployment("rev")).body
            object["metadata"]?["annotations"] = .object(["deployment.kubernetes.io/revision": .string("1")])
            object["metadata"]?["labels"] = .object(["changed": .string("yes")])
            object["status"] = .object(["replicas": .int(1)])
            let status = await s.call("PUT", "/apis/apps/v1/namespaces/default/deployments/rev/status", object)
            #expect(status.body.at("metadata", "annotations", "deployment.kubernetes.io/revision")?.stringValue == "1")
            #expect(status.body.at("metadata", "labels", "changed") == nil)
            #expect(status.body.at("status", "replicas")?.intValue == 1)
        }
    }

    @Test("the scale subresource reads and writes replicas as autoscaling/v1 Scale")
    func scale() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/apis/apps/v1/namespaces/default/deployments", Fixture.deployment("sc"))
            let scale = await s.call("GET", "/apis/apps/v1/namespaces/default/deployments/sc/scale")
            #expect(scale.body["kind"]?.stringValue == "Scale")
            #expect(scale.body.at("status", "selector")?.stringValue == "app=sc")
            let patched = await s.call("PATCH", "/apis/apps/v1/namespaces/default/deployments/sc/scale",
                                       .object(["spec": .object(["replicas": .int(4)])]), contentType: "application/merge-patch+json")
            #expect(patched.body.at("spec", "replicas")?.intValue == 4)
            #expect(await s.call("GET", "/apis/apps/v1/namespaces/default/deployments/sc").body.at("spec", "replicas")?.intValue == 4)
        }
    }

    @Test("pods/binding sets the node once; a second binding conflicts")
    func binding() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/api/v1/namespaces/default/pods", Fixture.pod("b"))
            let binding = JSONValue.object(["apiVersion": .string("v1"), "kind": .string("Binding"),
                                            "metadata": .object(["name": .string("b")]),
                                            "target": .object(["kind": .string("Node"), "name": .string("n1")])])
            #expect(await s.call("POST", "/api/v1/namespaces/default/pods/b/binding", binding).status == 201)
            #expect(await s.call("GET", "/api/v1/namespaces/default/pods/b").body.at("spec", "nodeName")?.stringValue == "n1")
            #expect(await s.call("POST", "/api/v1/namespaces/default/pods/b/binding", binding).status == 409)
        }
    }

    @Test("kubectl's protobuf SelfSubjectReview is decoded and answered with the user")
    func selfSubjectReviewProtobuf() async throws {
        try await TestServer.with { s in
            // k8s\0 + Unknown{typeMeta{apiVersion, kind}, raw{}}
            func field(_ n: UInt8, _ bytes: [UInt8]) -> [UInt8] { [n << 3 | 2, UInt8(bytes.count)] + bytes }
            let typeMeta = field(1, Array("authentication.k8s.io/v1".utf8)) + field(2, Array("SelfSubjectReview".utf8))
            let body: [UInt8] = [0x6b, 0x38, 0x73, 0x00] + field(1, typeMeta) + field(2, [])
            let reply = await s.call("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                     contentType: "application/vnd.kubernetes.protobuf", rawBody: body)
            #expect(reply.status == 201)
            #expect(reply.body.at("status", "userInfo", "username")?.stringValue == "admin")
        }
    }

    @Test("an explicit zero in a protobuf body (Deployment replicas: 0) is kept, not defaulted to 1")
    func protobufExplicitZero() async throws {
        try await TestServer.with { s in
            func field(_ n: UInt8, _ bytes: [UInt8]) -> [UInt8] { [n << 3 | 2, UInt8(bytes.count)] + bytes }
            func string(_ n: UInt8, _ text: String) -> [UInt8] { field(n, Array(text.utf8)) }
            let labels = field(11, string(1, "app") + string(2, "z"))           // ObjectMeta.labels entry
            let selector = field(1, string(1, "app") + string(2, "z"))          // LabelSelector.matchLabels entry
            let podSpec = field(2, string(1, "c") + string(2, "busybox:1.36"))  // PodSpec.containers
            let spec: [UInt8] = [1 << 3, 0]                                     // DeploymentSpec.replicas = 0
                + field(2, selector) + field(3, field(1, labels) + field(2, podSpec))
            let deployment = field(1, string(1, "zero")) + field(2, spec)
            let typeMeta = string(1, "apps/v1") + string(2, "Deployment")
            let body: [UInt8] = [0x6b, 0x38, 0x73, 0x00] + field(1, typeMeta) + field(2, deployment)
            let reply = await s.call("POST", "/apis/apps/v1/namespaces/default/deployments",
                                     contentType: "application/vnd.kubernetes.protobuf", rawBody: body)
            #expect(reply.status == 201)
            #expect(reply.body.at("spec", "replicas")?.intValue == 0)
            // A field left out is still defaulted.
            #expect(reply.body.at("spec", "revisionHistoryLimit")?.intValue == 10)
        }
    }

    @Test("deleting a namespace removes its objects and then the namespace")
    func namespaceDeletion() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/api/v1/namespaces", .object(["metadata": .object(["name": .string("tmp")])]))
            _ = await s.call("POST", "/api/v1/namespaces/tmp/configmaps", Fixture.configMap("x"))
            #expect(await s.call("DELETE", "/api/v1/namespaces/tmp").status == 200)
            #expect(await s.call("GET", "/api/v1/namespaces/tmp").status == 404)
            #expect(await s.call("GET", "/api/v1/namespaces/tmp/configmaps/x").status == 404)
        }
    }
}
