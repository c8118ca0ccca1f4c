import Foundation
import SkiffAPI
import SkiffAPIServer
import SkiffStore
import Synchronization
@testable import SkiffClient

/// An in-process API server on a MemoryStore and a SkiffClient on the in-process transport
/// (with a fault switch to cut watches and fail requests).
struct ClientTestServer {
    let server: APIServer
    let store: MemoryStore
    let faults: FaultyTransport
    let client: Client

    static let admin = UserInfo(username: "admin", groups: ["system:masters", "system:authenticated"])

    static func with(_ body: (ClientTestServer) async throws -> Void) async throws {
        let store = MemoryStore()
        let server = APIServer(config: APIServerConfig(store: store, port: 0, insecureUser: admin))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            do {
                _ = try await server.port()
                let faults = FaultyTransport(inner: InProcessTransport.serving(server))
                let client = Client(transport: faults, config: .inProcess)
                try await body(ClientTestServer(server: server, store: store, faults: faults, client: client))
            } catch {
                group.cancelAll()
                await store.close()
                throw error
            }
            group.cancelAll()
        }
        await store.close()
    }

    /// A second client on the same server with its own fault switch.
    func makeClient() -> (Client, FaultyTransport) {
        let faults = FaultyTransport(inner: InProcessTransport.serving(server))
        return (Client(transport: faults, config: .inProcess), faults)
    }
}

extension InProcessTransport {
    /// The adapter `skiff server` uses too: APIServer.handle behind the in-process transport.
    static func serving(_ server: APIServer, user: UserInfo? = nil) -> InProcessTransport {
        InProcessTransport { request in
            let api = APIRequest(method: request.method, uri: request.uri, headers: request.headers, body: request.body, user: user)
            switch await server.handle(api) {
            case .full(let status, let headers, let body):
                return ClientResponse(status: status, headers: headers, body: .bytes(body))
            case .stream(let status, let headers, let chunks):
                return ClientResponse(status: status, headers: headers, body: .streaming(chunks))
            }
        }
    }
}

/// Wraps a transport: `cutWatches()` ends every open watch as a dropped connection would;
/// `failing` makes every request fail to connect; `holdWatches` refuses new watches.
final class FaultyTransport: Transport {
    struct State {
        var failing = false
        var holdWatches = false
        var nextID = 0
        var open: [Int: (AsyncThrowingStream<[UInt8], any Error>.Continuation, Task<Void, Never>)] = [:]
        var watchesOpened = 0
    }
    let inner: any Transport
    let state = Mutex(State())

    init(inner: any Transport) { self.inner = inner }

    struct Refused: Error {}

    var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    var holdWatches: Bool {
        get { state.withLock { $0.holdWatches } }
        set { state.withLock { $0.holdWatches = newValue } }
    }

    var watchesOpened: Int { state.withLock { $0.watchesOpened } }

    func cutWatches() {
        let open = state.withLock { s in
            defer { s.open = [:] }
            return Array(s.open.values)
        }
        for (c, t) in open {
            t.cancel()
            c.finish(throwing: Refused())
        }
    }

    func send(_ request: ClientRequest) async throws -> ClientResponse {
        let (failing, hold) = state.withLock { ($0.failing, $0.holdWatches) }
        if failing || (hold && request.streaming) { throw Refused() }
        let response = try await inner.send(request)
        guard case .stream(let chunks) = response.body else { return response }
        let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let id = state.withLock { s -> Int in
            s.nextID += 1
            s.watchesOpened += 1
            return s.nextID
        }
        let pump = Task {
            do {
                for try await chunk in chunks { continuation.yield(chunk) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
            _ = self.state.withLock { $0.open.removeValue(forKey: id) }
        }
        state.withLock { $0.open[id] = (continuation, pump) }
        continuation.onTermination = { _ in pump.cancel() }
        return ClientResponse(status: response.status, headers: response.headers, body: .stream(stream))
    }
}

/// Polls `condition` until it holds or `timeout` passes (tests wait for conditions, not times).
func eventually(_ timeout: Duration = .seconds(20), _ condition: @Sendable () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// Records what an informer delivers.
final class EventLog<T: APIObject>: Sendable {
    enum Entry: Equatable, Sendable {
        case added(String), updated(String), deleted(String, tombstone: Bool), resync(String)
    }
    private let entries = Mutex<[Entry]>([])

    var all: [Entry] { entries.withLock { $0 } }
    func clear() { entries.withLock { $0 = [] } }

    func handler(_ event: InformerEvent<T>) {
        let entry: Entry
        switch event {
        case .added(let o): entry = .added(ObjectKey.of(o).description)
        case .updated(let old, let new):
            entry = old.metadata?.resourceVersion == new.metadata?.resourceVersion
                ? .resync(ObjectKey.of(new).description) : .updated(ObjectKey.of(new).description)
        case .deleted(let o, let t): entry = .deleted(ObjectKey.of(o).description, tombstone: t)
        }
        entries.withLock { $0.append(entry) }
    }
}

enum Make {
    static func pod(_ name: String, namespace: String = "default", labels: [String: String] = [:], node: String? = nil,
                    owner: String? = nil) -> CoreV1.Pod {
        var meta = MetaV1.ObjectMeta(labels: labels, name: name, namespace: namespace)
        if let owner {
            meta.ownerReferences = [MetaV1.OwnerReference(apiVersion: "apps/v1", controller: true, kind: "ReplicaSet", name: "rs", uid: owner)]
        }
        return CoreV1.Pod(metadata: meta, spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "busybox:1.36", name: "c")], nodeName: node))
    }

    static func configMap(_ name: String, namespace: String = "default", data: [String: String] = ["k": "v"]) -> CoreV1.ConfigMap {
        CoreV1.ConfigMap(data: data, metadata: MetaV1.ObjectMeta(name: name, namespace: namespace))
    }
}

/// A value shared between test tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value { mutex.withLock { $0 } }
    @discardableResult
    func update<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    func set(_ value: Value) { mutex.withLock { $0 = value } }
}
