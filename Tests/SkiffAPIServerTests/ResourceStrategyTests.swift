import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Per-kind strategies carried by the registry", .timeLimit(.minutes(2)))
struct ResourceStrategyTests {
    /// A kind with rules of its own, as a custom resource would bring.
    struct StampingStrategy: ResourceStrategy {
        func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {
            object["status"] = .object(["stamped": .bool(true)])
        }
        var allowCreateOnUpdate: Bool { true }
    }

    @Test("built-in entries carry their kind's strategy and plain kinds the default one")
    func builtinStrategies() throws {
        let registry = ResourceRegistry.builtin()
        let pods = try #require(registry.resource(group: "", version: "v1", plural: "pods"))
        let namespaces = try #require(registry.resource(group: "", version: "v1", plural: "namespaces"))
        let configMaps = try #require(registry.resource(group: "", version: "v1", plural: "configmaps"))
        let hpaV1 = try #require(registry.resource(group: "autoscaling", version: "v1", plural: "horizontalpodautoscalers"))
        #expect(pods.strategy is PodStrategy)
        #expect(namespaces.strategy is NamespaceStrategy)
        #expect(configMaps.strategy is DefaultStrategy)
        #expect(hpaV1.strategy is HorizontalPodAutoscalerV1Strategy)
    }

    @Test("an entry added at run time keeps the strategy it brings, and equality ignores strategies")
    func runtimeStrategy() throws {
        let registry = ResourceRegistry.builtin()
        let widgets = ResourceInfo(group: "example.com", version: "v1", kind: "Widget", plural: "widgets",
                                   singular: "widget", namespaced: true, subresources: [.status])
        registry.add(widgets.with(StampingStrategy()))
        let served = try #require(registry.resource(group: "example.com", version: "v1", plural: "widgets"))
        #expect(served.strategy is StampingStrategy)
        #expect(served.strategy.allowCreateOnUpdate)
        #expect(served == widgets)
        var object: JSONValue = .object(["metadata": .object(["name": .string("w")])])
        served.strategy.prepareForCreate(&object, resource: served)
        #expect(object["status"]?["stamped"] == .bool(true))
    }

    @Test("the default status rules: a main write keeps the status, a status write changes only the status")
    func defaultStatusRules() {
        let r = ResourceInfo(group: "example.com", version: "v1", kind: "Widget", plural: "widgets",
                             singular: "widget", namespaced: true, subresources: [.status])
        let old: JSONValue = .object(["spec": .object(["a": .int(1)]), "status": .object(["s": .int(1)])])
        let proposed: JSONValue = .object(["spec": .object(["a": .int(2)]), "status": .object(["s": .int(2)])])
        let main = r.strategy.resetFields(proposed: proposed, old: old, scope: .main, resource: r)
        #expect(main["spec"]?["a"] == .int(2))
        #expect(main["status"]?["s"] == .int(1))
        let status = r.strategy.resetFields(proposed: proposed, old: old, scope: .status, resource: r)
        #expect(status["spec"]?["a"] == .int(1))
        #expect(status["status"]?["s"] == .int(2))
        #expect(r.strategy.shouldDeleteDuringUpdate(.object(["metadata": .object([:])])))
        #expect(!r.strategy.allowCreateOnUpdate)
    }

    @Test("pods are deleted gracefully only once bound to a node and not finished")
    func podGracefulDeletion() throws {
        let options = try RequestHandler.DeleteOptions(APIRequest(method: "DELETE", uri: "/", headers: [:], body: [], user: nil))
        let strategy = PodStrategy()
        let unbound: JSONValue = .object(["spec": .object(["terminationGracePeriodSeconds": .int(5)])])
        #expect(strategy.gracefulDeletionPeriod(unbound, options: options) == nil)
        var bound = unbound
        bound["spec"]?["nodeName"] = .string("node-1")
        #expect(strategy.gracefulDeletionPeriod(bound, options: options) == 5)
        bound["status"] = .object(["phase": .string("Succeeded")])
        #expect(strategy.gracefulDeletionPeriod(bound, options: options) == nil)
        #expect(!strategy.shouldDeleteDuringUpdate(bound))
    }
}

@Suite("Field selectors from strategies", .timeLimit(.minutes(2)))
struct StrategyFieldSelectorTests {
    @Test("each kind's strategy names its selectable fields and their values, absent counts reading as 0")
    func selectableFields() throws {
        let registry = ResourceRegistry.builtin()
        let jobs = try #require(registry.resource(group: "batch", version: "v1", plural: "jobs"))
        let secrets = try #require(registry.resource(group: "", version: "v1", plural: "secrets"))
        let configMaps = try #require(registry.resource(group: "", version: "v1", plural: "configmaps"))
        let job: JSONValue = .object(["metadata": .object(["name": .string("j"), "namespace": .string("d")])])
        #expect(SelectableFields.supported(jobs) == ["metadata.name", "metadata.namespace", "status.successful"])
        #expect(SelectableFields.extract(from: job, resource: jobs)["status.successful"] == "0")
        let secret: JSONValue = .object(["metadata": .object(["name": .string("s")]), "type": .string("Opaque")])
        #expect(SelectableFields.extract(from: secret, resource: secrets)["type"] == "Opaque")
        #expect(SelectableFields.supported(configMaps) == ["metadata.name", "metadata.namespace"])
    }
}
