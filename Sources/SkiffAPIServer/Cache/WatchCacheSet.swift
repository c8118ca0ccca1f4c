import Logging
import SkiffAPI
import SkiffStore
import Synchronization

/// All watch caches, fed by one store watch on `/registry/`: a single ordered stream gives
/// the exact revision every cache has reached (there is no progress notification in the
/// Store protocol), which reads wait on for consistency.
final class WatchCacheSet: Sendable {
    let clock = RevisionClock()
    /// By key prefix; custom resources add and remove theirs at run time.
    private let caches: Mutex<[String: WatchCache]>
    private let store: any Store
    private let logger: Logger
    /// Events a watcher may have queued before it is cut off (`APIServerConfig.watcherBufferCapacity`).
    private let watcherCapacity: Int

    init(resources: [ResourceInfo], store: any Store, logger: Logger, watcherCapacity: Int = 1000) {
        var caches: [String: WatchCache] = [:]
        for r in resources where r.persisted && r.storageVersion == nil {
            caches[r.keyPrefix] = WatchCache(resource: r, watcherCapacity: watcherCapacity)
        }
        self.caches = Mutex(caches)
        self.watcherCapacity = watcherCapacity
        self.store = store
        self.logger = logger
    }

    func cache(for resource: ResourceInfo) -> WatchCache? { caches.withLock { $0[resource.keyPrefix] } }

    /// Adds (or replaces) the cache of a resource served from now on and loads it. Consistent
    /// without pausing the event stream: the cache is registered before the store's revision R is
    /// read, so every event after R reaches it (an event after R is received, and its decoding
    /// started, after R was read); it holds events until its list at R is in, then applies those
    /// after R.
    func add(_ resource: ResourceInfo) async throws {
        SelectableFields.forget(resource)
        let cache = WatchCache(resource: resource, watcherCapacity: watcherCapacity, loading: true)
        let replaced = caches.withLock { caches -> WatchCache? in
            let old = caches[resource.keyPrefix]
            caches[resource.keyPrefix] = cache
            return old
        }
        if let replaced { await replaced.close() }
        let revision = try await store.currentRevision()
        var objects: [CachedObject] = []
        var after: String?
        while true {
            let page = try await store.list(prefix: resource.keyPrefix, atRevision: revision, limit: 1000, continueAfter: after)
            for kv in page.items {
                if let o = CachedObject.decode(key: kv.key, value: kv.value, revision: kv.modRevision, resource: resource) {
                    objects.append(o)
                }
            }
            after = page.items.last?.key
            if !page.more || after == nil { break }
        }
        await cache.reset(objects: objects, revision: revision)
    }

    /// Drops the cache of a resource no longer served; its watches end.
    func remove(keyPrefix: String) async {
        if let cache = caches.withLock({ $0.removeValue(forKey: keyPrefix) }) { await cache.close() }
    }

    /// Lists every resource, then follows the store; relists after a watch failure. Returns when
    /// cancelled.
    func run() async {
        while !Task.isCancelled {
            do {
                let revision = try await relist()
                clock.advance(to: revision)
                let stream = try await store.watch(prefix: "/registry/", startRevision: revision + 1)
                // Decoding (parse, set resourceVersion, encode) runs in parallel, one task per
                // event; events are applied to the caches strictly in revision order.
                let (decoded, pending) = AsyncStream<Task<(Int64, Decoded?), Never>>.makeStream()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { pending.finish() }
                        for try await event in stream {
                            pending.yield(Task { (event.revision, self.decode(event)) })
                        }
                    }
                    for await task in decoded {
                        let (revision, item) = await task.value
                        if let item { await item.cache.apply(item.event) }
                        clock.advance(to: revision)
                    }
                    try await group.waitForAll()
                }
                if Task.isCancelled { return }
                logger.warning("store watch ended; relisting")
            } catch {
                if Task.isCancelled { return }
                logger.warning("watch cache failed: \(error); relisting")
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private func relist() async throws -> Int64 {
        let revision = try await store.currentRevision()
        for (prefix, cache) in caches.withLock({ $0 }) {
            var objects: [CachedObject] = []
            var after: String?
            while true {
                let page = try await store.list(prefix: prefix, atRevision: revision, limit: 1000, continueAfter: after)
                for kv in page.items {
                    if let o = CachedObject.decode(key: kv.key, value: kv.value, revision: kv.modRevision, resource: cache.resource) {
                        objects.append(o)
                    }
                }
                after = page.items.last?.key
                if !page.more || after == nil { break }
            }
            await cache.reset(objects: objects, revision: revision)
        }
        return revision
    }

    struct Decoded: Sendable {
        var cache: WatchCache
        var event: WatchCache.Event
    }

    private func decode(_ event: WatchEvent) -> Decoded? {
        let key = event.kv.key
        guard let cache = caches.withLock({ $0[Self.resourcePrefix(of: key)] }) else { return nil }
        let resource = cache.resource
        let previous = event.previous.flatMap {
            CachedObject.decode(key: key, value: $0.value, revision: $0.modRevision, resource: resource)
        }
        switch event.kind {
        case .put:
            guard let object = CachedObject.decode(key: key, value: event.kv.value, revision: event.revision, resource: resource) else {
                logger.error("undecodable object in store at \(key)")
                return nil
            }
            return Decoded(cache: cache, event: .init(kind: previous == nil ? .added : .modified, object: object, previous: previous))
        case .delete:
            guard let last = event.previous,
                  let object = CachedObject.decode(key: key, value: last.value, revision: event.revision, resource: resource) else {
                return nil
            }
            return Decoded(cache: cache, event: .init(kind: .deleted, object: object, previous: previous))
        }
    }

    /// `/registry/<group>/<plural>/…` → `/registry/<group>/<plural>/`.
    static func resourcePrefix(of key: String) -> String {
        var slashes = 0
        var end = key.utf8.startIndex
        for i in key.utf8.indices where key.utf8[i] == UInt8(ascii: "/") {
            slashes += 1
            if slashes == 4 { end = key.utf8.index(after: i); break }
        }
        return slashes == 4 ? String(key[..<end]) : key
    }
}
