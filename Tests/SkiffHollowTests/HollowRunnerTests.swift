import Foundation
import SkiffAPI
import SkiffAPIServer
import SkiffClient
import SkiffStore
import Testing
@testable import SkiffHollow

/// An in-process API server on a MemoryStore with a SkiffClient on the in-process transport,
/// and a hollow-node runner serving `count` nodes against it.
struct HollowHarness {
    let client: Client
    let runner: HollowNodeRunner

    static func with(count: Int, _ body: (HollowHarness) async throws -> Void) async throws {
        let store = MemoryStore()
        let admin = UserInfo(username: "admin", groups: ["system:masters", "system:authenticated"])
        let server = APIServer(config: APIServerConfig(store: store, port: 0, insecureUser: admin))
        let transport = InProcessTransport { request in
            let api = APIRequest(method: request.method, uri: request.uri, headers: request.headers, body: request.body, user: nil)
            switch await server.handle(api) {
            case .full(let status, let headers, let body): return ClientResponse(status: status, headers: headers, body: .bytes(body))
            case .stream(let status, let headers, let chunks): return ClientResponse(status: status, headers: headers, body: .streaming(chunks))
            }
        }
        let client = Client(transport: transport, config: .inProcess)
        let runner = HollowNodeRunner(client: client, config: HollowNodeConfig(count: count, zones: 2),
                                      options: HollowRunnerOptions(podWorkers: 4, leaseRenewPeriod: 1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            do {
                _ = try await server.port()
                group.addTask { try await runner.run() }
                #expect(try await eventually { runner.isRegistered })
                try await body(HollowHarness(client: client, runner: runner))
            } catch {
                group.cancelAll()
                await store.close()
                throw error
            }
            group.cancelAll()
        }
        await store.close()
    }

    func createBound(_ name: String, node: String = "hollow-0", annotations: [String: String]? = nil,
                     restartPolicy: String? = nil) async throws {
        let pod = CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(annotations: annotations, name: name, namespace: "default"),
            spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx:1.27", name: "web")], restartPolicy: restartPolicy))
        _ = try await client.create(pod)
        let binding = CoreV1.Binding(metadata: MetaV1.ObjectMeta(name: name, namespace: "default"),
                                     target: CoreV1.ObjectReference(kind: "Node", name: node))
        _ = try await client.create(binding, subresource: "binding", of: CoreV1.Pod.self, name: name, namespace: "default")
    }

    func pod(_ name: String) async throws -> CoreV1.Pod? {
        do {
            return try await client.get(CoreV1.Pod.self, name, namespace: "default")
        } catch let error as ClientError where error.isNotFound {
            return nil
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(_ timeout: Duration = .seconds(30), _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

@Suite("Hollow nodes against an in-process API server", .timeLimit(.minutes(2)))
struct HollowRunnerTests {
    @Test("hollow nodes register with their labels, podCIDR, Ready condition and a Lease that is renewed")
    func registers() async throws {
        try await HollowHarness.with(count: 3) { h in
            let nodes = try await h.client.list(CoreV1.Node.self).items
            #expect(Set(nodes.compactMap(\.metadata?.name)) == ["hollow-0", "hollow-1", "hollow-2"])
            let node = try await h.client.get(CoreV1.Node.self, "hollow-1")
            #expect(node.metadata?.labels?["topology.kubernetes.io/zone"] == "zone-1")
            #expect(node.spec?.podCIDR == "10.42.1.0/24")
            #expect(node.status?.conditions?.first { $0.type == "Ready" }?.reason == "KubeletReady")
            #expect(node.status?.allocatable?["pods"] == Quantity(110))
            let lease = try await h.client.get(CoordinationV1.Lease.self, "hollow-1", namespace: "kube-node-lease")
            #expect(lease.spec?.holderIdentity == "hollow-1")
            #expect(lease.metadata?.ownerReferences?.first?.uid == node.metadata?.uid)
            let firstRenewal = lease.spec?.renewTime
            #expect(try await eventually {
                let renewed = try await h.client.get(CoordinationV1.Lease.self, "hollow-1", namespace: "kube-node-lease")
                return renewed.spec?.renewTime != firstRenewal
            })
        }
    }

    @Test("a pod bound to a hollow node becomes Running and Ready with the node's addresses")
    func podRuns() async throws {
        try await HollowHarness.with(count: 2) { h in
            try await h.createBound("web", node: "hollow-1")
            #expect(try await eventually { try await h.pod("web")?.status?.phase == "Running" })
            let status = try #require(try await h.pod("web")?.status)
            #expect(status.conditions?.first { $0.type == "Ready" }?.status == "True")
            #expect(status.conditions?.first { $0.type == "PodScheduled" }?.status == "True")
            #expect(status.podIP == "10.42.1.2")
            #expect(status.hostIP == "172.16.0.2")
            #expect(status.qosClass == "BestEffort")
            let container = try #require(status.containerStatuses?.first)
            #expect(container.ready == true)
            #expect(container.started == true)
            #expect(container.image == "docker.io/library/nginx:1.27")
            #expect(container.state?.running?.startedAt != nil)
        }
    }

    @Test("an exit-after pod with restartPolicy Never ends Failed, or Succeeded on exit code 0")
    func exitAfter() async throws {
        try await HollowHarness.with(count: 1) { h in
            try await h.createBound("fails", annotations: [HollowBehavior.exitAfterAnnotation: "1s", HollowBehavior.exitCodeAnnotation: "3"],
                                    restartPolicy: "Never")
            try await h.createBound("succeeds", annotations: [HollowBehavior.exitAfterAnnotation: "1s"], restartPolicy: "Never")
            #expect(try await eventually { try await h.pod("fails")?.status?.phase == "Failed" })
            #expect(try await h.pod("fails")?.status?.containerStatuses?.first?.state?.terminated?.exitCode == 3)
            #expect(try await eventually { try await h.pod("succeeds")?.status?.phase == "Succeeded" })
        }
    }

    @Test("a gracefully deleted pod is removed by its hollow node after the grace period")
    func gracefulDelete() async throws {
        try await HollowHarness.with(count: 1) { h in
            try await h.createBound("web")
            #expect(try await eventually { try await h.pod("web")?.status?.phase == "Running" })
            try await h.client.delete(CoreV1.Pod.self, "web", namespace: "default", options: DeleteOptions(gracePeriodSeconds: 1))
            #expect(try await h.pod("web")?.metadata?.deletionTimestamp != nil)
            #expect(try await eventually { try await h.pod("web") == nil })
            #expect(try await eventually { h.runner.stats.podDeletes == 1 })
        }
    }
}
