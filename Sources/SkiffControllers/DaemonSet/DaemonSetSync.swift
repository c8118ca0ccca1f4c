import Foundation
import SkiffAPI

/// What one sync of a DaemonSet should do, from lister contents alone (upstream `manage`,
/// `podsShouldBeOnNode`, `rollingUpdate` and `updateDaemonSetStatus`).
struct DaemonSetPlan: Equatable, Sendable {
    /// Nodes that get a new pod.
    var createOn: [String] = []
    /// Pods to delete.
    var delete: [String] = []
    /// Failed pods among `delete` with their node (the controller backs off and records an event).
    var failed: [FailedPod] = []
    var status = AppsV1.DaemonSetStatus()
    /// Look again when a ready pod will have become available (minReadySeconds).
    var requeueAfter: Duration?

    struct FailedPod: Equatable, Sendable {
        var pod: String
        var node: String
    }
}

enum DaemonSetSync {
    static let templateGenerationLabel = "pod-template-generation"

    /// `pods`: the pods the DaemonSet controls. `hash`: the current revision's hash.
    /// `expectationsSatisfied`: false while earlier creates/deletes are unobserved (status only).
    static func plan(_ ds: AppsV1.DaemonSet, nodes: [CoreV1.Node], pods: [CoreV1.Pod], hash: String,
                     expectationsSatisfied: Bool, now: Date) -> DaemonSetPlan {
        var plan = DaemonSetPlan()
        let spec = DaemonNodes.withTolerations(ds.spec?.template?.spec)
        let nodes = nodes.sorted { ($0.metadata?.name ?? "") < ($1.metadata?.name ?? "") }
        // Terminal pods being deleted are gone as far as the controller is concerned.
        let live = pods.filter { !($0.isTerminating && ($0.phase == "Succeeded" || $0.phase == "Failed")) }
        var byNode: [String: [CoreV1.Pod]] = [:]
        for p in live {
            guard let n = DaemonNodes.targetNode(p) else { continue }
            byNode[n, default: []].append(p)
        }
        let surge = allowsSurge(ds)
        let minReady = ds.spec?.minReadySeconds ?? 0

        if expectationsSatisfied, ds.metadata?.deletionTimestamp == nil {
            let names = Set(nodes.compactMap { $0.metadata?.name })
            for node in nodes {
                let name = node.metadata?.name ?? ""
                let (run, keep) = DaemonNodes.shouldRun(node, spec: spec)
                let here = byNode[name]
                if run && here == nil {
                    plan.createOn.append(name)
                } else if keep {
                    var running: [CoreV1.Pod] = []
                    for p in here ?? [] where !p.isTerminating {
                        if p.phase == "Failed" {
                            plan.failed.append(.init(pod: p.name, node: name))
                        } else if p.phase == "Succeeded" {
                            plan.delete.append(p.name)
                        } else {
                            running.append(p)
                        }
                    }
                    guard running.count > 1 else { continue }
                    let sorted = running.sorted(by: olderFirst)
                    if !surge {
                        plan.delete += sorted.dropFirst().map(\.name)
                    } else {
                        // Two pods only while the new one is not yet available and the old one is ready.
                        var oldestNew: CoreV1.Pod?, oldestOld: CoreV1.Pod?
                        for p in sorted {
                            if p.labels[ControllerHistory.hashLabel] == hash {
                                if oldestNew == nil { oldestNew = p; continue }
                            } else if oldestOld == nil {
                                oldestOld = p
                                continue
                            }
                            plan.delete.append(p.name)
                        }
                        if let n = oldestNew, let o = oldestOld,
                           !o.isReady || n.isAvailable(minReadySeconds: minReady, now: now) {
                            plan.delete.append(o.name)
                        }
                    }
                } else if !keep, let here {
                    plan.delete += here.filter { !$0.isTerminating }.map(\.name)
                }
            }
            // Pods whose node is gone.
            for (node, ps) in byNode.sorted(by: { $0.key < $1.key }) where !names.contains(node) {
                plan.delete += ps.filter { !$0.isTerminating }.map(\.name)
            }
            plan.delete += plan.failed.map(\.pod)
            // The rolling update runs only once the manage step has nothing left to do.
            if plan.createOn.isEmpty && plan.delete.isEmpty, updateStrategy(ds) == "RollingUpdate" {
                let (create, delete) = rollingUpdate(ds, nodes: nodes, spec: spec, byNode: byNode, hash: hash, now: now)
                plan.createOn = create
                plan.delete = delete
            }
        }

        plan.status = status(ds, nodes: nodes, spec: spec, byNode: byNode, hash: hash, now: now)
        if minReady > 0, plan.status.numberReady != plan.status.numberAvailable {
            plan.requeueAfter = .seconds(Int(minReady))
        }
        return plan
    }

    static func updateStrategy(_ ds: AppsV1.DaemonSet) -> String { ds.spec?.updateStrategy?.type ?? "RollingUpdate" }

    static func allowsSurge(_ ds: AppsV1.DaemonSet) -> Bool {
        guard updateStrategy(ds) == "RollingUpdate", let s = ds.spec?.updateStrategy?.rollingUpdate?.maxSurge else { return false }
        return (scaled(s, total: 1) ?? 0) > 0
    }

    /// `GetScaledValueFromIntOrPercent(_, total, roundUp: true)`; nil for a malformed percentage.
    static func scaled(_ v: IntOrString, total: Int) -> Int? {
        switch v {
        case .int(let i): return Int(i)
        case .string(let s):
            guard s.hasSuffix("%"), let p = Int(s.dropLast()) else { return nil }
            return (p * total + 99) / 100
        }
    }

    /// (maxSurge, maxUnavailable) for `desired` nodes (`updatedDesiredNodeCounts`).
    static func limits(_ ds: AppsV1.DaemonSet, desired: Int) -> (surge: Int, unavailable: Int) {
        let ru = ds.spec?.updateStrategy?.rollingUpdate
        let surge = ru?.maxSurge.flatMap { scaled($0, total: desired) } ?? 0
        var unavailable = ru?.maxUnavailable.flatMap { scaled($0, total: desired) } ?? (ru?.maxUnavailable == nil ? 1 : 0)
        // An impossible configuration falls back to one at a time, as upstream.
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (max(0, surge), max(0, unavailable))
    }

    /// `findUpdatedPodsOnNode`: the one new and one old non-terminating pod, or nil when there are more.
    static func updatedPods(_ pods: [CoreV1.Pod], hash: String) -> (new: CoreV1.Pod?, old: CoreV1.Pod?)? {
        var new: CoreV1.Pod?, old: CoreV1.Pod?
        for p in pods where !p.isTerminating {
            if p.labels[ControllerHistory.hashLabel] == hash {
                if new != nil { return nil }
                new = p
            } else {
                if old != nil { return nil }
                old = p
            }
        }
        return (new, old)
    }

    /// Upstream `rollingUpdate`: without surge, delete old pods while at most maxUnavailable
    /// are unavailable (unavailable old pods always); with surge, create new pods next to
    /// old ones up to maxSurge and delete an old pod once its replacement is available.
    static func rollingUpdate(_ ds: AppsV1.DaemonSet, nodes: [CoreV1.Node], spec: CoreV1.PodSpec,
                              byNode: [String: [CoreV1.Pod]], hash: String, now: Date) -> (create: [String], delete: [String]) {
        var byNode = byNode
        var desired = 0
        for node in nodes where DaemonNodes.shouldRun(node, spec: spec).run {
            desired += 1
            let name = node.metadata?.name ?? ""
            if byNode[name] == nil { byNode[name] = [] }
        }
        let (maxSurge, maxUnavailable) = limits(ds, desired: desired)
        let minReady = ds.spec?.minReadySeconds ?? 0
        let entries = byNode.sorted { $0.key < $1.key }
        if maxSurge == 0 {
            var unavailable = 0
            var replace: [String] = [], candidates: [String] = []
            for (_, pods) in entries {
                guard let (new, old) = updatedPods(pods, hash: hash) else { unavailable += 1; continue }
                switch (new, old) {
                case (nil, nil), (.some, .some): unavailable += 1
                case (let n?, nil): if !n.isAvailable(minReadySeconds: minReady, now: now) { unavailable += 1 }
                case (nil, let o?):
                    if !o.isAvailable(minReadySeconds: minReady, now: now) {
                        replace.append(o.name)
                    } else if unavailable < maxUnavailable {
                        candidates.append(o.name)
                    }
                }
            }
            let room = min(max(0, maxUnavailable - unavailable), candidates.count)
            return ([], replace + candidates.prefix(room))
        }
        var surged = 0
        var create: [String] = [], delete: [String] = []
        for (node, pods) in entries {
            guard let (new, old) = updatedPods(pods, hash: hash) else { surged += 1; continue }
            guard let old else { continue }
            if let new {
                if new.isAvailable(minReadySeconds: minReady, now: now) { delete.append(old.name) } else { surged += 1 }
            } else if !old.isAvailable(minReadySeconds: minReady, now: now) {
                create.append(node)
            } else if surged < maxSurge {
                surged += 1
                create.append(node)
            }
        }
        return (create, delete)
    }

    /// Upstream `updateDaemonSetStatus` counters from the oldest pod on each node.
    static func status(_ ds: AppsV1.DaemonSet, nodes: [CoreV1.Node], spec: CoreV1.PodSpec,
                       byNode: [String: [CoreV1.Pod]], hash: String, now: Date) -> AppsV1.DaemonSetStatus {
        var s = ds.status ?? AppsV1.DaemonSetStatus()
        var desired: Int32 = 0, current: Int32 = 0, misscheduled: Int32 = 0
        var ready: Int32 = 0, available: Int32 = 0, updated: Int32 = 0
        let minReady = ds.spec?.minReadySeconds ?? 0
        for node in nodes {
            let here = byNode[node.metadata?.name ?? ""] ?? []
            if DaemonNodes.shouldRun(node, spec: spec).run {
                desired += 1
                guard let pod = here.sorted(by: olderFirst).first else { continue }
                current += 1
                if pod.isReady {
                    ready += 1
                    if pod.isAvailable(minReadySeconds: minReady, now: now) { available += 1 }
                }
                if pod.labels[ControllerHistory.hashLabel] == hash { updated += 1 }
            } else if !here.isEmpty {
                misscheduled += 1
            }
        }
        s.desiredNumberScheduled = desired
        s.currentNumberScheduled = current
        s.numberMisscheduled = misscheduled
        s.numberReady = ready
        s.numberAvailable = available
        s.updatedNumberScheduled = updated
        s.numberUnavailable = desired - available
        s.observedGeneration = ds.metadata?.generation
        return s
    }

    /// `podByCreationTimestampAndPhase`: running/assigned pods first among equals, then oldest, then name.
    static func olderFirst(_ a: CoreV1.Pod, _ b: CoreV1.Pod) -> Bool {
        let ta = KubeTime.parse(a.metadata?.creationTimestamp) ?? .distantFuture
        let tb = KubeTime.parse(b.metadata?.creationTimestamp) ?? .distantFuture
        if ta != tb { return ta < tb }
        return a.name < b.name
    }

    /// The pod to create on `node` (`CreatePodTemplate` + the pinned node affinity).
    static func pod(for ds: AppsV1.DaemonSet, node: String, hash: String) -> CoreV1.Pod {
        let template = ds.spec?.template
        var meta = MetaV1.ObjectMeta()
        var labels = template?.metadata?.labels ?? [:]
        if let g = ds.metadata?.generation { labels[templateGenerationLabel] = String(g) }
        labels[ControllerHistory.hashLabel] = hash
        meta.labels = labels
        meta.annotations = template?.metadata?.annotations
        meta.finalizers = template?.metadata?.finalizers
        meta.generateName = "\(ds.metadata?.name ?? "")-"
        meta.namespace = ds.metadata?.namespace
        meta.ownerReferences = [controllerRef(ds)]
        var spec = DaemonNodes.withTolerations(template?.spec)
        spec.affinity = DaemonNodes.pinned(spec.affinity, to: node)
        return CoreV1.Pod(metadata: meta, spec: spec)
    }

    static func controllerRef(_ ds: AppsV1.DaemonSet) -> MetaV1.OwnerReference {
        MetaV1.OwnerReference(apiVersion: "apps/v1", blockOwnerDeletion: true, controller: true, kind: "DaemonSet",
                              name: ds.metadata?.name, uid: ds.metadata?.uid)
    }
}
