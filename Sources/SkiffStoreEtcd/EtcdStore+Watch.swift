import Foundation
import GRPCCore
import SkiffStore
import Synchronization

extension EtcdStore {
    /// See `StoreWatcher.watch`. On etcd:
    /// - A watch from `startRevision` is refused when `startRevision` ≤ the compacted revision.
    ///   etcd itself only refuses starts *below* its compaction revision, so the start is checked
    ///   with a read at `startRevision - 1` first (reads and watches share etcd's rule).
    /// - When the connection drops, the watch is re-created from the revision after the last
    ///   event delivered, so no event is lost or repeated. If that revision has been compacted
    ///   meanwhile, the stream ends with `.compacted`.
    public func watch(prefix: String, startRevision: Int64?) async throws -> WatchStream {
        try checkOpen()
        let start: Int64
        if let startRevision {
            start = max(startRevision, 1)
            try await checkWatchable(from: start)
        } else {
            start = try await currentRevision() + 1
        }
        let (stream, continuation) = WatchStream.makeStream(bufferingPolicy: .unbounded)
        let registered = state.withLock { state -> Int? in
            guard !state.closed else { return nil }
            let id = state.nextWatchID
            state.nextWatchID += 1
            state.watches[id] = Task {
                await self.runWatch(prefix: prefix, from: start, into: continuation)
                _ = self.state.withLock { $0.watches.removeValue(forKey: id) }
            }
            return id
        }
        guard let id = registered else { throw StoreError.unavailable("store is closed") }
        continuation.onTermination = { [weak self] _ in
            // The consumer went away (or the watch ended): release the etcd watch.
            guard let self else { return }
            let task = self.state.withLock { $0.watches.removeValue(forKey: id) }
            task?.cancel()
        }
        return stream
    }

    /// Throws `.compacted` if a watch from `start` would miss compacted history.
    func checkWatchable(from start: Int64) async throws(StoreError) {
        let known = knownCompactedRevision
        if start <= known { throw .compacted(requested: start, compactedRevision: known) }
        guard start > 1 else { return }
        var probe = Etcdserverpb_RangeRequest.revisionProbe
        probe.revision = start - 1
        do {
            _ = try await rangeRaw(probe)
        } catch {
            switch error {
            case .compacted(_, let compacted):
                throw .compacted(requested: start, compactedRevision: compacted)
            case .futureRevision:
                // A watch may start in the future: it waits for that revision.
                return
            default:
                throw error
            }
        }
    }

    /// Delivers the events of `prefix` from revision `start` on into `continuation`, re-creating
    /// the etcd watch after connection failures, until the consumer cancels or the store closes.
    func runWatch(prefix: String, from start: Int64, into continuation: WatchStream.Continuation) async {
        let cursor = WatchCursor(next: start)
        var failures = 0
        while true {
            if Task.isCancelled {
                if isClosed {
                    continuation.finish(throwing: StoreError.unavailable("store is closed"))
                } else {
                    continuation.finish()
                }
                return
            }
            let before = cursor.next
            do {
                try await watchOnce(prefix: prefix, cursor: cursor, continuation: continuation)
            } catch let error as WatchEnd {
                switch error {
                case .compacted(let compacted):
                    noteCompacted(compacted)
                    continuation.finish(throwing: StoreError.compacted(requested: cursor.next, compactedRevision: compacted))
                    return
                case .canceled(let reason):
                    continuation.finish(throwing: StoreError.unavailable("etcd cancelled the watch: \(reason)"))
                    return
                case .streamEnded:
                    break
                }
            } catch {
                if Task.isCancelled { continue }
                if case .other(let storeError) = EtcdFailure(error), isPermanent(error) {
                    continuation.finish(throwing: storeError)
                    return
                }
            }
            // Connection lost (or the server ended the stream): retry with backoff; progress
            // made on this attempt resets it.
            failures = cursor.next > before ? 1 : failures + 1
            let delay = min(50 * (1 << min(failures, 5)), 1000)
            try? await Task.sleep(for: .milliseconds(delay))
        }
    }

    /// Errors after which re-creating the watch cannot help.
    private func isPermanent(_ error: any Error) -> Bool {
        guard let rpc = error as? RPCError else { return false }
        switch rpc.code {
        case .unimplemented, .invalidArgument, .permissionDenied, .unauthenticated: return true
        default: return false
        }
    }

    /// One etcd watch stream; returns or throws when it ends.
    private func watchOnce(prefix: String, cursor: WatchCursor, continuation: WatchStream.Continuation) async throws {
        let from = cursor.next
        var create = Etcdserverpb_WatchCreateRequest()
        create.key = prefix.isEmpty ? Data([0]) : prefix.etcdKey
        create.rangeEnd = Data(prefix.prefixRangeEnd ?? [0])
        create.startRevision = from
        create.prevKv = true
        // Progress notifications move the resume point forward while the prefix is quiet.
        create.progressNotify = true
        var request = Etcdserverpb_WatchRequest()
        request.createRequest = create
        try await watchService.watch(options: streamOptions) { [request] writer in
            try await writer.write(request)
            // Keep the request side open: the RPC ends when the response side does.
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(3600))
            }
        } onResponse: { response in
            for try await message in response.messages {
                if message.compactRevision != 0 {
                    throw WatchEnd.compacted(message.compactRevision)
                }
                if message.canceled {
                    throw WatchEnd.canceled(message.cancelReason)
                }
                if message.created { continue }
                if message.events.isEmpty {
                    // A progress notification: every event up to its revision has been sent.
                    cursor.advance(to: message.header.revision + 1)
                    continue
                }
                for event in message.events {
                    let watchEvent = WatchEvent(event)
                    // Events before the resume point were already delivered on an earlier stream.
                    guard watchEvent.revision >= from else { continue }
                    continuation.yield(watchEvent)
                    cursor.advance(to: watchEvent.revision + 1)
                }
            }
            throw WatchEnd.streamEnded
        }
    }

    /// The compaction revision etcd reports for a watch that starts at `revision` (which etcd
    /// has refused to read). Falls back to what this client knows if etcd does not say in time.
    func learnCompactedRevision(below revision: Int64) async -> Int64 {
        var create = Etcdserverpb_WatchCreateRequest()
        create.key = Data([0])
        create.startRevision = max(revision, 1)
        var request = Etcdserverpb_WatchRequest()
        request.createRequest = create
        var options = streamOptions
        // etcd reports compaction to a new watch on its next sync (every 100 ms).
        options.timeout = .seconds(3)
        let learned = try? await watchService.watch(options: options) { [request] writer in
            try await writer.write(request)
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(3600))
            }
        } onResponse: { response -> Int64? in
            for try await message in response.messages {
                if message.compactRevision != 0 { return message.compactRevision }
                if message.canceled { return nil }
            }
            return nil
        }
        if let learned { noteCompacted(learned) }
        return max(knownCompactedRevision, revision + 1)
    }
}

/// How one etcd watch stream ended, when not by a transport error.
enum WatchEnd: Error {
    case compacted(Int64)
    case canceled(String)
    case streamEnded
}

/// The first revision a watch has not delivered yet (its resume point).
final class WatchCursor: Sendable {
    private let value: Mutex<Int64>

    init(next: Int64) { value = Mutex(next) }

    var next: Int64 { value.withLock { $0 } }

    func advance(to revision: Int64) {
        value.withLock { $0 = max($0, revision) }
    }
}

extension WatchEvent {
    init(_ event: Mvccpb_Event) {
        self.init(
            kind: event.type == .delete ? .delete : .put,
            kv: KeyValue(event.kv),
            previous: event.hasPrevKv ? KeyValue(event.prevKv) : nil
        )
    }
}
