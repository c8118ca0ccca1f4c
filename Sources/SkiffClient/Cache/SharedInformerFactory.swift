import Logging
import ServiceLifecycle
import SkiffAPI
import Synchronization

/// What the factory needs of an informer of any type.
protocol RunnableInformer: Sendable {
    func run() async throws
    var hasSynced: Bool { get }
    func waitForSync() async throws
}

extension Informer: RunnableInformer {}

/// One informer per resource (and namespace/selector) per process, however many controllers
/// ask (client-go's SharedInformerFactory). `run()` runs every informer handed out, including
/// ones asked for after it started; it returns on cancellation or graceful shutdown.
public final class SharedInformerFactory: Service, Sendable {
    private struct Key: Hashable {
        var gvk: GroupVersionKind
        var namespace: String?
        var labelSelector: String?
        var fieldSelector: String?
    }

    public let client: Client
    public let defaultResync: Duration?
    let logger: Logger
    private let informers = Mutex<[Key: any RunnableInformer]>([:])
    private let started: AsyncStream<any RunnableInformer>
    private let starter: AsyncStream<any RunnableInformer>.Continuation

    public init(client: Client, defaultResync: Duration? = nil, logger: Logger = Logger(label: "skiff.informers")) {
        self.client = client
        self.defaultResync = defaultResync
        self.logger = logger
        (started, starter) = AsyncStream.makeStream()
    }

    /// The shared informer for `T` with these options (created on first use; later calls with
    /// the same type, namespace and selectors return the same instance).
    public func informer<T: APIObject>(_ type: T.Type, namespace: String? = nil, labelSelector: String? = nil,
                                       fieldSelector: String? = nil) -> Informer<T> {
        let key = Key(gvk: T.groupVersionKind, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
        let (informer, isNew) = informers.withLock { map -> (Informer<T>, Bool) in
            if let existing = map[key] as? Informer<T> { return (existing, false) }
            let options = InformerOptions(namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector,
                                          resyncPeriod: defaultResync)
            let created = Informer<T>(client: client, options: options, logger: logger)
            map[key] = created
            return (created, true)
        }
        if isNew { starter.yield(informer) }
        return informer
    }

    /// True when every informer handed out so far has synced.
    public var hasSynced: Bool { informers.withLock { $0.values.allSatisfy(\.hasSynced) } }

    /// Waits until every informer handed out so far has synced.
    public func waitForCacheSync() async throws {
        for i in informers.withLock({ Array($0.values) }) { try await i.waitForSync() }
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for await informer in started.cancelOnGracefulShutdown() {
                group.addTask { try? await informer.run() }
            }
            group.cancelAll()
        }
    }
}
