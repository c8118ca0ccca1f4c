import Synchronization

/// Fans committed events out to watchers, and joins a watcher that starts in the past onto the
/// live stream without losing or repeating an event. Written once for every local backend (kine's
/// lesson): the backend only commits, publishes in revision order, and answers history queries.
///
/// Joining protocol: a watcher registers while buffering; everything published after that lands
/// in its buffer. The history up to the revision published at registration is read from the
/// backend, delivered, and then the buffer is drained — so each event is delivered exactly once.
package final class WatchHub: Sendable {
    /// Reads the events under a prefix with `from ≤ revision ≤ through`, in revision order.
    package typealias HistoryReader = @Sendable (_ prefix: String, _ from: Int64, _ through: Int64) async throws -> [WatchEvent]

    private struct Subscriber {
        var prefix: String
        var startRevision: Int64
        var continuation: WatchStream.Continuation
        /// Non-nil while the history is being replayed.
        var buffer: [WatchEvent]?
    }

    private struct State {
        var subscribers: [UInt64: Subscriber] = [:]
        var nextID: UInt64 = 0
        var lastPublished: Int64
        var closed = false
    }

    private let state: Mutex<State>

    package init(currentRevision: Int64) {
        state = Mutex(State(lastPublished: currentRevision))
    }

    package var lastPublishedRevision: Int64 { state.withLock { $0.lastPublished } }

    /// Delivers committed events. Must be called in revision order, by one writer at a time.
    package func publish(_ events: [WatchEvent]) {
        guard let last = events.last else { return }
        state.withLock { state in
            state.lastPublished = max(state.lastPublished, last.revision)
            for (id, var subscriber) in state.subscribers {
                var touched = false
                for event in events where event.kv.key.hasKeyPrefix(subscriber.prefix) && event.revision >= subscriber.startRevision {
                    if subscriber.buffer != nil {
                        subscriber.buffer!.append(event)
                        touched = true
                    } else {
                        subscriber.continuation.yield(event)
                    }
                }
                if touched { state.subscribers[id] = subscriber }
            }
        }
    }

    /// Records a revision that produced no event (keeps `lastPublished` exact for replays).
    package func advance(to revision: Int64) {
        state.withLock { $0.lastPublished = max($0.lastPublished, revision) }
    }

    /// Starts a watch. `startRevision` nil means "after everything published so far".
    package func subscribe(prefix: String, startRevision: Int64?, history: HistoryReader) async throws -> WatchStream {
        let (stream, continuation) = WatchStream.makeStream(bufferingPolicy: .unbounded)
        let registration: (id: UInt64, published: Int64)? = state.withLock { state in
            if state.closed { return nil }
            let id = state.nextID
            state.nextID += 1
            let start = startRevision ?? (state.lastPublished + 1)
            let replaying = start <= state.lastPublished
            state.subscribers[id] = Subscriber(prefix: prefix, startRevision: start, continuation: continuation, buffer: replaying ? [] : nil)
            return (id, state.lastPublished)
        }
        guard let registration else { throw StoreError.unavailable("store is closed") }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: registration.id) }
        }
        if let start = startRevision, start <= registration.published {
            let replayed: [WatchEvent]
            do {
                replayed = try await history(prefix, start, registration.published)
            } catch {
                state.withLock { _ = $0.subscribers.removeValue(forKey: registration.id) }
                continuation.finish()
                throw error
            }
            state.withLock { state in
                guard var subscriber = state.subscribers[registration.id] else { return }
                for event in replayed { subscriber.continuation.yield(event) }
                for event in subscriber.buffer ?? [] where event.revision > registration.published {
                    subscriber.continuation.yield(event)
                }
                subscriber.buffer = nil
                state.subscribers[registration.id] = subscriber
            }
        }
        return stream
    }

    /// Ends every watch with `error` (or normally when nil) and refuses new ones.
    package func close(with error: (any Error)? = StoreError.unavailable("store is closed")) {
        let subscribers = state.withLock { state -> [Subscriber] in
            state.closed = true
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.continuation.finish(throwing: error) }
    }
}
