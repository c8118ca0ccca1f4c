import Foundation
import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Priority admission", .timeLimit(.minutes(2)))
struct PriorityAdmissionTests {
    static func priorityClass(_ name: String, value: Int64, globalDefault: Bool = false, preemptionPolicy: String? = nil) -> JSONValue {
        var object: [String: JSONValue] = ["apiVersion": .string("scheduling.k8s.io/v1"), "kind": .string("PriorityClass"),
                                           "metadata": .object(["name": .string(name)]), "value": .int(value)]
        if globalDefault { object["globalDefault"] = .bool(true) }
        if let preemptionPolicy { object["preemptionPolicy"] = .string(preemptionPolicy) }
        return .object(object)
    }

    static func pod(_ name: String, priorityClassName: String? = nil, priority: Int64? = nil) -> JSONValue {
        var pod = Fixture.pod(name)
        if let priorityClassName { pod["spec"]?["priorityClassName"] = .string(priorityClassName) }
        if let priority { pod["spec"]?["priority"] = .int(priority) }
        return pod
    }

    static let pcs = "/apis/scheduling.k8s.io/v1/priorityclasses"
    static let pods = "/api/v1/namespaces/default/pods"

    @Test("priorityClassName sets priority and preemptionPolicy from the class")
    func resolvesClass() async throws {
        try await TestServer.with { s in
            #expect(await s.call("POST", Self.pcs, Self.priorityClass("high", value: 1000, preemptionPolicy: "Never")).status == 201)
            let created = await s.call("POST", Self.pods, Self.pod("p", priorityClassName: "high"))
            #expect(created.status == 201)
            #expect(created.body.at("spec", "priority")?.intValue == 1000)
            #expect(created.body.at("spec", "preemptionPolicy")?.stringValue == "Never")
        }
    }

    @Test("the built-in system classes exist, resolve, and cannot be deleted")
    func systemClasses() async throws {
        try await TestServer.with { s in
            let node = await s.call("GET", Self.pcs + "/system-node-critical")
            #expect(node.body["value"]?.intValue == 2_000_001_000)
            #expect(await s.call("GET", Self.pcs + "/system-cluster-critical").body["value"]?.intValue == 2_000_000_000)
            let created = await s.call("POST", Self.pods, Self.pod("critical", priorityClassName: "system-cluster-critical"))
            #expect(created.body.at("spec", "priority")?.intValue == 2_000_000_000)
            #expect(created.body.at("spec", "preemptionPolicy")?.stringValue == "PreemptLowerPriority")
            let deleted = await s.call("DELETE", Self.pcs + "/system-node-critical")
            #expect(deleted.status == 403)
            #expect(deleted.body["message"]?.stringValue == "priorityclasses.scheduling.k8s.io \"system-node-critical\" is forbidden: this is a system priority class and cannot be deleted")
        }
    }

    @Test("an unknown class is forbidden with upstream's message")
    func unknownClass() async throws {
        try await TestServer.with { s in
            let reply = await s.call("POST", Self.pods, Self.pod("p", priorityClassName: "nope"))
            #expect(reply.status == 403)
            #expect(reply.reason == "Forbidden")
            #expect(reply.body["message"]?.stringValue == "pods \"p\" is forbidden: no PriorityClass with name nope was found")
            #expect(await s.call("GET", Self.pods + "/p").status == 404)
        }
    }

    @Test("a priority that differs from the class is forbidden; the same value is accepted")
    func explicitPriority() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", Self.pcs, Self.priorityClass("mid", value: 500))
            let wrong = await s.call("POST", Self.pods, Self.pod("a", priorityClassName: "mid", priority: 7))
            #expect(wrong.status == 403)
            #expect(wrong.body["message"]?.stringValue == "pods \"a\" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 500 from the given PriorityClass name")
            #expect(await s.call("POST", Self.pods, Self.pod("b", priorityClassName: "mid", priority: 500)).status == 201)
            let noClass = await s.call("POST", Self.pods, Self.pod("c", priority: 3))
            #expect(noClass.status == 403)
        }
    }

    @Test("a pod without a class gets the global default class, else priority 0")
    func globalDefault() async throws {
        try await TestServer.with { s in
            let plain = await s.call("POST", Self.pods, Self.pod("before"))
            #expect(plain.body.at("spec", "priority")?.intValue == 0)
            #expect(plain.body.at("spec", "preemptionPolicy")?.stringValue == "PreemptLowerPriority")
            #expect(plain.body.at("spec", "priorityClassName") == nil)
            #expect(await s.call("POST", Self.pcs, Self.priorityClass("everyone", value: 42, globalDefault: true)).status == 201)
            let after = await s.call("POST", Self.pods, Self.pod("after"))
            #expect(after.body.at("spec", "priority")?.intValue == 42)
            #expect(after.body.at("spec", "priorityClassName")?.stringValue == "everyone")
        }
    }

    @Test("only one class may be the global default")
    func oneDefault() async throws {
        try await TestServer.with { s in
            #expect(await s.call("POST", Self.pcs, Self.priorityClass("first", value: 1, globalDefault: true)).status == 201)
            let second = await s.call("POST", Self.pcs, Self.priorityClass("second", value: 2, globalDefault: true))
            #expect(second.status == 403)
            #expect(second.body["message"]?.stringValue == "priorityclasses.scheduling.k8s.io \"second\" is forbidden: PriorityClass first is already marked as default. Only one default can exist")
            // The default itself may be updated.
            var first = await s.call("GET", Self.pcs + "/first").body
            first["description"] = .string("changed")
            #expect(await s.call("PUT", Self.pcs + "/first", first).status == 200)
        }
    }

    @Test("system- names are reserved, user values are capped, value is immutable")
    func validation() async throws {
        try await TestServer.with { s in
            let reserved = await s.call("POST", Self.pcs, Self.priorityClass("system-mine", value: 1))
            #expect(reserved.status == 422)
            #expect(reserved.body["message"]?.stringValue == "PriorityClass \"system-mine\" is invalid: metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class")
            let big = await s.call("POST", Self.pcs, Self.priorityClass("big", value: 1_000_000_001))
            #expect(big.status == 422)
            #expect(big.body["message"]?.stringValue == "PriorityClass \"big\" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000")
            _ = await s.call("POST", Self.pcs, Self.priorityClass("fixed", value: 5))
            var fixed = await s.call("GET", Self.pcs + "/fixed").body
            fixed["value"] = .int(6)
            let update = await s.call("PUT", Self.pcs + "/fixed", fixed)
            #expect(update.status == 422)
            #expect(update.body["message"]?.stringValue == "PriorityClass \"fixed\" is invalid: value: Forbidden: may not be changed in an update.")
        }
    }
}
