import Foundation
import SkiffAPI
import SkiffAPIServer
import SkiffClient
import SkiffRuntime
import SkiffRuntimeTesting
import SkiffStore
import Synchronization
import Testing
@testable import SkiffKubelet

/// An image store in memory: `present` images are in the node's store, `pullable` ones come
/// from "the registry" on pull; anything else fails to pull with notFound.
final class TestImages: ImageService {
    private let present = Mutex<[String: ImageRecord]>([:])
    private let pullable: [String: ImageRecord]
    /// Images that pull only with this username.
    let private_ = Mutex<[String: String]>([:])

    init(present: [String] = ["busybox:1.36"], pullable: [String] = ["nginx:1.27", "registry.example:5000/team/app:1"]) {
        self.pullable = Dictionary(uniqueKeysWithValues: pullable.map { ($0, Self.record($0)) })
        let records = Dictionary(uniqueKeysWithValues: present.map { ($0, Self.record($0)) })
        self.present.withLock { $0 = records }
    }

    static func record(_ reference: String) -> ImageRecord {
        let hex = String(repeating: String(abs(reference.hashValue) % 10), count: 64)
        return ImageRecord(id: "sha256:" + hex, repoTags: ["docker.io/library/" + reference], repoDigests: [],
                           size: 1000, config: ImageConfig(cmd: ["sh"]), layerDirectories: [])
    }

    func pullImage(_ reference: String, credentials: RegistryCredentials?) async throws -> ImageRecord {
        guard let record = pullable[reference] else { throw ImageError.notFound(reference) }
        if let user = private_.withLock({ $0[reference] }), credentials?.username != user {
            throw ImageError.unauthorized("pull of \(reference) needs credentials")
        }
        present.withLock { $0[reference] = record }
        return record
    }
    func importImage(from path: String) async throws -> [ImageRecord] { [] }
    func imageStatus(_ reference: String) async throws -> ImageRecord? {
        present.withLock { images in images[reference] ?? images.values.first { $0.id == reference } }
    }
    func listImages() async throws -> [ImageRecord] { present.withLock { Array($0.values) } }
    func removeImage(_ reference: String) async throws { _ = present.withLock { $0.removeValue(forKey: reference) } }
}

/// An in-process API server on a MemoryStore, a FakeRuntime, and a kubelet for node "node-1"
/// with short back-offs and intervals, its root in a temporary directory.
struct KubeletHarness {
    let client: Client
    let runtime: FakeRuntime
    let kubelet: Kubelet
    let root: String

    static let nodeName = "node-1"
    static let machine = MachineInfo(cpuCores: 4, memoryBytes: 8 * 1024 * 1024 * 1024, ephemeralStorageBytes: 100 * 1024 * 1024 * 1024,
                                     kernelVersion: "6.1.0-test", osImage: "Debian GNU/Linux 12 (bookworm)", machineID: "m1",
                                     systemUUID: "u1", bootID: "b1", hostname: "node-1")

    static func config(root: String) -> KubeletConfig {
        KubeletConfig(
            nodeName: nodeName, nodeIP: "192.0.2.10", podCIDR: "10.244.1.0/24", rootDirectory: root,
            reserved: ["cpu": Quantity(milli: 500), "memory": Quantity(1024 * 1024 * 1024, format: .binarySI)],
            leaseRenewInterval: .milliseconds(200), nodeStatusUpdateInterval: .milliseconds(200), relistInterval: .milliseconds(50),
            podWorkers: 4, crashLoopInitialBackoff: .milliseconds(300), crashLoopMaxBackoff: .seconds(2),
            imagePullInitialBackoff: .milliseconds(300), imagePullMaxBackoff: .seconds(2))
    }

    static func with(runtimeState: FakeRuntime.State = FakeRuntime.State(), images: TestImages = TestImages(),
                     startKubelet: Bool = true, _ body: (KubeletHarness) async throws -> Void) async throws {
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
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-kubelet-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let runtime = FakeRuntime(images: images, state: runtimeState)
        let kubelet = Kubelet(config: config(root: root), client: client, runtime: runtime, machine: machine)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            do {
                _ = try await server.port()
                // What the serviceaccount and root-ca-certificate-publisher controllers create in
                // every namespace: pods get the projected kube-api-access volume that needs both.
                _ = try await client.create(CoreV1.ServiceAccount(metadata: MetaV1.ObjectMeta(name: "default", namespace: "default")))
                _ = try await client.create(CoreV1.ConfigMap(data: ["ca.crt": "test CA"],
                                                             metadata: MetaV1.ObjectMeta(name: "kube-root-ca.crt", namespace: "default")))
                if startKubelet {
                    group.addTask { try await kubelet.run() }
                    #expect(try await eventually { kubelet.isRegistered })
                }
                try await body(KubeletHarness(client: client, runtime: runtime, kubelet: kubelet, root: root))
            } catch {
                group.cancelAll()
                await store.close()
                throw error
            }
            group.cancelAll()
        }
        await store.close()
    }

    /// Another kubelet for the same node over the same runtime (an agent restart).
    func makeKubelet() -> Kubelet {
        Kubelet(config: Self.config(root: root), client: client, runtime: runtime, machine: Self.machine)
    }

    /// Creates a pod already bound to the node.
    @discardableResult
    func run(_ name: String, containers: [CoreV1.Container], initContainers: [CoreV1.Container]? = nil,
             restartPolicy: String? = nil, volumes: [CoreV1.Volume]? = nil, grace: Int64? = nil,
             labels: [String: String]? = nil) async throws -> CoreV1.Pod {
        let pod = CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(labels: labels, name: name, namespace: "default"),
            spec: CoreV1.PodSpec(containers: containers, initContainers: initContainers, nodeName: Self.nodeName,
                                 restartPolicy: restartPolicy, terminationGracePeriodSeconds: grace, volumes: volumes))
        return try await client.create(pod)
    }

    func pod(_ name: String) async throws -> CoreV1.Pod? {
        do {
            return try await client.get(CoreV1.Pod.self, name, namespace: "default")
        } catch let error as ClientError where error.isNotFound {
            return nil
        }
    }

    /// Waits until the pod satisfies `condition`; returns it.
    func waitForPod(_ name: String, timeout: Duration = .seconds(20), _ condition: @escaping @Sendable (CoreV1.Pod) -> Bool) async throws -> CoreV1.Pod {
        let deadline = ContinuousClock.now + timeout
        var last: CoreV1.Pod?
        while ContinuousClock.now < deadline {
            last = try await pod(name)
            if let last, condition(last) { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("pod \(name) did not reach the condition; last status: \(String(describing: last?.status))")
        throw CancellationError()
    }

    /// Runtime containers of the pod named `name`.
    func containers(of name: String) async throws -> [ContainerStatus] {
        try await runtime.listContainers(ContainerFilter(labelSelector: ["io.kubernetes.pod.name": name]))
    }

    /// Whether an event about the pod matching `match` shows up (events are written asynchronously).
    func hasEvent(_ name: String, _ match: @escaping @Sendable (CoreV1.Event) -> Bool) async throws -> Bool {
        try await eventually { try await events(of: name).contains(where: match) }
    }

    func events(of name: String) async throws -> [CoreV1.Event] {
        try await client.list(CoreV1.Event.self, namespace: "default").items.filter { $0.involvedObject?.name == name }
    }
}

func container(_ name: String, image: String = "busybox:1.36", command: [String] = ["sleep", "3600"]) -> CoreV1.Container {
    CoreV1.Container(command: command, image: image, name: name)
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(_ timeout: Duration = .seconds(20), _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// A cluster PKI made once for tests that need TLS material.
enum TestTLS {
    static let material: KubeletTLS = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("skiff-kubelet-pki-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        guard let pki = try? ClusterPKI.loadOrCreate(directory: root) else {
            return KubeletTLS(certificatePEM: "", keyPEM: "", clientCAPEM: "")
        }
        return KubeletTLS(certificatePEM: pki.servingCertificatePEM, keyPEM: pki.servingKeyPEM, clientCAPEM: pki.caCertificatePEM)
    }()
}
