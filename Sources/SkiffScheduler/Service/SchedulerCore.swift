import Foundation
import SkiffAPI

/// The scheduler's state and loop, fed by `handle(_:)` with informer events and acting through
/// `SchedulerEffects`. One pod is decided at a time (as upstream); bindings and status writes run
/// concurrently in the loop's task group while the next pod is decided.
package actor SchedulerCore {
    private var cache: SchedulerCache
    private var queue: SchedulingQueue
    private var snapshot = Snapshot()
    private var algorithms: [String: SchedulingAlgorithm] = [:]
    private var priorities = PriorityResolver()
    /// The latest version of every unassigned pod this scheduler is responsible for.
    private var pending: [String: PodInfo] = [:]
    private let effects: any SchedulerEffects
    private let clock: @Sendable () -> Date
    private var waiter: CheckedContinuation<Void, Never>?
    private var signalled = false
    private var lastLeftoverFlush: Date
    package let metricsRegistry: SchedulerMetricsRegistry
    package var metrics: SchedulerMetrics { metricsRegistry.snapshot }

    /// Seconds between flushes of the unschedulable pool (upstream: 30 s, moving pods parked 5 min).
    private static let leftoverFlushInterval: TimeInterval = 30

    package init(configuration: SchedulerConfiguration = SchedulerConfiguration(), effects: any SchedulerEffects,
                 assumedPodTTL: TimeInterval? = 900, clock: @escaping @Sendable () -> Date = { Date() },
                 metrics: SchedulerMetricsRegistry = SchedulerMetricsRegistry()) {
        self.effects = effects
        metricsRegistry = metrics
        self.clock = clock
        cache = SchedulerCache(assumedPodTTL: assumedPodTTL)
        queue = SchedulingQueue(initialBackoff: configuration.podInitialBackoffSeconds, maxBackoff: configuration.podMaxBackoffSeconds)
        lastLeftoverFlush = clock()
        let parallelizer = Parallelizer(parallelism: min(configuration.parallelism, ProcessInfo.processInfo.activeProcessorCount))
        for profile in configuration.profiles {
            algorithms[profile.schedulerName] = SchedulingAlgorithm(framework: Framework(profile: profile), parallelizer: parallelizer)
        }
    }

    package var schedulerNames: Set<String> { Set(algorithms.keys) }

    /// Pods waiting, by queue.
    package func pendingCounts() -> [String: Int] {
        ["active": queue.activeCount, "backoff": queue.backoffCount, "unschedulable": queue.unschedulableCount, "gated": queue.gatedCount]
    }

    // MARK: informer input

    package func handle(_ input: SchedulerInput) {
        let now = clock()
        switch input {
        case .podAdded(let raw):
            podChanged(old: nil, new: raw, now: now)
        case .podUpdated(let old, let new):
            podChanged(old: old, new: new, now: now)
        case .podDeleted(let raw):
            let uid = raw.metadata?.uid ?? ""
            let wasPlaced = cache.pod(uid: uid) != nil
            cache.removePod(uid: uid)
            pending.removeValue(forKey: uid)
            queue.delete(uid: uid)
            if wasPlaced { queue.move(on: .assignedPodDeleted, now: now) }
        case .nodeAdded(let node):
            cache.addNode(node)
            queue.move(on: .nodeAdded, now: now)
        case .nodeUpdated(let old, let new):
            cache.updateNode(new)
            let change = ClusterEvent.NodeChange(old: old, new: new)
            if !change.isEmpty { queue.move(on: .nodeUpdated(change), now: now) }
        case .nodeDeleted(let node):
            cache.removeNode(node.metadata?.name ?? "")
            queue.move(on: .nodeDeleted, now: now)
        case .namespace(let ns, let deleted):
            guard let name = ns.metadata?.name else { break }
            snapshot.namespaceLabels[name] = deleted ? nil : (ns.metadata?.labels ?? [:])
            queue.move(on: .namespaceChanged, now: now)
        case .priorityClass(let pc, let deleted):
            priorities.apply(pc, deleted: deleted)
            // Pods that arrived before their class was known are re-resolved.
            for (uid, p) in pending where p.pod.spec?.priorityClassName == pc.metadata?.name && !cache.isAssumed(uid: uid) {
                let updated = PodInfo(priorities.resolve(p.pod))
                pending[uid] = updated
                queue.update(updated, now: now)
            }
        case .podDisruptionBudget(let pdb, let deleted):
            let key = (pdb.metadata?.namespace ?? "") + "/" + (pdb.metadata?.name ?? "")
            pdbs[key] = deleted ? nil : PodDisruptionBudgetInfo(pdb)
            snapshot.pdbs = Array(pdbs.values)
        case .persistentVolumeClaim(let pvc, let deleted):
            let key = (pvc.metadata?.namespace ?? "") + "/" + (pvc.metadata?.name ?? "")
            snapshot.volumes.claims[key] = deleted ? nil : pvc
            if !deleted { queue.move(on: .volumeChanged, now: now) }
        case .persistentVolume(let pv, let deleted):
            snapshot.volumes.volumes[pv.metadata?.name ?? ""] = deleted ? nil : pv
            if !deleted { queue.move(on: .volumeChanged, now: now) }
        case .storageClass(let sc, let deleted):
            snapshot.volumes.storageClasses[sc.metadata?.name ?? ""] = deleted ? nil : sc
            if !deleted { queue.move(on: .volumeChanged, now: now) }
        }
        if queue.activeCount > 0 { signal() }
    }

    private var pdbs: [String: PodDisruptionBudgetInfo] = [:]

    private func podChanged(old: CoreV1.Pod?, new raw: CoreV1.Pod, now: Date) {
        let pod = PodInfo(priorities.resolve(raw))
        let phase = raw.status?.phase
        let terminal = phase == "Succeeded" || phase == "Failed"
        if !pod.nodeName.isEmpty {
            pending.removeValue(forKey: pod.uid)
            queue.delete(uid: pod.uid)
            if terminal {
                // A finished pod no longer holds resources on its node.
                let wasPlaced = cache.pod(uid: pod.uid) != nil
                cache.removePod(uid: pod.uid)
                if wasPlaced { queue.move(on: .assignedPodDeleted, now: now) }
                return
            }
            let wasAssigned = !(old?.spec?.nodeName ?? "").isEmpty
            cache.addPod(pod)
            queue.move(on: wasAssigned ? .assignedPodUpdated : .assignedPodAdded, now: now)
            return
        }
        guard algorithms[pod.schedulerName] != nil else { return }
        if pod.isTerminating || terminal {
            pending.removeValue(forKey: pod.uid)
            queue.delete(uid: pod.uid)
            return
        }
        pending[pod.uid] = pod
        // Assumed and being bound: the binding decides, not a stale pending update.
        if cache.isAssumed(uid: pod.uid) { return }
        if old == nil {
            queue.add(pod, now: now)
        } else {
            queue.update(pod, now: now)
        }
    }

    // MARK: loop

    /// Schedules pods until the calling task is cancelled; returns after in-flight bindings finish.
    package func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    await self?.tick()
                }
                await self?.signal()
            }
            while !Task.isCancelled {
                guard let item = queue.pop(now: clock()) else {
                    await waitForWork()
                    continue
                }
                if let work = await scheduleOne(item, cycle: queue.schedulingCycle) {
                    group.addTask { await work() }
                }
            }
        }
    }

    /// Periodic housekeeping: back-off expiry, the unschedulable flush, assumed-pod expiry.
    package func tick() {
        let now = clock()
        queue.flushBackoffCompleted(now: now)
        if now.timeIntervalSince(lastLeftoverFlush) >= Self.leftoverFlushInterval {
            queue.flushUnschedulableLeftover(now: now)
            lastLeftoverFlush = now
        }
        if !cache.cleanupExpiredAssumedPods(now: now).isEmpty {
            queue.move(on: .assignedPodDeleted, now: now)
        }
        let counts = pendingCounts()
        metricsRegistry.update { $0.pending = counts }
        if queue.activeCount > 0 { signal() }
    }

    private func signal() {
        if let w = waiter {
            waiter = nil
            w.resume()
        } else {
            signalled = true
        }
    }

    private func waitForWork() async {
        if signalled {
            signalled = false
            return
        }
        await withCheckedContinuation { waiter = $0 }
    }

    /// Decides one pod; returns the side effects to run concurrently.
    private func scheduleOne(_ item: QueuedPodInfo, cycle: Int64) async -> (@Sendable () async -> Void)? {
        guard let current = pending[item.pod.uid], var algorithm = algorithms[current.schedulerName] else { return nil }
        var item = item
        item.pod = current
        let pod = current
        let started = clock()
        cache.updateSnapshot(&snapshot)
        snapshot.nominatedPods = queue.nominatedPods
        let view = snapshot
        let outcome = await algorithm.schedule(pod, snapshot: view)
        let effects = self.effects

        switch outcome {
        case .scheduled(let result):
            algorithms[pod.schedulerName] = algorithm
            observe("scheduled", since: started)
            // Deleted or bound elsewhere while we decided: drop it.
            guard pending[pod.uid] != nil else { return nil }
            var bound = pod.pod
            bound.spec?.nodeName = result.suggestedHost
            do {
                try cache.assume(PodInfo(bound))
            } catch {
                return nil
            }
            queue.clearNomination(uid: pod.uid)
            let host = result.suggestedHost
            let item = item
            return { [weak self] in
                do {
                    try await effects.bind(pod, to: host)
                    await self?.bindingFinished(uid: pod.uid)
                    await effects.recordEvent(pod, type: "Normal", reason: "Scheduled", action: "Binding",
                                              message: "Successfully assigned \(pod.namespace)/\(pod.name) to \(host)")
                } catch {
                    await self?.bindingFailed(item, cycle: cycle, error: error)
                }
            }

        case .unschedulable(var fitError, let state):
            let preemption = algorithm.preempt(pod, state: state, fitError: fitError, snapshot: view)
            algorithms[pod.schedulerName] = algorithm
            observe("unschedulable", since: started)
            // Upstream counts every PostFilter (DefaultPreemption) run as an attempt.
            metricsRegistry.update { $0.preemptionAttempts += 1 }
            fitError.postFilterMessage = preemption.message
            var nomination: String?
            if let node = preemption.nominatedNodeName {
                queue.nominate(pod, node: node)
                nomination = node
                for p in preemption.lowerPriorityNominated { queue.nominate(p, node: nil) }
            } else if !(pod.pod.status?.nominatedNodeName ?? "").isEmpty {
                queue.clearNomination(uid: pod.uid)
                nomination = ""
            }
            guard pending[pod.uid] != nil else { return nil }
            queue.addUnschedulable(item, plugins: fitError.unschedulablePlugins, cycle: cycle, now: clock())
            let message = fitError.message
            let nomination0 = nomination
            return {
                if let node = preemption.nominatedNodeName {
                    for victim in preemption.victims {
                        try? await effects.evict(victim, preemptor: pod, node: node)
                    }
                    for p in preemption.lowerPriorityNominated {
                        try? await effects.updatePodStatus(p, reason: "Unschedulable", message: p.pod.status?.conditions?.first { $0.type == "PodScheduled" }?.message ?? "",
                                                           nominatedNodeName: "")
                    }
                }
                await effects.recordEvent(pod, type: "Warning", reason: "FailedScheduling", action: "Scheduling", message: message)
                try? await effects.updatePodStatus(pod, reason: "Unschedulable", message: message, nominatedNodeName: nomination0)
            }

        case .noNodes:
            observe("unschedulable", since: started)
            guard pending[pod.uid] != nil else { return nil }
            queue.addUnschedulable(item, plugins: [], cycle: cycle, now: clock())
            return {
                await effects.recordEvent(pod, type: "Warning", reason: "FailedScheduling", action: "Scheduling", message: Reasons.noNodesAvailable)
                try? await effects.updatePodStatus(pod, reason: "Unschedulable", message: Reasons.noNodesAvailable, nominatedNodeName: nil)
            }
        }
    }

    private func observe(_ result: String, since started: Date) {
        let seconds = clock().timeIntervalSince(started)
        metricsRegistry.update { $0.observe(result: result, seconds: seconds) }
    }

    private func bindingFinished(uid: String) {
        cache.finishBinding(uid: uid, now: clock())
    }

    private func bindingFailed(_ item: QueuedPodInfo, cycle: Int64, error: any Error) async {
        let now = clock()
        metricsRegistry.update { $0.attempts["error", default: 0] += 1 }
        try? cache.forget(uid: item.pod.uid)
        queue.move(on: .assignedPodDeleted, now: now)
        guard let latest = pending[item.pod.uid] else { return }
        var item = item
        item.pod = latest
        queue.addUnschedulable(item, plugins: [], cycle: cycle, now: now)
        let message = "Binding rejected: \(error)"
        await effects.recordEvent(latest, type: "Warning", reason: "FailedScheduling", action: "Scheduling", message: message)
        try? await effects.updatePodStatus(latest, reason: "SchedulerError", message: message, nominatedNodeName: nil)
    }
}
