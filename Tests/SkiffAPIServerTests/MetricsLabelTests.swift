import Foundation
import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Metrics labels", .timeLimit(.minutes(2)))
struct MetricsLabelTests {
    private func series(_ s: TestServer) async -> [Substring] {
        let text = String(decoding: await s.call("GET", "/metrics", user: TestServer.admin).bytes, as: UTF8.self)
        return text.split(separator: "\n").filter { $0.hasPrefix("apiserver_request_total{") }
    }

    @Test("1000 requests to random URLs and methods, anonymous or not, add no per-URL series")
    func randomURLsDoNotGrowMetrics() async throws {
        try await TestServer.with(insecureUser: nil) { s in
            _ = await s.call("GET", "/api/v1/namespaces/default/configmaps", user: TestServer.admin)
            _ = await s.call("GET", "/api/v1/namespaces/default/pods/p/status", user: TestServer.admin)
            let before = await series(s)
            var tokens: [String] = []
            for i in 0..<1000 {
                let token = "r\(UUID().uuidString.prefix(8).lowercased())"
                tokens.append(token)
                let uri = switch i % 4 {
                case 0: "/api/v1/namespaces/default/\(token)"
                case 1: "/apis/\(token)/v1/things/x"
                case 2: "/api/v1/namespaces/default/pods/p/\(token)"
                default: "/\(token)\"}evil{"
                }
                let method = i % 3 == 0 ? "X\(token)" : "GET"
                _ = await s.call(method, uri, user: i % 2 == 0 ? nil : TestServer.admin)
            }
            let after = await series(s)
            #expect(after.count <= before.count + 20, "\(after.count - before.count) new series")
            let text = after.joined(separator: "\n")
            #expect(!tokens.contains { text.contains($0) })
            #expect(!text.contains("evil"))
            #expect(text.contains("resource=\"unauthenticated\""))
            #expect(text.contains("resource=\"configmaps\""))
        }
    }
}
