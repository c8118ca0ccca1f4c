import Logging
import ServiceLifecycle
import SkiffAPI
import Synchronization

/// Runs a `Reconciler`: informer events become keys in a rate-limited work queue, and
/// `workers` tasks reconcile them (controller-runtime's Controller). `run()` waits for the
/// watched informers to sync, then works until cancelled or gracefully shut down; then it
/// stops taking keys and lets running reconciles finish.
///
/// The informers themselves are run by whoever owns them (usually a `SharedInformerFactory`).
public final class Controller: Service, Sendable {
    public let name: String
    public let queue: WorkQueue<ObjectKey>
    let reconciler: any Reconciler
    let workers: Int
    let logger: Logger
    private let syncs = Mutex<[@Sendable () async throws -> Void]>([])

    public init(name: String, reconciler: any Reconciler, workers: Int = 1,
                rateLimiter: ControllerRateLimiter<ObjectKey> = ControllerRateLimiter(), logger: Logger? = nil) {
        self.name = name
        self.reconciler = reconciler
        self.workers = max(1, workers)
        self.queue = WorkQueue(rateLimiter: rateLimiter)
        self.logger = logger ?? Logger(label: "skiff.controller.\(name)")
    }

    /// Enqueues the keys `map` returns for each event of `informer` (for the object itself:
    /// `{ [ObjectKey.of($0)] }`; for an owner: its controller reference's key).
    public func watch<T: APIObject>(_ informer: Informer<T>, map: @escaping @Sendable (T) -> [ObjectKey] = { [ObjectKey.of($0)] }) {
        let queue = self.queue
        informer.addEventHandler { event in
            switch event {
            case .updated(let old, let new):
                for k in map(new) { queue.add(k) }
                if old.metadata?.resourceVersion != new.metadata?.resourceVersion {
                    for k in map(old) where !map(new).contains(k) { queue.add(k) }
                }
            case .added(let o), .deleted(let o, _):
                for k in map(o) { queue.add(k) }
            }
        }
        syncs.withLock { $0.append { try await informer.waitForSync() } }
    }

    /// Enqueues the controlling owner of each object when it is of kind `ownerKind`
    /// (controller-runtime's `EnqueueRequestForOwner` with `OnlyControllerOwner`).
    public func watchOwned<T: APIObject>(_ informer: Informer<T>, ownerKind: String) {
        watch(informer) { o in
            guard let ref = o.metadata?.ownerReferences?.first(where: { $0.controller == true }), ref.kind == ownerKind,
                  let name = ref.name else { return [] }
            return [ObjectKey(namespace: o.metadata?.namespace ?? "", name: name)]
        }
    }

    public func run() async throws {
        do {
            for sync in syncs.withLock({ $0 }) { try await sync() }
        } catch {
            return
        }
        logger.debug("controller \(name) synced; starting \(workers) workers")
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask { await self.work() }
            }
            // Shut the queue down on cancellation or graceful shutdown; workers then finish.
            group.addTask {
                await withGracefulShutdownHandler {
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
                } onGracefulShutdown: {
                    self.queue.shutDown()
                }
                self.queue.shutDown()
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func work() async {
        while let key = await queue.get() {
            do {
                // Cancellation reaches reconcile only through its own awaits; a reconcile that
                // started finishes its current step.
                switch try await reconciler.reconcile(key) {
                case nil:
                    queue.forget(key)
                case .after(let delay)?:
                    queue.forget(key)
                    queue.addAfter(key, delay)
                case .rateLimited?:
                    queue.addRateLimited(key)
                }
            } catch {
                logger.debug("reconcile \(name) \(key) failed: \(error)")
                queue.addRateLimited(key)
            }
            queue.done(key)
        }
    }
}
