import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Service IP and NodePort allocation", .timeLimit(.minutes(5)))
struct ServiceAllocationTests {
    @Test("ClusterIPs are unique and from the service CIDR")
    func uniqueClusterIPs() async throws {
        try await TestServer.with { s in
            var ips = Set<String>()
            for i in 0..<5 {
                let reply = await s.call("POST", "/api/v1/namespaces/default/services", Fixture.service("s\(i)"))
                let ip = try #require(reply.body.at("spec", "clusterIP")?.stringValue)
                #expect(ip.hasPrefix("10.43."))
                #expect(ip != "10.43.0.1")
                ips.insert(ip)
            }
            #expect(ips.count == 5)
        }
    }

    @Test("a requested ClusterIP already in use is refused with 422")
    func duplicateClusterIP() async throws {
        try await TestServer.with { s in
            let reply = await s.call("POST", "/api/v1/namespaces/default/services", Fixture.service("dup", clusterIP: "10.43.0.1"))
            #expect(reply.status == 422)
        }
    }

    @Test("NodePort services get distinct ports in 30000-32767, kept across updates")
    func nodePorts() async throws {
        try await TestServer.with { s in
            let a = await s.call("POST", "/api/v1/namespaces/default/services", Fixture.service("a", type: "NodePort"))
            let b = await s.call("POST", "/api/v1/namespaces/default/services", Fixture.service("b", type: "NodePort"))
            let pa = try #require(a.body.at("spec", "ports", "0", "nodePort")?.intValue)
            let pb = try #require(b.body.at("spec", "ports", "0", "nodePort")?.intValue)
            #expect(pa != pb)
            #expect((30000...32767).contains(pa))
            let patched = await s.call("PATCH", "/api/v1/namespaces/default/services/a",
                                       .object(["metadata": .object(["labels": .object(["x": .string("1")])])]),
                                       contentType: "application/merge-patch+json")
            #expect(patched.body.at("spec", "ports", "0", "nodePort")?.intValue == pa)
        }
    }

    @Test("deleting a Service frees its ClusterIP for reuse")
    func release() async throws {
        try await TestServer.with { s in
            let a = await s.call("POST", "/api/v1/namespaces/default/services", Fixture.service("r", clusterIP: "10.43.9.9"))
            #expect(a.status == 201)
            _ = await s.call("DELETE", "/api/v1/namespaces/default/services/r")
            let b = await s.call("POST", "/api/v1/namespaces/default/services", Fixture.service("r2", clusterIP: "10.43.9.9"))
            #expect(b.status == 201)
        }
    }
}
