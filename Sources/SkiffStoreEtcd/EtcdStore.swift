import GRPCCore
import GRPCNIOTransportHTTP2Posix
import NIOCore
import SkiffStore
import Synchronization

/// The Skiff `Store` on a real etcd v3 cluster, over gRPC (plaintext HTTP/2).
///
/// One `EtcdStore` holds one gRPC client with one HTTP/2 connection; every call and every watch
/// is a stream on it, so any number of calls may run concurrently. The connection is re-established
/// in the background when it drops; unary calls wait for it (up to the request timeout) and
/// watches resume from the revision after the last event they delivered.
///
/// Semantics are exactly those of the `Store` protocol; how each maps onto etcd:
/// - `create`/`update`/`delete` are one etcd `Txn` (or `DeleteRange`) each, comparing the key's
///   create or mod revision, so they are atomic on the server.
/// - Reads at a revision below etcd's compaction fail with `.compacted`; watches starting at or
///   below it too (the watch is checked one revision earlier, see `watch`).
/// - `compactedRevision()` is the highest compaction this client has done or learned about from
///   etcd's answers (compacted reads and watches); compactions by other clients become known the
///   first time they are hit.
public final class EtcdStore: Store {
    typealias Transport = HTTP2ClientTransport.Posix

    let limits: StoreLimits
    let grpc: GRPCClient<Transport>
    let kv: Etcdserverpb_KV.Client<Transport>
    let watchService: Etcdserverpb_Watch.Client<Transport>
    /// Options for unary calls: wait while reconnecting, bounded by the request timeout.
    let unaryOptions: CallOptions
    /// Options for watch streams: wait while reconnecting, no deadline.
    let streamOptions: CallOptions
    let state: Mutex<State>
    private let connectionTask: Task<Void, Never>

    struct State: ~Copyable {
        var closed = false
        var compactedRevision: Int64 = 0
        var nextWatchID = 0
        var watches: [Int: Task<Void, Never>] = [:]
    }

    /// Connects to an etcd cluster and checks that it answers.
    /// - Parameters:
    ///   - endpoints: `host:port` of the cluster's client URLs (an `http://` prefix is accepted).
    ///     Several endpoints must all be IP addresses; the client uses the first that answers and
    ///     fails over to the others.
    ///   - limits: the checks applied before every write.
    ///   - requestTimeout: how long a unary call may take, including waiting for a reconnection.
    /// - Throws: `StoreError.unavailable` if the endpoints are malformed or etcd does not answer.
    public static func connect(
        endpoints: [String],
        limits: StoreLimits = .init(),
        requestTimeout: Duration = .seconds(30)
    ) async throws -> EtcdStore {
        let target = try EtcdEndpoints.target(for: endpoints)
        let config = HTTP2ClientTransport.Posix.Config.defaults { config in
            // Reconnect quickly: etcd restarts (and test restarts) should not stall callers.
            config.backoff = .init(initial: .milliseconds(50), max: .seconds(1), multiplier: 1.6, jitter: 0.2)
            // Detect dead peers on otherwise idle watch streams. etcd rejects pings more often
            // than every 5s (its default --grpc-keepalive-min-time).
            config.connection.keepalive = .init(time: .seconds(30), timeout: .seconds(10), allowWithoutCalls: false)
            config.connection.maxIdleTime = nil
            config.channelDebuggingCallbacks.onCreateTCPConnection = { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EtcdFrameFilter(), position: .first)
                }
            }
        }
        let transport: Transport
        do {
            transport = try HTTP2ClientTransport.Posix(target: target, transportSecurity: .plaintext, config: config)
        } catch {
            throw StoreError.unavailable("etcd client: \(error)")
        }
        let store = EtcdStore(transport: transport, limits: limits, requestTimeout: requestTimeout)
        do {
            // Fail fast (no waiting for reconnection) if nothing answers at all.
            var probe = store.unaryOptions
            probe.waitForReady = false
            probe.timeout = min(requestTimeout, .seconds(10))
            _ = try await store.rangeRaw(.revisionProbe, options: probe)
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    private init(transport: Transport, limits: StoreLimits, requestTimeout: Duration) {
        self.limits = limits
        let grpc = GRPCClient(transport: transport)
        self.grpc = grpc
        self.kv = Etcdserverpb_KV.Client(wrapping: grpc)
        self.watchService = Etcdserverpb_Watch.Client(wrapping: grpc)
        var unary = CallOptions.defaults
        unary.timeout = requestTimeout
        unary.waitForReady = true
        // Large lists: etcd's server-side limit applies (gRPC's default of 4 MiB would cut them).
        unary.maxResponseMessageBytes = Int(Int32.max)
        unary.maxRequestMessageBytes = Int(Int32.max)
        self.unaryOptions = unary
        var stream = unary
        stream.timeout = nil
        self.streamOptions = stream
        self.state = Mutex(State())
        self.connectionTask = Task {
            try? await grpc.runConnections()
        }
    }

    /// Ends all watches (their streams finish with `.unavailable`), lets calls in flight finish
    /// and closes the connection. Later calls throw `.unavailable`.
    public func close() async {
        let watches = state.withLock { state in
            state.closed = true
            let watches = Array(state.watches.values)
            state.watches.removeAll()
            return watches
        }
        for watch in watches { watch.cancel() }
        for watch in watches { await watch.value }
        grpc.beginGracefulShutdown()
        connectionTask.cancel()
        await connectionTask.value
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    func checkOpen() throws(StoreError) {
        if isClosed { throw .unavailable("store is closed") }
    }

    /// Records a compaction revision learned from etcd or done through this client.
    func noteCompacted(_ revision: Int64) {
        state.withLock { $0.compactedRevision = max($0.compactedRevision, revision) }
    }

    var knownCompactedRevision: Int64 { state.withLock { $0.compactedRevision } }
}
