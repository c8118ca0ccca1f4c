import Foundation

/// A pod waiting in the queue, with its scheduling history.
package struct QueuedPodInfo: Sendable {
    package var pod: PodInfo
    /// When the pod was (re)queued; orders pods of equal priority and starts the back-off clock.
    package var timestamp: Date
    package var initialAttemptTimestamp: Date?
    package var attempts = 0
    /// Plugins that rejected the pod last time (decides which events re-try it).
    package var unschedulablePlugins: Set<PluginName> = []
    /// `schedulingGates` not empty: not tried until the gates are removed.
    package var gated: Bool { !(pod.pod.spec?.schedulingGates ?? []).isEmpty }
}

/// The scheduling queue (upstream `PriorityQueue`): an active queue ordered by priority then queue
/// time, a back-off queue (1 s doubling to 10 s per failed attempt), and an unschedulable pool
/// re-tried on cluster events that could help or after `maxInUnschedulable` (5 min).
/// Also the nominator: which pods are nominated to which nodes.
///
/// A plain value with an injected clock; the owner serialises access and drives the flushes.
package struct SchedulingQueue: Sendable {
    package var initialBackoff: TimeInterval
    package var maxBackoff: TimeInterval
    package var maxInUnschedulable: TimeInterval

    private var active: [String: QueuedPodInfo] = [:]
    private var heap: [HeapEntry] = []
    private var backoff: [String: QueuedPodInfo] = [:]
    private var unschedulable: [String: QueuedPodInfo] = [:]
    private var sequence: UInt64 = 0
    /// Incremented by every `pop`.
    package private(set) var schedulingCycle: Int64 = 0
    /// The cycle during which the last move request arrived.
    private var moveRequestCycle: Int64 = -1

    private var nominatedNode: [String: String] = [:]
    package private(set) var nominatedPods: [String: [PodInfo]] = [:]

    private struct HeapEntry: Sendable {
        var uid: String
        var priority: Int32
        var timestamp: Date
        var sequence: UInt64

        /// Upstream PrioritySort: higher priority first, then the earlier timestamp.
        func before(_ o: HeapEntry) -> Bool {
            if priority != o.priority { return priority > o.priority }
            if timestamp != o.timestamp { return timestamp < o.timestamp }
            return sequence < o.sequence
        }
    }

    package init(initialBackoff: TimeInterval = 1, maxBackoff: TimeInterval = 10, maxInUnschedulable: TimeInterval = 300) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxInUnschedulable = maxInUnschedulable
    }

    // MARK: counts

    package var activeCount: Int { active.count }
    package var backoffCount: Int { backoff.count }
    package var unschedulableCount: Int { unschedulable.values.filter { !$0.gated }.count }
    package var gatedCount: Int { unschedulable.values.filter(\.gated).count }
    package var isEmpty: Bool { active.isEmpty && backoff.isEmpty && unschedulable.isEmpty }

    package func contains(uid: String) -> Bool {
        active[uid] != nil || backoff[uid] != nil || unschedulable[uid] != nil
    }

    // MARK: adding and removing

    /// A new pending pod.
    package mutating func add(_ pod: PodInfo, now: Date) {
        updateNomination(pod)
        let q = QueuedPodInfo(pod: pod, timestamp: now)
        if q.gated {
            unschedulable[pod.uid] = q
        } else {
            pushActive(q)
        }
    }

    /// The pending pod changed: keep its history; an unschedulable pod is retried at once
    /// (its spec may now fit), a gated one once its gates are gone.
    package mutating func update(_ pod: PodInfo, now: Date) {
        updateNomination(pod)
        let uid = pod.uid
        if var q = active[uid] {
            let reorder = q.pod.priority != pod.priority
            q.pod = pod
            // A priority change needs a fresh heap entry; the stale one is skipped at pop.
            if reorder { pushActive(q) } else { active[uid] = q }
            return
        }
        if var q = backoff[uid] {
            q.pod = pod
            backoff[uid] = q
            return
        }
        if var q = unschedulable.removeValue(forKey: uid) {
            q.pod = pod
            if q.gated {
                unschedulable[uid] = q
            } else if isBackingOff(q, now: now) {
                backoff[uid] = q
            } else {
                q.timestamp = now
                pushActive(q)
            }
            return
        }
        add(pod, now: now)
    }

    /// The pod was deleted or bound by someone else.
    package mutating func delete(uid: String) {
        active.removeValue(forKey: uid)
        backoff.removeValue(forKey: uid)
        unschedulable.removeValue(forKey: uid)
        clearNomination(uid: uid)
    }

    /// The next pod to schedule, or nil when the active queue is empty.
    package mutating func pop(now: Date) -> QueuedPodInfo? {
        while !heap.isEmpty {
            let top = popHeap()
            guard var q = active[top.uid], q.pod.priority == top.priority, q.timestamp == top.timestamp else { continue }
            active.removeValue(forKey: top.uid)
            q.attempts += 1
            if q.initialAttemptTimestamp == nil { q.initialAttemptTimestamp = now }
            schedulingCycle += 1
            return q
        }
        return nil
    }

    /// A pod that could not be scheduled in `cycle`: parked in the unschedulable pool, unless a
    /// move request arrived meanwhile (then it backs off) or no plugin is to blame.
    package mutating func addUnschedulable(_ q: QueuedPodInfo, plugins: Set<PluginName>, cycle: Int64, now: Date) {
        var q = q
        q.unschedulablePlugins = plugins
        q.timestamp = now
        if contains(uid: q.pod.uid) { return }
        if moveRequestCycle >= cycle || plugins.isEmpty {
            requeue(q, now: now)
        } else {
            unschedulable[q.pod.uid] = q
        }
    }

    // MARK: moving

    /// Moves the unschedulable pods this event may help to the active or back-off queue.
    package mutating func move(on event: ClusterEvent, now: Date) {
        for (uid, q) in unschedulable where !q.gated && event.mayHelp(q.unschedulablePlugins) {
            unschedulable.removeValue(forKey: uid)
            requeue(q, now: now)
        }
        moveRequestCycle = schedulingCycle
    }

    /// Pods whose back-off has expired go to the active queue (upstream: every second).
    package mutating func flushBackoffCompleted(now: Date) {
        for (uid, q) in backoff where !isBackingOff(q, now: now) {
            backoff.removeValue(forKey: uid)
            pushActive(q)
        }
    }

    /// Pods parked longer than `maxInUnschedulable` are retried (upstream: checked every 30 s).
    package mutating func flushUnschedulableLeftover(now: Date) {
        for (uid, q) in unschedulable where !q.gated && now.timeIntervalSince(q.timestamp) >= maxInUnschedulable {
            unschedulable.removeValue(forKey: uid)
            requeue(q, now: now)
        }
    }

    /// When the earliest back-off ends (for the owner's timer).
    package var nextBackoffExpiry: Date? {
        backoff.values.map(backoffExpiry).min()
    }

    package func backoffDuration(attempts: Int) -> TimeInterval {
        var d = initialBackoff
        var i = 1
        while i < attempts {
            if d > maxBackoff - d { return maxBackoff }
            d += d
            i += 1
        }
        return min(d, maxBackoff)
    }

    func backoffExpiry(_ q: QueuedPodInfo) -> Date {
        q.timestamp.addingTimeInterval(backoffDuration(attempts: q.attempts))
    }

    func isBackingOff(_ q: QueuedPodInfo, now: Date) -> Bool {
        q.attempts > 0 && backoffExpiry(q) > now
    }

    private mutating func requeue(_ q: QueuedPodInfo, now: Date) {
        if isBackingOff(q, now: now) {
            backoff[q.pod.uid] = q
        } else {
            pushActive(q)
        }
    }

    // MARK: nominator

    /// Records that `pod` waits for room on `node` (preemption), or clears it with nil.
    package mutating func nominate(_ pod: PodInfo, node: String?) {
        clearNomination(uid: pod.uid)
        guard let node, !node.isEmpty else { return }
        nominatedNode[pod.uid] = node
        nominatedPods[node, default: []].append(pod)
    }

    package mutating func clearNomination(uid: String) {
        guard let node = nominatedNode.removeValue(forKey: uid) else { return }
        nominatedPods[node]?.removeAll { $0.uid == uid }
        if nominatedPods[node]?.isEmpty ?? false { nominatedPods.removeValue(forKey: node) }
    }

    package func nominatedNode(of uid: String) -> String? { nominatedNode[uid] }

    private mutating func updateNomination(_ pod: PodInfo) {
        let node = pod.pod.status?.nominatedNodeName ?? ""
        if !node.isEmpty {
            nominate(pod, node: node)
        } else if let current = nominatedNode[pod.uid] {
            // Keep an in-memory nomination the API has not reflected yet, with the fresh pod.
            nominate(pod, node: current)
        }
    }

    // MARK: heap

    private mutating func pushActive(_ q: QueuedPodInfo) {
        active[q.pod.uid] = q
        sequence += 1
        heap.append(HeapEntry(uid: q.pod.uid, priority: q.pod.priority, timestamp: q.timestamp, sequence: sequence))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !heap[i].before(heap[parent]) { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func popHeap() -> HeapEntry {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1
                let r = l + 1
                var m = i
                if l < heap.count && heap[l].before(heap[m]) { m = l }
                if r < heap.count && heap[r].before(heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
