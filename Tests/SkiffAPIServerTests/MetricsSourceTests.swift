import Foundation
import Synchronization
import SkiffAPI
import Testing
@testable import SkiffAPIServer

@Suite("Metrics of in-process components", .timeLimit(.minutes(2)))
struct MetricsSourceTests {
    @Test("a component's metrics are appended to the server's /metrics on every scrape")
    func appended() async throws {
        try await TestServer.with { s in
            let counter = Counter()
            s.server.addMetricsSource { "component_things_total \(counter.next())\n" }
            let first = String(decoding: await s.call("GET", "/metrics").bytes, as: UTF8.self)
            let second = String(decoding: await s.call("GET", "/metrics").bytes, as: UTF8.self)
            #expect(first.contains("\ncomponent_things_total 1\n"))
            #expect(second.contains("\ncomponent_things_total 2\n"))
            #expect(first.contains("# TYPE apiserver_request_total counter"))
        }
    }

    final class Counter: Sendable {
        private let value = Mutex(0)
        func next() -> Int { value.withLock { $0 += 1; return $0 } }
    }
}
