import Logging
import SkiffAPI

/// The reflector loop (client-go's Reflector.ListAndWatch): sync the cache, then follow the
/// watch from the last resourceVersion; a watch that ends or breaks is re-opened from there;
/// `410 Gone` (the server no longer has that revision) forces a relist.
extension Informer {
    func reflect() async throws {
        var backoff = options.initialBackoff
        var needsSync = true
        while !Task.isCancelled {
            do {
                if needsSync {
                    if options.useWatchList, !watchListUnsupported, let stream = try await openWatchList() {
                        needsSync = false
                        backoff = options.initialBackoff
                        _ = try await follow(stream)
                    } else {
                        try await list()
                        needsSync = false
                        backoff = options.initialBackoff
                    }
                } else {
                    let stream = try await client.watch(T.self, namespace: options.namespace,
                                                        options: watchOptions(resourceVersion: lastSyncResourceVersion))
                    if try await follow(stream) > 0 {
                        backoff = options.initialBackoff
                    } else {
                        // A watch closed before any event: do not hammer the server.
                        try await Task.sleep(for: backoff)
                        backoff = min(backoff * 2, options.maxBackoff)
                    }
                }
            } catch let error as ClientError where error.isGone {
                logger.debug("relisting \(T.groupVersionKind.kind): \(error.message)")
                needsSync = true
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.debug("list/watch of \(T.groupVersionKind.kind) failed: \(error)")
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, options.maxBackoff)
            }
        }
    }

    private func watchOptions(resourceVersion: String) -> ListOptions {
        // A random timeout as client-go (5–10 min) so watchers of one server do not reconnect together.
        ListOptions(labelSelector: options.labelSelector, fieldSelector: options.fieldSelector, resourceVersion: resourceVersion,
                    timeoutSeconds: Int.random(in: 300...600), allowWatchBookmarks: true)
    }

    private func list() async throws {
        let list = try await client.list(T.self, namespace: options.namespace,
                                         options: ListOptions(labelSelector: options.labelSelector, fieldSelector: options.fieldSelector))
        replace(list.items, resourceVersion: list.resourceVersion)
    }

    /// Watch-list: the initial state streamed as ADDED events up to a bookmark marked
    /// `k8s.io/initial-events-end`, then the watch goes on. Returns the stream positioned after
    /// that bookmark, or nil when the server does not support it (then list + watch is used).
    private func openWatchList() async throws -> WatchEvents<T>.Iterator? {
        var o = watchOptions(resourceVersion: "")
        o.resourceVersionMatch = "NotOlderThan"
        o.sendInitialEvents = true
        let events: WatchEvents<T>
        do {
            events = try await client.watch(T.self, namespace: options.namespace, options: o)
        } catch let error as ClientError where [400, 403, 422].contains(error.code) {
            markWatchListUnsupported()
            return nil
        }
        var iterator = events.makeAsyncIterator()
        var items: [T] = []
        while let event = try await iterator.next() {
            switch event {
            case .added(let obj), .modified(let obj):
                items.append(obj)
            case .deleted(let obj):
                let key = ObjectKey.of(obj)
                items.removeAll { ObjectKey.of($0) == key }
            case .bookmark(let rv, let end):
                guard end else { continue }
                replace(items, resourceVersion: rv)
                return iterator
            }
        }
        // The stream ended without the end marker: a server without watch-list, or a timeout.
        if items.isEmpty { markWatchListUnsupported() }
        return nil
    }

    /// Applies events until the watch ends; returns how many there were.
    private func follow(_ events: WatchEvents<T>) async throws -> Int {
        try await follow(events.makeAsyncIterator())
    }

    private func follow(_ iterator: WatchEvents<T>.Iterator) async throws -> Int {
        var iterator = iterator
        var count = 0
        while let event = try await iterator.next() {
            apply(event)
            count += 1
        }
        return count
    }
}
