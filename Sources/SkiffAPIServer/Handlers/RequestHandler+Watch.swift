import Foundation
import SkiffAPI

extension RequestHandler {
    /// WATCH: newline-delimited JSON events, streamed and flushed one by one.
    /// - no resourceVersion (or "0"): synthetic ADDED for the current state, then changes;
    /// - resourceVersion N: the changes after N, or an ERROR event with a 410 Status when N is
    ///   older than the cache's window;
    /// - `sendInitialEvents=true` (watch-list): ADDED for the state, then a BOOKMARK annotated
    ///   `k8s.io/initial-events-end`, then changes.
    func watch(_ r: ResourceInfo, route: ResourceRoute, request: APIRequest) async throws(APIError) -> APIResponse {
        let form = try ResponseForm.negotiate(request)
        var filter = try filter(r, route: route, request: request)
        if let name = route.name { filter.fieldSelector = try? FieldSelector(parsing: "metadata.name=\(name)") }
        let initialEvents = request.query["sendInitialEvents"] == "true"
        let bookmarks = request.flag("allowWatchBookmarks")
        let rvText = request.query["resourceVersion"] ?? ""
        if initialEvents, request.query["resourceVersionMatch"] != "NotOlderThan" {
            throw APIError.invalid(r, "", [FieldCause(reason: "FieldValueNotSupported",
                message: "Unsupported value: \"\(request.query["resourceVersionMatch"] ?? "")\": supported values: \"NotOlderThan\"",
                field: "resourceVersionMatch")])
        }
        var from: Int64?
        if initialEvents {
            try await waitForFreshness(rvText)
        } else if !rvText.isEmpty, rvText != "0" {
            guard let n = Int64(rvText), n >= 0 else { throw .badRequest("invalid resource version \"\(rvText)\"") }
            try await waitForFreshness(rvText)
            from = n
        }
        // timeoutSeconds, else --min-request-timeout with jitter (upstream's ListResource).
        let timeout = Int(request.query["timeoutSeconds"] ?? "").flatMap { $0 > 0 ? Duration.seconds($0) : nil }
            ?? limiter.watchTimeout()
        let cache = try cache(r)
        let opened = await cache.watch(filter: filter, from: from, initialEvents: initialEvents, floor: caches.clock.current)
        let contentType = form == .object ? "application/json" : (form == .partialMetadata ? "application/json" : ResponseForm.tableContentType)
        switch opened {
        case .failure(let error):
            let (chunks, output) = AsyncStream<[UInt8]>.makeStream()
            output.yield(WatchLine.event(type: "ERROR", objectBytes: error.status.serialized()))
            output.finish()
            return .stream(status: 200, headers: [("Content-Type", contentType)], chunks: chunks)
        case .success(let (frames, id)):
            let clock = caches.clock
            let interval = bookmarkInterval
            // Ends the watch at its timeout and queues progress bookmarks; stopping the watch
            // finishes the frame stream, which ends the response. Cancelled when the response
            // ends first (client gone, error frame).
            let control = Task {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { try? await Task.sleep(for: timeout) }
                    if bookmarks {
                        group.addTask {
                            // The cache enqueues the bookmark behind this watcher's pending events, so
                            // it never overtakes one (a client resuming from it would miss that event).
                            while !Task.isCancelled {
                                try? await Task.sleep(for: interval)
                                if Task.isCancelled { break }
                                await cache.bookmark(id: id, floor: clock.current)
                            }
                        }
                    }
                    await group.next()
                    group.cancelAll()
                }
                await cache.stopWatch(id: id)
            }
            // Lines are encoded only when the connection asks for the next one, so nothing queues
            // between the cache's bounded per-watcher queue and the socket: a client that stops
            // reading fills that queue and is terminated there.
            let source = WatchSource(frames: frames, encoder: WatchEncoder(resource: r, form: form),
                                     onEnd: { control.cancel() })
            let chunks = AsyncStream<[UInt8]>(unfolding: { await source.next() }, onCancel: { control.cancel() })
            return .stream(status: 200, headers: [("Content-Type", contentType)], chunks: chunks)
        }
    }
}

/// The pull side of one watch: the next frame from the cache, encoded. Only the response
/// stream's unfolding closure calls `next`, one call at a time (an iterator is never shared).
final class WatchSource: @unchecked Sendable {
    private var iterator: AsyncStream<WatchFrame>.AsyncIterator
    private var encoder: WatchEncoder
    private var finished = false
    private let onEnd: @Sendable () -> Void

    init(frames: AsyncStream<WatchFrame>, encoder: WatchEncoder, onEnd: @escaping @Sendable () -> Void) {
        iterator = frames.makeAsyncIterator()
        self.encoder = encoder
        self.onEnd = onEnd
    }

    func next() async -> [UInt8]? {
        while !finished {
            guard let frame = await iterator.next() else { break }
            if case .error = frame { finished = true }
            if let line = encoder.encode(frame) { return line }
        }
        finished = true
        onEnd()
        return nil
    }
}

/// Turns watch frames into wire lines for one watcher (Tables carry column definitions only in
/// the first event).
struct WatchEncoder: Sendable {
    let resource: ResourceInfo
    let form: ResponseForm
    var sentColumns = false

    init(resource: ResourceInfo, form: ResponseForm) {
        self.resource = resource
        self.form = form
    }

    mutating func encode(_ frame: WatchFrame) -> [UInt8]? {
        switch frame {
        case .event(let type, let object, let line):
            switch form {
            case .object:
                return line
            case .partialMetadata:
                return WatchLine.event(type: type, objectBytes: RequestHandler.partialMetadata(object.object).serialized())
            case .table(let include):
                let table = RequestHandler.table([object.object], resource, includeObject: include,
                                                 resourceVersion: String(object.modRevision), continueToken: nil,
                                                 withColumns: !sentColumns)
                sentColumns = true
                return WatchLine.event(type: type, objectBytes: table.serialized())
            }
        case .bookmark(let revision, let initialEventsEnd):
            var metadata: [String: JSONValue] = ["resourceVersion": .string(String(revision))]
            if initialEventsEnd { metadata["annotations"] = .object(["k8s.io/initial-events-end": .string("true")]) }
            let object: JSONValue
            switch form {
            case .table:
                object = .object(["kind": .string("Table"), "apiVersion": .string("meta.k8s.io/v1"),
                                  "metadata": .object(metadata), "rows": .array([]), "columnDefinitions": .array([])])
            case .partialMetadata:
                object = .object(["kind": .string("PartialObjectMetadata"), "apiVersion": .string("meta.k8s.io/v1"),
                                  "metadata": .object(metadata)])
            case .object:
                object = .object(["kind": .string(resource.kind), "apiVersion": .string(resource.apiVersion),
                                  "metadata": .object(metadata)])
            }
            return WatchLine.event(type: "BOOKMARK", objectBytes: object.serialized())
        case .error(let error):
            return WatchLine.event(type: "ERROR", objectBytes: error.status.serialized())
        }
    }
}
