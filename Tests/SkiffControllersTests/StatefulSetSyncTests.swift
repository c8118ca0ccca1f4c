import Foundation
import SkiffAPI
import Testing
@testable import SkiffControllers

@Suite("StatefulSet decisions from lister contents", .timeLimit(.minutes(1)))
struct StatefulSetSyncTests {
    static func set(replicas: Int32 = 3, policy: String? = nil, strategy: String = "RollingUpdate", partition: Int32? = nil,
                    maxUnavailable: IntOrString? = nil) -> AppsV1.StatefulSet {
        var s = AppsV1.StatefulSet(metadata: MetaV1.ObjectMeta(generation: 2, name: "web", namespace: "default", uid: "set-uid"))
        var spec = AppsV1.StatefulSetSpec(selector: MetaV1.LabelSelector(matchLabels: ["app": "web"]),
                                          template: CoreV1.PodTemplateSpec(metadata: MetaV1.ObjectMeta(labels: ["app": "web"]),
                                                                           spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx", name: "main")])))
        spec.replicas = replicas
        spec.podManagementPolicy = policy
        spec.serviceName = "web-svc"
        spec.updateStrategy = AppsV1.StatefulSetUpdateStrategy(
            rollingUpdate: strategy == "RollingUpdate" ? AppsV1.RollingUpdateStatefulSetStrategy(maxUnavailable: maxUnavailable, partition: partition) : nil,
            type: strategy)
        s.spec = spec
        return s
    }

    static func pod(_ ordinal: Int, rev: String = "r2", ready: Bool = true, phase: String = "Running", deleting: Bool = false) -> CoreV1.Pod {
        var p = DSFx.pod("web-\(ordinal)", node: "n1", hash: rev, phase: phase, ready: ready, deleting: deleting)
        p.metadata?.ownerReferences = [StatefulSetSync.controllerRef(set())]
        return p
    }

    func plan(_ s: AppsV1.StatefulSet, _ pods: [CoreV1.Pod], current: String = "r2") -> StatefulSetPlan {
        StatefulSetSync.plan(s, pods: pods, currentHash: current, updateHash: "r2", expectationsSatisfied: true, now: Fx.t0)
    }

    @Test("OrderedReady creates the lowest missing ordinal and waits for each pod to be running and ready; Parallel creates all")
    func ordered() {
        #expect(plan(Self.set(), []).create == [0])
        #expect(plan(Self.set(), [Self.pod(0, ready: false)]).create.isEmpty)
        #expect(plan(Self.set(), [Self.pod(0)]).create == [1])
        #expect(plan(Self.set(), [Self.pod(0), Self.pod(2)]).create == [1])
        #expect(plan(Self.set(policy: "Parallel"), [Self.pod(1, ready: false)]).create == [0, 2])
        var offset = Self.set(replicas: 2)
        offset.spec?.ordinals = AppsV1.StatefulSetOrdinals(start: 5)
        #expect(plan(offset, []).create == [5])
    }

    @Test("scale-down deletes the highest ordinal first, one at a time in OrderedReady, all at once in Parallel; failed pods are replaced")
    func scaleDown() {
        let pods = (0..<4).map { Self.pod($0) }
        let one = plan(Self.set(replicas: 2), pods)
        #expect(one.delete == ["web-3"] && one.condemned == ["web-3"])
        #expect(plan(Self.set(replicas: 2), Array(pods.prefix(3)) + [Self.pod(3, deleting: true)]).delete.isEmpty)
        #expect(plan(Self.set(replicas: 2, policy: "Parallel"), pods).delete == ["web-3", "web-2"])
        #expect(plan(Self.set(), [Self.pod(0), Self.pod(1, phase: "Failed")]).delete == ["web-1"])
    }

    @Test("a rolling update replaces pods from the highest ordinal down to the partition, one unavailable at a time; OnDelete waits")
    func rolling() {
        let old = (0..<3).map { Self.pod($0, rev: "r1") }
        #expect(plan(Self.set(), old, current: "r1").delete == ["web-2"])
        #expect(plan(Self.set(), [Self.pod(0, rev: "r1"), Self.pod(1, rev: "r1"), Self.pod(2, ready: false)], current: "r1").delete.isEmpty)
        #expect(plan(Self.set(), [Self.pod(0, rev: "r1"), Self.pod(1, rev: "r1"), Self.pod(2)], current: "r1").delete == ["web-1"])
        #expect(plan(Self.set(partition: 2), [Self.pod(0, rev: "r1"), Self.pod(1, rev: "r1"), Self.pod(2)], current: "r1").delete.isEmpty)
        #expect(plan(Self.set(maxUnavailable: .int(2)), old, current: "r1").delete == ["web-2", "web-1"])
        #expect(plan(Self.set(strategy: "OnDelete"), old, current: "r1").delete.isEmpty)
    }

    @Test("status counts replicas by revision and moves currentRevision to the update revision once every pod is updated and ready")
    func status() {
        let mid = plan(Self.set(), [Self.pod(0, rev: "r1"), Self.pod(1, rev: "r1"), Self.pod(2, ready: false)], current: "r1").status
        #expect(mid.replicas == 3 && mid.readyReplicas == 2 && mid.currentReplicas == 2 && mid.updatedReplicas == 1)
        #expect(mid.currentRevision == "r1" && mid.updateRevision == "r2" && mid.observedGeneration == 2)
        let done = plan(Self.set(), (0..<3).map { Self.pod($0) }, current: "r1").status
        #expect(done.currentRevision == "r2" && done.currentReplicas == 3 && done.availableReplicas == 3)
    }

    @Test("pods get stable names, hostname, subdomain and claim volumes; claims are named <template>-<set>-<ordinal>")
    func identity() {
        var s = Self.set()
        s.spec?.volumeClaimTemplates = [CoreV1.PersistentVolumeClaim(metadata: MetaV1.ObjectMeta(name: "data"), spec: CoreV1.PersistentVolumeClaimSpec(accessModes: ["ReadWriteOnce"]))]
        s.spec?.persistentVolumeClaimRetentionPolicy = AppsV1.StatefulSetPersistentVolumeClaimRetentionPolicy(whenDeleted: "Delete", whenScaled: "Retain")
        let p = StatefulSetSync.pod(s, template: s.spec?.template, ordinal: 1, hash: "web-abc")
        #expect(p.metadata?.name == "web-1" && p.spec?.hostname == "web-1" && p.spec?.subdomain == "web-svc")
        #expect(p.metadata?.labels?["statefulset.kubernetes.io/pod-name"] == "web-1" && p.metadata?.labels?["apps.kubernetes.io/pod-index"] == "1")
        #expect(p.metadata?.labels?["controller-revision-hash"] == "web-abc")
        #expect(p.spec?.volumes?.first?.persistentVolumeClaim?.claimName == "data-web-1")
        let claims = StatefulSetSync.claims(s, ordinal: 1)
        #expect(claims.map { $0.metadata?.name } == ["data-web-1"])
        #expect(claims.first?.metadata?.labels == ["app": "web"] && claims.first?.metadata?.ownerReferences?.first?.kind == "StatefulSet")
        #expect(StatefulSetSync.ordinal(p, set: "web") == 1)
        #expect(StatefulSetSync.ordinal(Self.pod(0), set: "we") == nil)
    }
}
