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
        let timeout = Int(request.query["timeoutSeconds"] ?? "").map { max(1, $0) } ?? 1800
        let cache = try cache(r)
        let opened = await cache.watch(filter: filter, from: from, initialEvents: initialEvents, floor: caches.clock.current)
        let contentType = form == .object ? "application/json" : (form == .partialMetadata ? "application/json" : ResponseForm.tableContentType)
        let (chunks, output) = AsyncStream<[UInt8]>.makeStream()
        switch opened {
        case .failure(let error):
            output.yield(WatchLine.event(type: "ERROR", objectBytes: error.status.serialized()))
            output.finish()
            return .stream(status: 200, headers: [("Content-Type", contentType)], chunks: chunks)
        case .success(let (frames, id)):
            let encoder = WatchEncoder(resource: r, form: form)
            let clock = caches.clock
            let pump = Task {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        var encoder = encoder
                        for await frame in frames {
                            if let line = encoder.encode(frame) { output.yield(line) }
                            if case .error = frame { break }
                        }
                    }
                    group.addTask {
                        try? await Task.sleep(for: .seconds(timeout))
                    }
                    if bookmarks {
                        let interval = bookmarkInterval
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
                output.finish()
                await cache.stopWatch(id: id)
            }
            output.onTermination = { _ in pump.cancel() }
            return .stream(status: 200, headers: [("Content-Type", contentType)], chunks: chunks)
        }
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
