import Foundation
import Testing
@testable import SkiffAPI

@Suite("Generated code", .timeLimit(.minutes(5)))
struct GeneratorFreshnessTests {
    @Test("the committed generated files match the generator's output")
    func generatedFilesAreFresh() throws {
        let root = repositoryRoot()
        let schema = root.appendingPathComponent("../shared/k8s-schema/definitions-1.37.json").standardizedFileURL
        // CI has ../shared: a missing schema is a failure, never a silent pass.
        #expect(FileManager.default.fileExists(atPath: schema.path), "Kubernetes schema missing at \(schema.path)")
        let (status, message) = try runFreshnessCheck(schema: schema.path)
        #expect(status == 0, "\(message)")
    }

    @Test("the freshness check fails, not passes, when the schema is absent")
    func missingSchemaFails() throws {
        let absent = FileManager.default.temporaryDirectory
            .appendingPathComponent("skiff-no-schema-\(UUID().uuidString)/definitions-1.37.json").path
        let (status, message) = try runFreshnessCheck(schema: absent)
        #expect(status != 0)
        #expect(message.contains("schema not found"), "\(message)")
    }

    /// Runs `scripts/generate-api-types.py --check`; returns its exit status and standard error.
    private func runFreshnessCheck(schema: String) throws -> (Int32, String) {
        let root = repositoryRoot()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/generate-api-types.py").path,
                             "--check", "--schema", schema]
        process.currentDirectoryURL = root
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, message)
    }

    @Test("the catalog knows the served kinds with their group/version/kind")
    func catalogKnowsKinds() {
        let catalog = SchemaCatalog.shared
        #expect(catalog.definition(for: podKind)?.name == "io.k8s.api.core.v1.Pod")
        #expect(catalog.definition(for: deploymentKind)?.name == "io.k8s.api.apps.v1.Deployment")
        #expect(catalog.hasSchema(for: GroupVersionKind(group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler")))
        #expect(catalog.hasSchema(for: GroupVersionKind(group: "authentication.k8s.io", version: "v1", kind: "SelfSubjectReview")))
        #expect(catalog.definition(for: GroupVersionKind(group: "", version: "v1", kind: "DeleteOptions"))?.name
            == "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions")
        #expect(!catalog.hasSchema(for: GroupVersionKind(group: "example.com", version: "v1", kind: "Widget")))
    }

    @Test("catalog properties carry descriptions, types and patch extensions")
    func catalogProperties() throws {
        let spec = try #require(SchemaCatalog.shared.definition(named: "io.k8s.api.core.v1.PodSpec"))
        let containers = try #require(spec.property(named: "containers"))
        #expect(containers.type == .array(.reference("io.k8s.api.core.v1.Container")))
        #expect(containers.patchStrategies == ["merge"])
        #expect(containers.patchMergeKey == "name")
        #expect(containers.listType == "map")
        #expect(containers.listMapKeys == ["name"])
        #expect(containers.description.hasPrefix("List of containers belonging to the pod."))
        #expect(spec.required == ["containers"])
        let volumes = try #require(spec.property(named: "volumes"))
        #expect(volumes.patchStrategies == ["merge", "retainKeys"])
        let meta = try #require(SchemaCatalog.shared.definition(named: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"))
        #expect(meta.property(named: "labels")?.type == .map(.string(format: nil)))
        #expect(meta.property(named: "creationTimestamp")?.type == .reference("io.k8s.apimachinery.pkg.apis.meta.v1.Time"))
        let selector = try #require(SchemaCatalog.shared.definition(named: "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"))
        #expect(selector.mapType == "atomic")
        #expect(SchemaCatalog.shared.definition(named: "io.k8s.apimachinery.pkg.api.resource.Quantity")?.kind == .quantity)
    }

    @Test("generated types decode and re-encode a Deployment")
    func generatedTypesRoundTrip() throws {
        let text = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
          "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
          "template":{"metadata":{"labels":{"app":"web"}},
           "spec":{"containers":[{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":80}],
                   "resources":{"limits":{"cpu":"500m","memory":"128Mi"}}}]}}}}
        """
        let d = try JSONDecoder().decode(AppsV1.Deployment.self, from: Data(text.utf8))
        #expect(d.spec?.replicas == 3)
        #expect(d.spec?.strategy?.rollingUpdate?.maxSurge == .string("25%"))
        #expect(d.spec?.strategy?.rollingUpdate?.maxUnavailable == .int(1))
        let container = try #require(d.spec?.template?.spec?.containers?.first)
        #expect(container.resources?.limits?["cpu"] == (try Quantity(parsing: "0.5")))
        #expect(AppsV1.Deployment.groupVersionKind == deploymentKind)
        let again = try JSONDecoder().decode(AppsV1.Deployment.self, from: JSONEncoder().encode(d))
        #expect(again == d)
    }
}
