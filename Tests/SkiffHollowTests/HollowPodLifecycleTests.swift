import Foundation
import SkiffAPI
import Testing
@testable import SkiffHollow

@Suite("Hollow pod lifecycle", .timeLimit(.minutes(1)))
struct HollowPodLifecycleTests {
    let t0 = Fixture.t0

    @Test("a pod bound to the node becomes Running and Ready with the kubelet's conditions and container statuses")
    func runningAndReady() throws {
        var sim = HollowPod(uid: "uid-1")
        let actions = sim.sync(pod: Fixture.pod(containers: ["sidecar", "app"]), node: Fixture.node, podIP: "10.42.0.2", now: t0)
        let status = try #require(actions.status)
        #expect(status.phase == "Running")
        #expect(status.conditions?.map(\.type) == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"])
        #expect(status.conditions?.allSatisfy { $0.status == "True" } == true)
        #expect(status.condition("Ready")?.lastTransitionTime == KubeTime.format(t0))
        #expect(status.condition("PodScheduled")?.lastTransitionTime == KubeTime.format(t0.addingTimeInterval(-1)))
        #expect(status.podIP == "10.42.0.2")
        #expect(status.podIPs == [CoreV1.PodIP(ip: "10.42.0.2")])
        #expect(status.hostIP == "172.16.0.1")
        #expect(status.hostIPs == [CoreV1.HostIP(ip: "172.16.0.1")])
        #expect(status.startTime == KubeTime.format(t0))
        #expect(status.qosClass == "BestEffort")
        #expect(status.observedGeneration == 1)
        // Sorted by name, as the kubelet reports them.
        #expect(status.containerStatuses?.map(\.name) == ["app", "sidecar"])
        let app = try #require(status.container("app"))
        #expect(app.image == "docker.io/library/nginx:latest")
        #expect(app.imageID?.hasPrefix("docker.io/library/nginx@sha256:") == true)
        #expect(app.containerID?.hasPrefix("skiff://") == true)
        #expect(app.containerID?.count == "skiff://".count + 64)
        #expect(app.state?.running?.startedAt == KubeTime.format(t0))
        #expect(app.started == true)
        #expect(app.ready == true)
        #expect(app.restartCount == 0)
        #expect(actions.requeue == nil)
    }

    @Test("syncing again without a change writes nothing, also before the informer shows our write")
    func idempotent() {
        var sim = HollowPod(uid: "uid-1")
        let pod = Fixture.pod()
        let first = sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0)
        #expect(sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(5)).isEmpty)
        let written = Fixture.applying(first, to: pod)
        #expect(sim.sync(pod: written, node: Fixture.node, podIP: "10.42.0.2", now: t0.addingTimeInterval(9)).isEmpty)
    }

    @Test("a failed status write is written again on the next sync")
    func retryAfterFailedWrite() {
        var sim = HollowPod(uid: "uid-1")
        let pod = Fixture.pod()
        _ = sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0)
        sim.statusWriteFailed()
        #expect(sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0).status?.phase == "Running")
    }

    @Test("without a free pod IP the pod stays Pending with containers waiting in ContainerCreating")
    func pendingWithoutIP() throws {
        var sim = HollowPod(uid: "uid-1")
        let status = try #require(sim.sync(pod: Fixture.pod(), node: Fixture.node, podIP: nil, now: t0).status)
        #expect(status.phase == "Pending")
        #expect(status.podIP == nil)
        #expect(status.startTime == KubeTime.format(t0))
        #expect(status.container("app")?.state?.waiting?.reason == "ContainerCreating")
        #expect(status.condition("PodReadyToStartContainers")?.status == "False")
        #expect(status.condition("Ready")?.reason == "ContainersNotReady")
        #expect(status.condition("Ready")?.message == "containers with unready status: [app]")
        let later = try #require(sim.sync(pod: Fixture.pod(), node: Fixture.node, podIP: "10.42.0.9", now: t0.addingTimeInterval(3)).status)
        #expect(later.phase == "Running")
        #expect(later.startTime == KubeTime.format(t0))
        #expect(later.container("app")?.state?.running?.startedAt == KubeTime.format(t0.addingTimeInterval(3)))
    }

    @Test("never-ready keeps the containers running but the pod unready")
    func neverReady() throws {
        var sim = HollowPod(uid: "uid-1")
        let pod = Fixture.pod(containers: ["b", "a"], annotations: [HollowBehavior.neverReadyAnnotation: "true"])
        let status = try #require(sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0).status)
        #expect(status.phase == "Running")
        #expect(status.container("a")?.started == true)
        #expect(status.container("a")?.ready == false)
        #expect(status.condition("ContainersReady")?.status == "False")
        #expect(status.condition("ContainersReady")?.reason == "ContainersNotReady")
        #expect(status.condition("Ready")?.message == "containers with unready status: [b a]")
        #expect(status.condition("Initialized")?.status == "True")
    }

    @Test("init containers complete before the main containers start; a sidecar keeps running")
    func initContainers() throws {
        var sim = HollowPod(uid: "uid-1")
        let pod = Fixture.pod(initContainers: [
            CoreV1.Container(image: "busybox", name: "setup"),
            CoreV1.Container(image: "envoy", name: "proxy", restartPolicy: "Always"),
        ])
        let status = try #require(sim.sync(pod: pod, node: Fixture.node, podIP: "10.42.0.2", now: t0).status)
        #expect(status.initContainerStatuses?.map(\.name) == ["setup", "proxy"])
        let setup = try #require(status.initContainerStatuses?.first)
        #expect(setup.state?.terminated?.exitCode == 0)
        #expect(setup.state?.terminated?.reason == "Completed")
        #expect(setup.ready == true)
        #expect(setup.started == false)
        let proxy = try #require(status.initContainerStatuses?.last)
        #expect(proxy.state?.running != nil)
        #expect(proxy.started == true)
        #expect(status.condition("Initialized")?.status == "True")
        #expect(status.phase == "Running")
    }

    @Test("Ready waits for the pod's readiness gates")
    func readinessGates() throws {
        var sim = HollowPod(uid: "uid-1")
        let status = try #require(sim.sync(pod: Fixture.pod(readinessGates: ["example.com/lb"]), node: Fixture.node,
                                           podIP: "10.42.0.2", now: t0).status)
        #expect(status.condition("ContainersReady")?.status == "True")
        #expect(status.condition("Ready")?.status == "False")
        #expect(status.condition("Ready")?.reason == "ReadinessGatesNotReady")
        #expect(status.condition("Ready")?.message == "corresponding condition of pod readiness gate \"example.com/lb\" does not exist.")
    }

    @Test("the QoS class is computed when the pod has none")
    func qos() {
        let guaranteed = CoreV1.PodSpec(containers: [CoreV1.Container(name: "a", resources: CoreV1.ResourceRequirements(
            limits: ["cpu": Quantity(1), "memory": Quantity(1024)], requests: ["cpu": Quantity(1), "memory": Quantity(1024)]))])
        #expect(qosClass(of: guaranteed) == "Guaranteed")
        let burstable = CoreV1.PodSpec(containers: [CoreV1.Container(name: "a", resources: CoreV1.ResourceRequirements(requests: ["cpu": Quantity(1)]))])
        #expect(qosClass(of: burstable) == "Burstable")
        #expect(qosClass(of: CoreV1.PodSpec(containers: [CoreV1.Container(name: "a")])) == "BestEffort")
    }
}
