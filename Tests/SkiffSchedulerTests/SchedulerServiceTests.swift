import Foundation
import SkiffAPI
import SkiffAPIServer
import SkiffClient
import SkiffStore
import Testing
@testable import SkiffScheduler

/// An in-process API server on a MemoryStore, a client on the in-process transport and the
/// scheduler service running against it; everything is torn down when `body` returns.
func withScheduledCluster(_ body: (Client) async throws -> Void) async throws {
    let store = MemoryStore()
    let admin = UserInfo(username: "admin", groups: ["system:masters", "system:authenticated"])
    let server = APIServer(config: APIServerConfig(store: store, port: 0, insecureUser: admin))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        do {
            _ = try await server.port()
            let transport = InProcessTransport { request in
                let api = APIRequest(method: request.method, uri: request.uri, headers: request.headers, body: request.body, user: admin)
                switch await server.handle(api) {
                case .full(let status, let headers, let body): return ClientResponse(status: status, headers: headers, body: .bytes(body))
                case .stream(let status, let headers, let chunks): return ClientResponse(status: status, headers: headers, body: .streaming(chunks))
                }
            }
            let client = Client(transport: transport, config: .inProcess)
            let scheduler = SchedulerService(client: client)
            group.addTask { try await scheduler.run() }
            try await body(client)
        } catch {
            group.cancelAll()
            await store.close()
            throw error
        }
        group.cancelAll()
    }
    await store.close()
}

/// Polls `probe` until it returns a value or 20 s pass.
func waitFor<T: Sendable>(_ probe: @Sendable () async throws -> T?) async throws -> T? {
    let deadline = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < deadline {
        if let v = try await probe() { return v }
        try await Task.sleep(for: .milliseconds(50))
    }
    return nil
}

@Suite("Scheduler service against an in-process API server", .timeLimit(.minutes(3)))
struct SchedulerServiceTests {
    func makeNode(_ client: Client, _ name: String, cpu: String) async throws {
        var node = NodeBuilder(name, cpu: cpu).build
        node.metadata?.uid = nil
        let created = try await client.create(node)
        var withStatus = created
        withStatus.status = node.status
        _ = try await client.updateStatus(withStatus)
    }

    func makePod(_ client: Client, _ name: String, cpu: String) async throws {
        var pod = PodBuilder(name, namespace: "sched", cpu: cpu).build
        pod.metadata?.uid = nil
        pod.metadata?.creationTimestamp = nil
        pod.status = nil
        _ = try await client.create(pod)
    }

    @Test("pods are bound; a pod that fits nowhere gets FailedScheduling and PodScheduled=False, and is bound once a node fits")
    func endToEnd() async throws {
        try await withScheduledCluster { client in
            _ = try await client.create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: "sched")))
            try await makeNode(client, "small-1", cpu: "1")
            try await makeNode(client, "small-2", cpu: "1")
            try await makePod(client, "fits", cpu: "500m")
            let node = try await waitFor { () async throws -> String? in
                let p = try await client.get(CoreV1.Pod.self, "fits", namespace: "sched")
                return (p.spec?.nodeName ?? "").isEmpty ? nil : p.spec?.nodeName
            }
            #expect(node == "small-1" || node == "small-2")
            let scheduled = try await waitFor { () async throws -> CoreV1.Event? in
                try await client.list(CoreV1.Event.self, namespace: "sched").items.first { $0.reason == "Scheduled" && $0.involvedObject?.name == "fits" }
            }
            #expect(scheduled?.message == "Successfully assigned sched/fits to \(node ?? "")")

            try await makePod(client, "big", cpu: "4")
            let expected = "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
            let failed = try await waitFor { () async throws -> CoreV1.Event? in
                try await client.list(CoreV1.Event.self, namespace: "sched").items.first { $0.reason == "FailedScheduling" && $0.involvedObject?.name == "big" }
            }
            #expect(failed?.message == expected)
            #expect(failed?.type == "Warning")
            let condition = try await waitFor { () async throws -> CoreV1.PodCondition? in
                try await client.get(CoreV1.Pod.self, "big", namespace: "sched").status?.conditions?.first { $0.type == "PodScheduled" }
            }
            #expect(condition?.status == "False")
            #expect(condition?.reason == "Unschedulable")
            #expect(condition?.message == expected)

            try await makeNode(client, "large", cpu: "8")
            let bigNode = try await waitFor { () async throws -> String? in
                let p = try await client.get(CoreV1.Pod.self, "big", namespace: "sched")
                return (p.spec?.nodeName ?? "").isEmpty ? nil : p.spec?.nodeName
            }
            #expect(bigNode == "large")
        }
    }
}
