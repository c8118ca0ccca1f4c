import SkiffAPI

/// One resource's objects in memory plus a window of recent events (DESIGN.md §4). Fed by the
/// `WatchCacheSet` dispatcher in revision order; serves lists and watches without the store.
actor WatchCache {
    struct Event: Sendable {
        enum Kind: Sendable { case added, modified, deleted }
        var kind: Kind
        var object: CachedObject
        var previous: CachedObject?
        var revision: Int64 { object.modRevision }
    }

    private struct Watcher {
        var filter: ObjectFilter
        var continuation: AsyncStream<WatchFrame>.Continuation
    }

    let resource: ResourceInfo
    let windowCapacity: Int
    /// Frames one watcher may have queued beyond its initial events. A watcher that stops
    /// reading is terminated when its queue is full (its stream ends, the client re-watches from
    /// the last revision it saw, or re-lists on 410), as kube-apiserver's cacheWatcher does,
    /// rather than buffering without bound.
    let watcherCapacity: Int
    /// Watchers terminated for not keeping up (for tests and logs).
    private(set) var terminatedSlowWatchers = 0
    private var objects: [String: CachedObject] = [:]
    private var sortedKeys: [String]?
    /// Revision of the last applied event (or of the initial list).
    private(set) var applied: Int64 = 0
    /// Events with revision > windowStart are all in `window`.
    private var windowStart: Int64 = 0
    private var window: [Event] = []
    private var windowHead = 0
    private var watchers: [Int: Watcher] = [:]
    private var nextWatcherID = 0
    /// A cache added at run time (a custom resource) receives events before its first list is
    /// in: they wait here and those after the list's revision are applied once it is.
    private var loading: Bool
    private var pending: [Event] = []

    init(resource: ResourceInfo, windowCapacity: Int = 4096, watcherCapacity: Int = 1000, loading: Bool = false) {
        self.resource = resource
        self.windowCapacity = windowCapacity
        self.watcherCapacity = max(1, watcherCapacity)
        self.loading = loading
    }

    /// Queues `frame` for watcher `id`; a watcher whose queue is full, or whose consumer is gone,
    /// is removed and its stream finished. The frames it was sent are a prefix of the events, so
    /// a client resuming from the last one it read misses nothing.
    private func send(_ frame: WatchFrame, to id: Int) {
        guard let w = watchers[id] else { return }
        switch w.continuation.yield(frame) {
        case .enqueued: return
        case .dropped:
            terminatedSlowWatchers += 1
            watchers.removeValue(forKey: id)?.continuation.finish()
        case .terminated:
            watchers.removeValue(forKey: id)
        @unknown default:
            return
        }
    }

    var count: Int { objects.count }

    /// Replaces the contents after a (re)list at `revision`. Open watches end with 410 Gone
    /// (their clients relist), as they could have missed events.
    func reset(objects list: [CachedObject], revision: Int64) {
        objects = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { _, b in b })
        sortedKeys = nil
        applied = revision
        windowStart = revision
        window = []
        windowHead = 0
        for (_, w) in watchers {
            w.continuation.yield(.error(.gone("too old resource version: the watch cache was re-initialized")))
            w.continuation.finish()
        }
        watchers = [:]
        if loading {
            loading = false
            let buffered = pending
            pending = []
            for event in buffered where event.revision > revision { apply(event) }
        }
    }

    /// Ends every watch (the resource is no longer served).
    func close() {
        for (_, w) in watchers { w.continuation.finish() }
        watchers = [:]
    }

    func apply(_ event: Event) {
        if loading {
            pending.append(event)
            return
        }
        // A cache loaded at run time may see again an event its list already had.
        if event.revision <= applied { return }
        switch event.kind {
        case .added, .modified:
            if objects.updateValue(event.object, forKey: event.object.key) == nil { sortedKeys = nil }
        case .deleted:
            if objects.removeValue(forKey: event.object.key) != nil { sortedKeys = nil }
        }
        applied = event.revision
        appendToWindow(event)
        guard !watchers.isEmpty else { return }
        var lines: [String: [UInt8]] = [:]
        for (id, w) in watchers {
            guard let type = Self.type(of: event, for: w.filter) else { continue }
            let line = lines[type] ?? WatchLine.event(type: type, objectBytes: event.object.bytes)
            lines[type] = line
            send(.event(type: type, object: event.object, line: line), to: id)
        }
    }

    /// The watch event type a watcher with `filter` sees for `event`, nil if none.
    private static func type(of event: Event, for filter: ObjectFilter) -> String? {
        switch event.kind {
        case .added: return filter.matches(event.object) ? "ADDED" : nil
        case .deleted: return filter.matches(event.previous ?? event.object) ? "DELETED" : nil
        case .modified:
            let now = filter.matches(event.object)
            let before = event.previous.map(filter.matches) ?? false
            switch (before, now) {
            case (true, true): return "MODIFIED"
            case (false, true): return "ADDED"
            case (true, false): return "DELETED"
            case (false, false): return nil
            }
        }
    }

    private func appendToWindow(_ event: Event) {
        if window.count < windowCapacity {
            window.append(event)
        } else {
            windowStart = window[windowHead].revision
            window[windowHead] = event
            windowHead = (windowHead + 1) % windowCapacity
        }
    }

    private func eventsAfter(_ revision: Int64) -> [Event] {
        let ordered = window.count < windowCapacity ? window : Array(window[windowHead...] + window[..<windowHead])
        // Binary search would do; the window is small and this runs once per watch start.
        guard let start = ordered.firstIndex(where: { $0.revision > revision }) else { return [] }
        return Array(ordered[start...])
    }

    func get(key: String) -> CachedObject? { objects[key] }

    /// One page of matching objects in key order, after `continueKey`.
    func list(filter: ObjectFilter, after continueKey: String?, limit: Int?, floor: Int64)
        -> (items: [CachedObject], revision: Int64, more: Bool, remaining: Int?) {
        let keys = sorted(prefix: resource.keyPrefix(namespace: filter.namespace))
        var start = keys.startIndex
        if let continueKey {
            start = keys.partitionPoint { $0.keyPrecedesOrEquals(continueKey) }
        }
        var items: [CachedObject] = []
        var more = false
        var index = start
        while index < keys.endIndex {
            if let o = objects[keys[index]], filter.matches(o) {
                if let limit, limit > 0, items.count == limit { more = true; break }
                items.append(o)
            }
            index += 1
        }
        return (items, max(applied, floor), more, nil)
    }

    /// One page at exactly `revision`, or nil when this cache's state is not that revision's.
    /// Checked and listed in one actor step: no event can be applied in between. The state is
    /// the one at `revision` when nothing later was applied here (`applied <= revision`) and every
    /// event up to it was (the clock advances only after an event is applied).
    func listExact(filter: ObjectFilter, revision: Int64, limit: Int?, clock: RevisionClock)
        -> (items: [CachedObject], more: Bool)? {
        guard applied <= revision, clock.current >= revision else { return nil }
        let page = list(filter: filter, after: nil, limit: limit, floor: revision)
        return (page.items, page.more)
    }

    private func sorted(prefix: String) -> ArraySlice<String> {
        if sortedKeys == nil { sortedKeys = objects.keys.sorted { $0.keyPrecedes($1) } }
        let keys = sortedKeys ?? []
        guard prefix != resource.keyPrefix else { return keys[...] }
        let lower = keys.partitionPoint { $0.keyPrecedes(prefix) }
        let upper = keys[lower...].partitionPoint { $0.hasKeyPrefix(prefix) }
        return keys[lower..<upper]
    }

    /// Opens a watch. `from == nil` starts with ADDED for every matching object (the state at the
    /// returned revision); otherwise replays events after `from` from the window, or fails with
    /// Gone when they are no longer there. `initialEvents` (watch-list) sends ADDED for the current
    /// state then a BOOKMARK marking the end of the initial events.
    func watch(filter: ObjectFilter, from: Int64?, initialEvents: Bool, floor: Int64)
        -> Result<(AsyncStream<WatchFrame>, id: Int), APIError> {
        // The initial frames are counted first: the queue holds all of them plus `watcherCapacity`.
        var initial: [WatchFrame] = []
        let revision = max(applied, floor)
        if initialEvents || from == nil {
            for key in sorted(prefix: resource.keyPrefix(namespace: filter.namespace)) {
                guard let o = objects[key], filter.matches(o) else { continue }
                initial.append(.event(type: "ADDED", object: o, line: WatchLine.event(type: "ADDED", objectBytes: o.bytes)))
            }
            if initialEvents { initial.append(.bookmark(revision: revision, initialEventsEnd: true)) }
        } else if let from {
            if from < windowStart {
                return .failure(.gone("too old resource version: \(from) (\(windowStart + 1))"))
            }
            for event in eventsAfter(from) {
                guard let type = Self.type(of: event, for: filter) else { continue }
                initial.append(.event(type: type, object: event.object,
                                      line: WatchLine.event(type: type, objectBytes: event.object.bytes)))
            }
        }
        let (stream, continuation) = AsyncStream<WatchFrame>.makeStream(
            bufferingPolicy: .bufferingOldest(initial.count + watcherCapacity))
        for frame in initial { continuation.yield(frame) }
        nextWatcherID += 1
        let id = nextWatcherID
        watchers[id] = Watcher(filter: filter, continuation: continuation)
        return .success((stream, id))
    }

    /// Queues a progress BOOKMARK on one watcher's frame stream, behind every event already sent
    /// to it. `floor` is a clock reading: every event up to it was applied (and queued) before.
    func bookmark(id: Int, floor: Int64) {
        send(.bookmark(revision: max(applied, floor), initialEventsEnd: false), to: id)
    }

    func stopWatch(id: Int) {
        watchers.removeValue(forKey: id)?.continuation.finish()
    }

    var watcherCount: Int { watchers.count }
}

extension String {
    func keyPrecedesOrEquals(_ other: String) -> Bool { self == other || keyPrecedes(other) }
}

extension Collection {
    /// First index whose element does not satisfy `belongsInFirstPartition` (elements must be partitioned).
    func partitionPoint(_ belongsInFirstPartition: (Element) -> Bool) -> Index {
        var low = startIndex
        var n = count
        while n > 0 {
            let half = n / 2
            let mid = index(low, offsetBy: half)
            if belongsInFirstPartition(self[mid]) {
                low = index(after: mid)
                n -= half + 1
            } else {
                n = half
            }
        }
        return low
    }
}
