import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Namespace finalize and advertised pod subresources", .timeLimit(.minutes(2)))
struct SubresourceRoutingTests {
    private func namespace(_ name: String, finalizers: [String]) -> JSONValue {
        .object(["apiVersion": .string("v1"), "kind": .string("Namespace"), "metadata": .object(["name": .string(name)]),
                 "spec": .object(["finalizers": .array(finalizers.map { .string($0) })])])
    }

    @Test("PUT namespaces/x/finalize changes spec.finalizers; a plain update does not")
    func finalizeChangesSpecFinalizers() async throws {
        try await TestServer.with { s in
            _ = await s.call("POST", "/api/v1/namespaces", namespace("fin", finalizers: []))
            let plain = await s.call("PUT", "/api/v1/namespaces/fin", namespace("fin", finalizers: ["example.com/a"]))
            #expect(plain.status == 200)
            #expect(plain.body.at("spec", "finalizers") == .array([.string("kubernetes")]))
            let finalized = await s.call("PUT", "/api/v1/namespaces/fin/finalize",
                                         namespace("fin", finalizers: ["kubernetes", "example.com/a"]))
            #expect(finalized.status == 200)
            #expect(finalized.body.at("spec", "finalizers") == .array([.string("kubernetes"), .string("example.com/a")]))
            let read = await s.call("GET", "/api/v1/namespaces/fin")
            #expect(read.body.at("spec", "finalizers") == .array([.string("kubernetes"), .string("example.com/a")]))
            let cleared = await s.call("PUT", "/api/v1/namespaces/fin/finalize", namespace("fin", finalizers: []))
            // finalizers is omitempty in Go's NamespaceSpec: an empty list is left out, as kube-apiserver does.
            #expect(cleared.status == 200)
            #expect((cleared.body.at("spec", "finalizers")?.arrayValue ?? []).isEmpty)
        }
    }

    @Test("every pod subresource in discovery is served (none answers 405 to an advertised verb)")
    func advertisedPodSubresourcesAreServed() async throws {
        try await TestServer.with { s in
            let resources = await s.call("GET", "/api/v1").body["resources"]?.arrayValue ?? []
            let names = Set(resources.compactMap { $0["name"]?.stringValue })
            #expect(names.contains("pods/status"))
            #expect(!names.contains("pods/ephemeralcontainers"))
            #expect(!names.contains("pods/resize"))
            _ = await s.call("POST", "/api/v1/namespaces/default/pods", Fixture.pod("p"))
            for sub in ["ephemeralcontainers", "resize"] {
                let reply = await s.call("PUT", "/api/v1/namespaces/default/pods/p/\(sub)", Fixture.pod("p"))
                #expect(reply.status == 404, "pods/\(sub): \(reply.status)")
            }
        }
    }
}
