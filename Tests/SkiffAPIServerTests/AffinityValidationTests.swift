import Foundation
import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Pod affinity validation", .timeLimit(.minutes(2)))
struct AffinityValidationTests {
    @Test("a bad node-affinity operator and an empty topologyKey are 422 Invalid with upstream's causes")
    func badAffinity() async throws {
        try await TestServer.with { s in
            var pod = Fixture.pod("bad")
            pod["spec"]?["affinity"] = .object([
                "nodeAffinity": .object(["requiredDuringSchedulingIgnoredDuringExecution": .object(["nodeSelectorTerms": .array([
                    .object(["matchExpressions": .array([.object(["key": .string("zone"), "operator": .string("Near"), "values": .array([.string("a")])])])]),
                ])])]),
                "podAntiAffinity": .object(["requiredDuringSchedulingIgnoredDuringExecution": .array([
                    .object(["labelSelector": .object(["matchLabels": .object(["app": .string("x")])])]),
                ])]),
            ])
            let reply = await s.call("POST", "/api/v1/namespaces/default/pods", pod)
            #expect(reply.status == 422)
            let causes = (reply.body.at("details", "causes")?.arrayValue ?? []).map { "\($0["field"]?.stringValue ?? ""): \($0["message"]?.stringValue ?? "")" }
            #expect(causes.contains("spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: \"Near\": not a valid selector operator"))
            #expect(causes.contains("spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty"))
        }
    }

    @Test("valid affinity is accepted")
    func goodAffinity() async throws {
        try await TestServer.with { s in
            var pod = Fixture.pod("good")
            pod["spec"]?["affinity"] = .object([
                "nodeAffinity": .object(["requiredDuringSchedulingIgnoredDuringExecution": .object(["nodeSelectorTerms": .array([
                    .object(["matchExpressions": .array([.object(["key": .string("cpus"), "operator": .string("Gt"), "values": .array([.string("4")])])])]),
                ])])]),
                "podAntiAffinity": .object(["preferredDuringSchedulingIgnoredDuringExecution": .array([
                    .object(["weight": .int(10), "podAffinityTerm": .object([
                        "labelSelector": .object(["matchLabels": .object(["app": .string("x")])]), "topologyKey": .string("kubernetes.io/hostname"),
                    ])]),
                ])]),
            ])
            #expect(await s.call("POST", "/api/v1/namespaces/default/pods", pod).status == 201)
        }
    }
}
