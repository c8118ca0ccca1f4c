import Foundation
import SkiffAPI
import Testing
@testable import SkiffControllers

/// Deployment fixtures: a Deployment and the ReplicaSets it would own.
enum DFx {
    static let uid = "d-uid"

    static func template(_ image: String = "nginx:1.27") -> CoreV1.PodTemplateSpec {
        CoreV1.PodTemplateSpec(metadata: MetaV1.ObjectMeta(labels: ["app": "web"]),
                               spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: image, name: "web")]))
    }

    static func deployment(replicas: Int32 = 3, image: String = "nginx:1.27", surge: IntOrString? = .string("25%"),
                           unavailable: IntOrString? = .string("25%"), recreate: Bool = false, paused: Bool = false,
                           generation: Int64 = 1, status: AppsV1.DeploymentStatus? = nil, historyLimit: Int32 = 10,
                           annotations: [String: String]? = nil) -> AppsV1.Deployment {
        AppsV1.Deployment(
            metadata: MetaV1.ObjectMeta(annotations: annotations, generation: generation, name: "web", namespace: "default", uid: uid),
            spec: AppsV1.DeploymentSpec(
                paused: paused ? true : nil, progressDeadlineSeconds: 600, replicas: replicas, revisionHistoryLimit: historyLimit,
                selector: MetaV1.LabelSelector(matchLabels: ["app": "web"]),
                strategy: recreate ? AppsV1.DeploymentStrategy(type: "Recreate")
                    : AppsV1.DeploymentStrategy(rollingUpdate: AppsV1.RollingUpdateDeployment(maxSurge: surge, maxUnavailable: unavailable),
                                                type: "RollingUpdate"),
                template: template(image)),
            status: status)
    }

    /// A ReplicaSet of `image`'s template owned by the Deployment, `available` of its replicas available.
    static func rs(_ name: String, image: String, replicas: Int32, available: Int32? = nil, revision: Int = 1, age: Double = 600,
                   desired: Int32? = nil, max: Int32? = nil) -> AppsV1.ReplicaSet {
        var t = template(image)
        t.metadata?.labels?["pod-template-hash"] = name
        var annotations = ["deployment.kubernetes.io/revision": String(revision)]
        if let desired { annotations["deployment.kubernetes.io/desired-replicas"] = String(desired) }
        if let max { annotations["deployment.kubernetes.io/max-replicas"] = String(max) }
        let a = available ?? replicas
        return AppsV1.ReplicaSet(
            metadata: MetaV1.ObjectMeta(annotations: annotations, creationTimestamp: Fx.ts(age), generation: 1,
                                        labels: t.metadata?.labels, name: name, namespace: "default",
                                        ownerReferences: [Fx.ownerRef(uid, kind: "Deployment")], resourceVersion: "1", uid: "uid-\(name)"),
            spec: AppsV1.ReplicaSetSpec(replicas: replicas, selector: MetaV1.LabelSelector(matchLabels: t.metadata?.labels), template: t),
            status: AppsV1.ReplicaSetStatus(availableReplicas: a, observedGeneration: 1, readyReplicas: a, replicas: replicas))
    }
}

@Suite("Deployment decisions from lister contents", .timeLimit(.minutes(1)))
struct DeploymentSyncTests {
    let now = Fx.t0
    typealias U = DeploymentUtil

    func plan(_ d: AppsV1.Deployment, _ sets: [AppsV1.ReplicaSet], pods: [CoreV1.Pod] = []) -> DeploymentPlan {
        DeploymentSync.plan(d, replicaSets: sets, pods: pods, now: now)
    }

    func created(_ p: DeploymentPlan) -> [AppsV1.ReplicaSet] {
        p.actions.compactMap { if case .create(let rs) = $0 { rs } else { nil } }
    }

    func events(_ p: DeploymentPlan) -> [String] {
        p.actions.compactMap { if case .event(_, let reason, let message) = $0 { "\(reason): \(message)" } else { nil } }
    }

    @Test("rand.SafeEncodeString maps bytes onto the upstream alphabet; the hash depends on template and collision count")
    func hash() {
        #expect(U.safeEncode("123") == "567")
        #expect(U.safeEncode("4294967295").count == 10)
        let a = U.podTemplateHash(DFx.template(), collisionCount: nil)
        #expect(a == U.podTemplateHash(DFx.template(), collisionCount: nil))
        #expect(a != U.podTemplateHash(DFx.template("nginx:1.28"), collisionCount: nil))
        #expect(a != U.podTemplateHash(DFx.template(), collisionCount: 1))
        #expect(a.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
    }

    @Test("maxSurge rounds up, maxUnavailable rounds down, both zero means one unavailable, capped at replicas")
    func fenceposts() {
        let table: [(Int32, IntOrString, IntOrString, Int32, Int32)] = [
            (10, .string("25%"), .string("25%"), 3, 2),
            (4, .string("25%"), .string("25%"), 1, 1),
            (1, .string("25%"), .string("25%"), 1, 0),
            (10, .string("33%"), .string("33%"), 4, 3),
            (5, .int(0), .int(0), 0, 1),
            (2, .int(0), .int(5), 0, 2),
            (3, .int(2), .string("100%"), 2, 3),
        ]
        for (replicas, surge, unavailable, wantSurge, wantUnavailable) in table {
            let d = DFx.deployment(replicas: replicas, surge: surge, unavailable: unavailable)
            #expect(U.maxSurge(d) == wantSurge, "\(replicas) \(surge)")
            #expect(U.maxUnavailable(d) == wantUnavailable, "\(replicas) \(unavailable)")
        }
        #expect(U.maxSurge(DFx.deployment(recreate: true)) == 0)
        #expect(U.maxUnavailable(DFx.deployment(recreate: true)) == 0)
    }

    @Test("a new Deployment gets one ReplicaSet <name>-<hash> at full size with revision 1 and the replica annotations")
    func firstReplicaSet() throws {
        let d = DFx.deployment(replicas: 3)
        let p = plan(d, [])
        let rs = try #require(created(p).first)
        let hash = U.podTemplateHash(d.spec?.template, collisionCount: nil)
        #expect(rs.metadata?.name == "web-\(hash)")
        #expect(rs.spec?.replicas == 3)
        #expect(rs.metadata?.labels == ["app": "web", "pod-template-hash": hash])
        #expect(rs.spec?.selector?.matchLabels == ["app": "web", "pod-template-hash": hash])
        #expect(rs.spec?.template?.metadata?.labels?["pod-template-hash"] == hash)
        #expect(rs.metadata?.annotations == ["deployment.kubernetes.io/revision": "1", "deployment.kubernetes.io/desired-replicas": "3",
                                             "deployment.kubernetes.io/max-replicas": "4"])
        #expect(rs.metadata?.ownerReferences?.first?.kind == "Deployment")
        #expect(events(p) == ["ScalingReplicaSet: Scaled up replica set web-\(hash) from 0 to 3"])
        let updated = try #require(p.updated)
        #expect(updated.metadata?.annotations?["deployment.kubernetes.io/revision"] == "1")
        let progressing = try #require(U.condition(updated.status, "Progressing"))
        #expect(progressing.reason == "NewReplicaSetCreated" && progressing.status == "True")
        #expect(progressing.message == "Created new replica set \"web-\(hash)\"")
        #expect(U.condition(updated.status, "Available")?.reason == "MinimumReplicasUnavailable")
        #expect(updated.status?.observedGeneration == 1)
    }

    @Test("a template change creates the new ReplicaSet within maxSurge and scales the old one down within maxUnavailable")
    func rollingStep() throws {
        let d = DFx.deployment(replicas: 10, image: "nginx:1.28")
        let old = DFx.rs("old", image: "nginx:1.27", replicas: 10, desired: 10, max: 13)
        let p = plan(d, [old])
        let rs = try #require(created(p).first)
        #expect(rs.spec?.replicas == 3)  // 10 + 3 surge − 10 current
        #expect(rs.metadata?.annotations?["deployment.kubernetes.io/revision"] == "2")
        #expect(p.scaled == ["old": 8])  // 10 available − 8 minimum available
        #expect(p.updated?.metadata?.annotations?["deployment.kubernetes.io/revision"] == "2")

        // Next step: the new pods are not available yet, so the total may grow to 13 only.
        let newRS = DFx.rs("new", image: "nginx:1.28", replicas: 3, available: 0, revision: 2, age: 10, desired: 10, max: 13)
        let step = plan(d, [DFx.rs("old", image: "nginx:1.27", replicas: 8, desired: 10, max: 13), newRS])
        #expect(step.scaled == ["new": 5])
        #expect(created(step).isEmpty)
        // With all 13 present and none of the new available, nothing may go.
        let stuck = plan(d, [DFx.rs("old", image: "nginx:1.27", replicas: 8, desired: 10, max: 13),
                             DFx.rs("new", image: "nginx:1.28", replicas: 5, available: 0, revision: 2, age: 10, desired: 10, max: 13)])
        #expect(stuck.scaled.isEmpty)
        // Unavailable old pods are removed first, without waiting.
        let unhealthy = plan(d, [DFx.rs("old", image: "nginx:1.27", replicas: 8, available: 6, desired: 10, max: 13),
                                 DFx.rs("new", image: "nginx:1.28", replicas: 5, available: 5, revision: 2, age: 10, desired: 10, max: 13)])
        #expect(unhealthy.scaled == ["old": 3])  // 13 − 8 min − 0 new unavailable = 5 may go: 2 unhealthy + 3 available above the minimum
    }

    @Test("Recreate scales every old ReplicaSet to zero first and creates the new one only when their pods are gone")
    func recreate() throws {
        let d = DFx.deployment(replicas: 2, image: "nginx:1.28", recreate: true)
        let first = plan(d, [DFx.rs("old", image: "nginx:1.27", replicas: 2)])
        #expect(first.scaled == ["old": 0])
        #expect(created(first).isEmpty)
        var running = Fx.pod("old-a", ownerUID: "uid-old", phase: "Running")
        running.metadata?.ownerReferences = [Fx.ownerRef("uid-old", name: "old")]
        let waiting = plan(d, [DFx.rs("old", image: "nginx:1.27", replicas: 0, available: 0)], pods: [running])
        #expect(created(waiting).isEmpty)
        let gone = plan(d, [DFx.rs("old", image: "nginx:1.27", replicas: 0, available: 0)])
        #expect(created(gone).first?.spec?.replicas == 2)
    }

    @Test("scaling during a rollout spreads the new replicas proportionally to the ReplicaSets' sizes")
    func proportional() {
        let d = DFx.deployment(replicas: 15, image: "nginx:1.28", status: AppsV1.DeploymentStatus(replicas: 13))
        let p = plan(d, [DFx.rs("old", image: "nginx:1.27", replicas: 8, desired: 10, max: 13),
                         DFx.rs("new", image: "nginx:1.28", replicas: 5, available: 0, revision: 2, age: 10, desired: 10, max: 13)])
        // 15 + 4 surge = 19 allowed, 6 to add: old 8·19/13 ≈ 12 (+4), new gets the other 2.
        #expect(p.scaled == ["old": 12, "new": 7])
        #expect(events(p).contains("ScalingReplicaSet: Scaled up replica set old from 8 to 12"))
    }

    @Test("rolling back to an old template reuses its ReplicaSet with the next revision and records the former in revision-history")
    func rollback() throws {
        let d = DFx.deployment(replicas: 2, image: "nginx:1.27")
        let p = plan(d, [DFx.rs("v1", image: "nginx:1.27", replicas: 0, available: 0, revision: 1, age: 600),
                         DFx.rs("v2", image: "nginx:1.28", replicas: 2, revision: 2, age: 300, desired: 2, max: 3)])
        #expect(created(p).isEmpty)
        let updates = p.actions.compactMap { a -> AppsV1.ReplicaSet? in
            if case .update(let rs) = a, rs.metadata?.name == "v1" { rs } else { nil }
        }
        let v1 = try #require(updates.first)
        #expect(v1.metadata?.annotations?["deployment.kubernetes.io/revision"] == "3")
        #expect(v1.metadata?.annotations?["deployment.kubernetes.io/revision-history"] == "1")
        #expect(v1.spec?.replicas == 1)  // within surge: 2 + 1 − 2 present
        #expect(p.updated?.metadata?.annotations?["deployment.kubernetes.io/revision"] == "3")
    }

    @Test("a complete rollout deletes idle ReplicaSets beyond revisionHistoryLimit, oldest revisions first")
    func historyCleanup() {
        let status = AppsV1.DeploymentStatus(availableReplicas: 2, observedGeneration: 1, readyReplicas: 2, replicas: 2, updatedReplicas: 2)
        let d = DFx.deployment(replicas: 2, image: "nginx:1.30", status: status, historyLimit: 1)
        let sets = (1...3).map { DFx.rs("v\($0)", image: "nginx:1.2\($0)", replicas: 0, available: 0, revision: $0, age: Double(1000 - $0)) }
            + [DFx.rs("v4", image: "nginx:1.30", replicas: 2, revision: 4, age: 10, desired: 2, max: 3)]
        let p = plan(d, sets)
        let deleted = p.actions.compactMap { if case .delete(let n) = $0 { n } else { nil } }
        #expect(deleted == ["v1", "v2"])
    }

    @Test("conditions: complete → NewReplicaSetAvailable; no progress past the deadline → ProgressDeadlineExceeded; paused → DeploymentPaused")
    func conditions() throws {
        let rs = DFx.rs("v1", image: "nginx:1.27", replicas: 2, desired: 2, max: 3)
        let done = plan(DFx.deployment(replicas: 2), [rs])
        let progressing = try #require(U.condition(done.updated?.status, "Progressing"))
        #expect(progressing.reason == "NewReplicaSetAvailable" && progressing.message == "ReplicaSet \"v1\" has successfully progressed.")
        #expect(U.condition(done.updated?.status, "Available")?.status == "True")
        #expect(done.updated?.status?.availableReplicas == 2 && done.updated?.status?.updatedReplicas == 2)

        let stale = AppsV1.DeploymentStatus(
            availableReplicas: 0, conditions: [AppsV1.DeploymentCondition(lastTransitionTime: Fx.ts(700), lastUpdateTime: Fx.ts(700),
                                                                          message: "x", reason: "ReplicaSetUpdated", status: "True", type: "Progressing")],
            observedGeneration: 1, readyReplicas: 0, replicas: 2, unavailableReplicas: 2, updatedReplicas: 2)
        let stuck = plan(DFx.deployment(replicas: 2, status: stale), [DFx.rs("v1", image: "nginx:1.27", replicas: 2, available: 0, desired: 2, max: 3)])
        let timedOut = try #require(U.condition(stuck.updated?.status, "Progressing"))
        #expect(timedOut.reason == "ProgressDeadlineExceeded" && timedOut.status == "False")
        #expect(timedOut.message == "ReplicaSet \"v1\" has timed out progressing.")

        let paused = plan(DFx.deployment(replicas: 2, image: "nginx:1.28", paused: true), [rs])
        #expect(created(paused).isEmpty)
        #expect(U.condition(paused.updated?.status, "Progressing")?.reason == "DeploymentPaused")
    }

    @Test("an orphan ReplicaSet matching the selector is adopted; an owned one that stopped matching is released")
    func claims() {
        var orphan = DFx.rs("orphan", image: "nginx:1.27", replicas: 3, desired: 3, max: 4)
        orphan.metadata?.ownerReferences = nil
        var stray = DFx.rs("stray", image: "nginx:1.26", replicas: 0)
        stray.metadata?.labels = ["app": "other"]
        let p = plan(DFx.deployment(replicas: 3), [orphan, stray])
        #expect(p.actions.contains(.adopt("orphan")))
        #expect(p.actions.contains(.release("stray")))
        #expect(created(p).isEmpty)
    }
}
