import Foundation
import SkiffAPI
import SkiffAPIServer
import SkiffClient
import SkiffStore
import Synchronization

/// An in-process API server on a MemoryStore and a client on the in-process transport.
struct TestServer {
    let server: APIServer
    let store: MemoryStore
    let client: Client

    static let admin = UserInfo(username: "admin", groups: ["system:masters", "system:authenticated"])

    static func with(configure: (inout APIServerConfig) -> Void = { _ in }, _ body: (TestServer) async throws -> Void) async throws {
        let store = MemoryStore()
        var config = APIServerConfig(store: store, port: 0, insecureUser: admin)
        configure(&config)
        let server = APIServer(config: config)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            do {
                _ = try await server.port()
                let transport = InProcessTransport { request in
                    let api = APIRequest(method: request.method, uri: request.uri, headers: request.headers, body: request.body, user: nil)
                    switch await server.handle(api) {
                    case .full(let status, let headers, let body):
                        return ClientResponse(status: status, headers: headers, body: .bytes(body))
                    case .stream(let status, let headers, let chunks):
                        return ClientResponse(status: status, headers: headers, body: .streaming(chunks))
                    }
                }
                try await body(TestServer(server: server, store: store, client: Client(transport: transport, config: .inProcess)))
            } catch {
                group.cancelAll()
                await store.close()
                throw error
            }
            group.cancelAll()
        }
        await store.close()
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

final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value { mutex.withLock { $0 } }
    func update(_ body: (inout Value) -> Void) { mutex.withLock { body(&$0) } }
}

/// Fixtures.
enum Fx {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func ts(_ secondsAgo: Double, from now: Date = t0) -> String {
        Date(timeIntervalSince1970: now.timeIntervalSince1970 - secondsAgo).formatted(.iso8601)
    }

    static func replicaSet(_ name: String = "web", replicas: Int32 = 3, labels: [String: String] = ["app": "web"],
                           uid: String = "rs-uid", minReadySeconds: Int32? = nil, generation: Int64 = 1) -> AppsV1.ReplicaSet {
        AppsV1.ReplicaSet(
            metadata: MetaV1.ObjectMeta(generation: generation, name: name, namespace: "default", uid: uid),
            spec: AppsV1.ReplicaSetSpec(
                minReadySeconds: minReadySeconds, replicas: replicas, selector: MetaV1.LabelSelector(matchLabels: labels),
                template: CoreV1.PodTemplateSpec(metadata: MetaV1.ObjectMeta(labels: labels),
                                                 spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx:1.27", name: "web")]))))
    }

    static func ownerRef(_ uid: String = "rs-uid", name: String = "web", kind: String = "ReplicaSet") -> MetaV1.OwnerReference {
        MetaV1.OwnerReference(apiVersion: "apps/v1", blockOwnerDeletion: true, controller: true, kind: kind, name: name, uid: uid)
    }

    /// A pod; `ownerUID` nil for an orphan.
    static func pod(_ name: String, labels: [String: String] = ["app": "web"], ownerUID: String? = "rs-uid",
                    node: String? = nil, phase: String? = "Pending", ready: Bool = false, readySince: Double = 600,
                    restarts: Int32 = 0, age: Double = 600, deleting: Bool = false, cost: Int? = nil, now: Date = t0) -> CoreV1.Pod {
        var meta = MetaV1.ObjectMeta(creationTimestamp: ts(age, from: now), labels: labels, name: name, namespace: "default", uid: "uid-\(name)")
        if let ownerUID { meta.ownerReferences = [ownerRef(ownerUID)] }
        if deleting { meta.deletionTimestamp = ts(0, from: now) }
        if let cost { meta.annotations = ["controller.kubernetes.io/pod-deletion-cost": String(cost)] }
        var status = CoreV1.PodStatus()
        status.phase = phase
        status.conditions = [CoreV1.PodCondition(lastTransitionTime: ts(readySince, from: now), status: ready ? "True" : "False", type: "Ready")]
        status.containerStatuses = [CoreV1.ContainerStatus(name: "web", restartCount: restarts)]
        return CoreV1.Pod(metadata: meta, spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx:1.27", name: "web")], nodeName: node),
                          status: status)
    }
}
