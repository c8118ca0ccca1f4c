import Logging
import ServiceLifecycle
import SkiffAPI
import Synchronization

/// A change delivered to informer event handlers. `updated` with `old == new` (same
/// resourceVersion) is a periodic resync. `deleted` with `finalStateUnknown` is client-go's
/// tombstone: the object vanished while the watch was down, and `object` is the last state
/// this informer saw.
public enum InformerEvent<T: APIObject>: Sendable {
    case added(T)
    case updated(old: T, new: T)
    case deleted(T, finalStateUnknown: Bool)

    /// The current object (the deleted one for `deleted`).
    public var object: T {
        switch self {
        case .added(let o), .deleted(let o, _): return o
        case .updated(_, let n): return n
        }
    }
}

/// What an informer watches and how.
public struct InformerOptions: Sendable {
    /// nil watches all namespaces.
    public var namespace: String?
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Deliver `updated(o, o)` for every cached object this often; nil for never.
    public var resyncPeriod: Duration?
    /// Use watch-list streaming (`sendInitialEvents=true`) instead of list then watch.
    public var useWatchList: Bool
    /// Bounds of the back-off between failed list/watch attempts.
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
                resyncPeriod: Duration? = nil, useWatchList: Bool = true,
                initialBackoff: Duration = .milliseconds(800), maxBackoff: Duration = .seconds(30)) {
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resyncPeriod = resyncPeriod
        self.useWatchList = useWatchList
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }
}

/// An informer (client-go's SharedIndexInformer): keeps `cache` equal to the server's objects
/// by list + watch and tells its handlers what changed. `run()` is a `Service`; it returns on
/// cancellation or graceful shutdown. Handlers run on the informer's task, one event at a
/// time, in resourceVersion order: keep them short (enqueue a key) and never call
/// `addEventHandler` from inside one.
public final class Informer<T: APIObject>: Service, Sendable {
    public typealias Handler = @Sendable (InformerEvent<T>) -> Void

    public let cache: ObjectCache<T>
    public let options: InformerOptions
    let client: Client
    let logger: Logger
    /// Handlers; the lock is also held while the cache changes and handlers run, so a handler
    /// added later sees every object exactly once (replayed or live).
    private let handlers = Mutex<[Handler]>([])
    private let synced = SyncLatch()
    private let progress = Mutex(Progress())

    struct Progress {
        var resourceVersion = ""
        var watchListUnsupported = false
        var relists = 0
        var events = 0
    }

    public init(client: Client, options: InformerOptions = InformerOptions(), indexers: [Index<T>] = [Index<T>.namespace],
                logger: Logger = Logger(label: "skiff.informer")) {
        self.client = client
        self.options = options
        self.cache = ObjectCache(indexers: indexers)
        self.logger = logger
    }

    public var lister: Lister<T> { Lister(cache: cache) }

    /// True once the first list (or the watch-list's initial events) is in the cache.
    public var hasSynced: Bool { synced.isOpen }

    /// Waits until `hasSynced`; throws `CancellationError` when the caller is cancelled.
    public func waitForSync() async throws { try await synced.wait() }

    /// The resourceVersion of the last list, event or bookmark seen.
    public var lastSyncResourceVersion: String { progress.withLock { $0.resourceVersion } }

    /// How many times the informer has listed (1 after the first sync).
    public var listCount: Int { progress.withLock { $0.relists } }

    /// Adds a handler. After sync it first receives `added` for every cached object.
    public func addEventHandler(_ handler: @escaping Handler) {
        handlers.withLock { hs in
            if synced.isOpen { for o in cache.list() { handler(.added(o)) } }
            hs.append(handler)
        }
    }

    public func addIndex(_ index: Index<T>) { cache.addIndex(index) }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    if let period = self.options.resyncPeriod {
                        group.addTask {
                            while true {
                                try await Task.sleep(for: period)
                                self.resync()
                            }
                        }
                    }
                    group.addTask { try await self.reflect() }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch is CancellationError {
            return
        }
    }

    // MARK: delivery (always under the handlers lock)

    func deliver(_ body: (inout [InformerEvent<T>]) -> Void) {
        handlers.withLock { hs in
            var events: [InformerEvent<T>] = []
            body(&events)
            for e in events { for h in hs { h(e) } }
        }
    }

    /// Applies one watch event to the cache and notifies handlers.
    func apply(_ event: WatchEvent<T>) {
        switch event {
        case .added(let o), .modified(let o):
            setResourceVersion(o.metadata?.resourceVersion)
            deliver { out in
                if let old = cache.upsert(o) { out.append(.updated(old: old, new: o)) } else { out.append(.added(o)) }
            }
        case .deleted(let o):
            setResourceVersion(o.metadata?.resourceVersion)
            deliver { out in
                let old = cache.remove(key: ObjectCache<T>.key(of: o))
                out.append(.deleted(old.map { _ in o } ?? o, finalStateUnknown: false))
            }
        case .bookmark(let rv, _):
            setResourceVersion(rv)
        }
    }

    /// Replaces the cache with a fresh list and delivers the differences: added for new
    /// objects, updated for changed ones (unchanged ones are not re-sent, unlike client-go's
    /// Replace), deleted with `finalStateUnknown` for objects that disappeared.
    func replace(_ items: [T], resourceVersion: String) {
        deliver { out in
            let old = cache.replace(with: items)
            var seen = Set<String>()
            seen.reserveCapacity(items.count)
            for o in items {
                let key = ObjectCache<T>.key(of: o)
                seen.insert(key)
                if let before = old[key] {
                    if before.metadata?.resourceVersion != o.metadata?.resourceVersion { out.append(.updated(old: before, new: o)) }
                } else {
                    out.append(.added(o))
                }
            }
            for (key, o) in old where !seen.contains(key) { out.append(.deleted(o, finalStateUnknown: true)) }
        }
        progress.withLock {
            $0.resourceVersion = resourceVersion
            $0.relists += 1
        }
        synced.open()
    }

    func resync() {
        deliver { out in for o in cache.list() { out.append(.updated(old: o, new: o)) } }
    }

    private func setResourceVersion(_ rv: String?) {
        guard let rv, !rv.isEmpty else { return }
        progress.withLock {
            $0.resourceVersion = rv
            $0.events += 1
        }
    }

    var watchListUnsupported: Bool {
        get { progress.withLock { $0.watchListUnsupported } }
    }

    func markWatchListUnsupported() { progress.withLock { $0.watchListUnsupported = true } }
}
