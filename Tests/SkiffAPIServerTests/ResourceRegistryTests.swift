import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Resource registry changes at run time", .timeLimit(.minutes(5)))
struct ResourceRegistryTests {
    static let widgets = ResourceInfo(group: "example.com", version: "v1", kind: "Widget", plural: "widgets",
                                      singular: "widget", namespaced: true)

    @Test("an added resource is routed and its group version served; removing it takes both away")
    func addAndRemove() {
        let registry = ResourceRegistry.builtin()
        let before = registry.revision
        registry.add(Self.widgets)
        #expect(registry.resource(group: "example.com", version: "v1", plural: "widgets")?.kind == "Widget")
        #expect(registry.servesGroupVersion(group: "example.com", version: "v1"))
        #expect(registry.revision > before)
        #expect(registry.remove(group: "example.com", version: "v1", plural: "widgets")?.kind == "Widget")
        #expect(registry.resource(group: "example.com", version: "v1", plural: "widgets") == nil)
        #expect(!registry.servesGroupVersion(group: "example.com", version: "v1"))
        #expect(registry.remove(group: "example.com", version: "v1", plural: "widgets") == nil)
    }

    @Test("adding the same resource twice replaces it")
    func replace() {
        let registry = ResourceRegistry.builtin()
        registry.add(Self.widgets)
        var renamed = Self.widgets
        renamed.shortNames = ["wd"]
        registry.add(renamed)
        #expect(registry.resources(group: "example.com", version: "v1").map(\.shortNames) == [["wd"]])
        #expect(registry.groupVersions.filter { $0.group == "example.com" }.map(\.versions) == [["v1"]])
    }

    @Test("lookups stay consistent while resources are added and removed concurrently")
    func concurrentChanges() async {
        let registry = ResourceRegistry.builtin()
        let builtinCount = registry.all.count
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for round in 0..<200 {
                        var resource = Self.widgets
                        resource.plural = "widgets\(worker)x\(round)"
                        registry.add(resource)
                        #expect(registry.resource(group: "example.com", version: "v1", plural: resource.plural) != nil)
                        #expect(registry.resource(group: "", version: "v1", plural: "pods") != nil)
                        registry.remove(group: "example.com", version: "v1", plural: resource.plural)
                    }
                }
            }
        }
        #expect(registry.all.count == builtinCount)
        #expect(!registry.servesGroupVersion(group: "example.com", version: "v1"))
    }
}
