import Foundation
import SkiffAPI
import SkiffClient
import SkiffRuntime
import SkiffRuntimeTesting
import Testing
@testable import SkiffKubelet

@Suite("Pod workers on FakeRuntime: start, restart, finish, delete", .timeLimit(.minutes(3)))
struct PodLifecycleTests {
    @Test("a bound pod runs: sandbox, container, phase Running with pod IP, host IP, startTime, qosClass and Ready conditions")
    func runs() async throws {
        try await KubeletHarness.with { h in
            try await h.run("web", containers: [container("main")])
            let pod = try await h.waitForPod("web") { $0.status?.conditions?.first { $0.type == "Ready" }?.status == "True" }
            let status = try #require(pod.status)
            #expect(status.phase == "Running")
            #expect(status.podIP?.hasPrefix("10.244.0.") == true)
            #expect(status.podIPs?.first?.ip == status.podIP)
            #expect(status.hostIP == "192.0.2.10")
            #expect(status.startTime != nil)
            #expect(status.qosClass == "BestEffort")
            let main = try #require(status.containerStatuses?.first)
            #expect(main.name == "main")
            #expect(main.ready == true)
            #expect(main.started == true)
            #expect(main.restartCount == 0)
            #expect(main.state?.running?.startedAt != nil)
            #expect(main.containerID?.hasPrefix("skiff://") == true)
            #expect(main.image == "docker.io/library/busybox:1.36")
            #expect(main.imageID?.hasPrefix("sha256:") == true)
            let types = status.conditions?.compactMap(\.type) ?? []
            #expect(types == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"])
            #expect(status.conditions?.allSatisfy { $0.status == "True" } == true)
            #expect(try await h.hasEvent("web") { $0.reason == "Started" && $0.message == "Started container main" })
            #expect(try await h.hasEvent("web") { $0.reason == "Created" && $0.message == "Created container: main" })
        }
    }

    @Test("init containers run one after another, each to completion, before the containers")
    func initContainersInOrder() async throws {
        try await KubeletHarness.with { h in
            try await h.run("init", containers: [container("main")],
                            initContainers: [container("first", command: ["fake", "exit=0"]), container("second", command: ["fake", "exit=0"])])
            let pod = try await h.waitForPod("init") { $0.status?.phase == "Running" }
            let inits = pod.status?.initContainerStatuses ?? []
            #expect(inits.map(\.name) == ["first", "second"])
            #expect(inits.allSatisfy { $0.state?.terminated?.reason == "Completed" && $0.ready == true })
            let created = try await h.containers(of: "init").sorted { $0.createdAt < $1.createdAt }.map(\.metadata.name)
            #expect(created == ["first", "second", "main"])
            #expect(pod.status?.conditions?.first { $0.type == "Initialized" }?.status == "True")
        }
    }

    @Test("a failing init container keeps the pod Pending with Initialized False and is restarted")
    func failingInitContainer() async throws {
        try await KubeletHarness.with { h in
            try await h.run("badinit", containers: [container("main")], initContainers: [container("setup", command: ["fake", "exit=2"])])
            let pod = try await h.waitForPod("badinit") { ($0.status?.initContainerStatuses?.first?.restartCount ?? 0) >= 1 }
            #expect(pod.status?.phase == "Pending")
            let initialized = pod.status?.conditions?.first { $0.type == "Initialized" }
            #expect(initialized?.status == "False")
            #expect(initialized?.reason == "ContainersNotInitialized")
            #expect(initialized?.message == "containers with incomplete status: [setup]")
            #expect(pod.status?.containerStatuses?.first?.state?.waiting?.reason == "PodInitializing")
            #expect(try await h.containers(of: "badinit").allSatisfy { $0.metadata.name == "setup" })
        }
    }

    @Test("a crashing container is restarted with lastState.terminated, then waits in CrashLoopBackOff")
    func crashLoop() async throws {
        try await KubeletHarness.with { h in
            try await h.run("crash", containers: [container("main", command: ["fake", "stderr=boom", "exit=3"])])
            let pod = try await h.waitForPod("crash") {
                $0.status?.containerStatuses?.first?.state?.waiting?.reason == "CrashLoopBackOff"
            }
            let status = try #require(pod.status?.containerStatuses?.first)
            #expect((status.restartCount ?? 0) >= 1)
            let last = try #require(status.lastState?.terminated)
            #expect(last.exitCode == 3)
            #expect(last.reason == "Error")
            #expect(last.finishedAt != nil)
            #expect(status.state?.waiting?.message?.hasPrefix("back-off ") == true)
            #expect(status.state?.waiting?.message?.contains("restarting failed container=main pod=crash_default(") == true)
            #expect(pod.status?.phase == "Running")
            #expect(try await h.hasEvent("crash") { $0.reason == "BackOff" })
            // The back-off ends and the container is started again.
            let restarted = status.restartCount ?? 0
            _ = try await h.waitForPod("crash") { ($0.status?.containerStatuses?.first?.restartCount ?? 0) > restarted }
        }
    }

    @Test("restartPolicy Never: exit 0 makes the pod Succeeded, a failure makes it Failed")
    func terminalPhases() async throws {
        try await KubeletHarness.with { h in
            try await h.run("ok", containers: [container("main", command: ["fake", "exit=0"])], restartPolicy: "Never")
            try await h.run("bad", containers: [container("main", command: ["fake", "exit=1"])], restartPolicy: "Never")
            let ok = try await h.waitForPod("ok") { $0.status?.phase == "Succeeded" }
            #expect(ok.status?.containerStatuses?.first?.state?.terminated?.reason == "Completed")
            #expect(ok.status?.conditions?.first { $0.type == "Ready" }?.reason == "PodCompleted")
            let bad = try await h.waitForPod("bad") { $0.status?.phase == "Failed" }
            #expect(bad.status?.containerStatuses?.first?.state?.terminated?.exitCode == 1)
            #expect(bad.status?.containerStatuses?.first?.restartCount == 0)
        }
    }

    @Test("restartPolicy OnFailure restarts a failed container and completes after exit 0")
    func onFailure() async throws {
        try await KubeletHarness.with { h in
            try await h.run("job", containers: [container("main", command: ["fake", "exit=0"])], restartPolicy: "OnFailure")
            _ = try await h.waitForPod("job") { $0.status?.phase == "Succeeded" }
            try await h.run("failing", containers: [container("main", command: ["fake", "exit=1"])], restartPolicy: "OnFailure")
            _ = try await h.waitForPod("failing") { ($0.status?.containerStatuses?.first?.restartCount ?? 0) >= 1 && $0.status?.phase == "Running" }
        }
    }

    @Test("OOMKilled and the termination message are reported in the terminated state")
    func oomAndMessage() async throws {
        try await KubeletHarness.with { h in
            var oom = container("main", command: ["fake", "oom"])
            oom.resources = CoreV1.ResourceRequirements(limits: ["memory": Quantity(64 * 1024 * 1024, format: .binarySI)])
            try await h.run("oom", containers: [oom], restartPolicy: "Never")
            let pod = try await h.waitForPod("oom") { $0.status?.phase == "Failed" }
            #expect(pod.status?.containerStatuses?.first?.state?.terminated?.reason == "OOMKilled")
            #expect(pod.status?.containerStatuses?.first?.state?.terminated?.exitCode == 137)
            #expect(pod.status?.qosClass == "Burstable")

            var logs = container("main", command: ["fake", "stderr=it broke", "exit=4"])
            logs.terminationMessagePolicy = "FallbackToLogsOnError"
            try await h.run("msg", containers: [logs], restartPolicy: "Never")
            let failed = try await h.waitForPod("msg") { $0.status?.phase == "Failed" }
            #expect(failed.status?.containerStatuses?.first?.state?.terminated?.message == "it broke")
        }
    }

    @Test("a missing image ends in ErrImagePull, then ImagePullBackOff with events; a present one is not pulled")
    func imagePull() async throws {
        try await KubeletHarness.with { h in
            try await h.run("missing", containers: [container("main", image: "nosuch:1.0")])
            _ = try await h.waitForPod("missing") { $0.status?.containerStatuses?.first?.state?.waiting?.reason == "ErrImagePull" }
            let backoff = try await h.waitForPod("missing") {
                $0.status?.containerStatuses?.first?.state?.waiting?.reason == "ImagePullBackOff"
            }
            #expect(backoff.status?.phase == "Pending")
            #expect(backoff.status?.containerStatuses?.first?.state?.waiting?.message == "Back-off pulling image \"nosuch:1.0\"")
            #expect(try await h.hasEvent("missing") { $0.reason == "Failed" && $0.message == "Error: ErrImagePull" })

            try await h.run("pulled", containers: [container("main", image: "nginx:1.27")])
            _ = try await h.waitForPod("pulled") { $0.status?.phase == "Running" }
            #expect(try await h.hasEvent("pulled") { $0.reason == "Pulled" && ($0.message ?? "").hasPrefix("Successfully pulled image") })

            var never = container("main", image: "absent:2")
            never.imagePullPolicy = "Never"
            try await h.run("never", containers: [never])
            _ = try await h.waitForPod("never") { $0.status?.containerStatuses?.first?.state?.waiting?.reason == "ErrImageNeverPull" }
        }
    }

    @Test("deleting a pod stops its containers, removes the sandbox and then deletes the pod object")
    func deletion() async throws {
        try await KubeletHarness.with { h in
            try await h.run("gone", containers: [container("main"), container("side")], grace: 5)
            _ = try await h.waitForPod("gone") { $0.status?.phase == "Running" }
            try await h.client.delete(CoreV1.Pod.self, "gone", namespace: "default")
            #expect(try await eventually { try await h.pod("gone") == nil })
            #expect(try await h.runtime.listPodSandboxes(nil).isEmpty)
            #expect(try await h.containers(of: "gone").isEmpty)
            #expect(try await h.hasEvent("gone") { $0.reason == "Killing" && $0.message == "Stopping container main" })
        }
    }

    @Test("a pod deleted while its container ignores SIGTERM is killed after the grace period")
    func gracePeriod() async throws {
        try await KubeletHarness.with { h in
            try await h.run("stubborn", containers: [container("main", command: ["fake", "ignore-sigterm"])], grace: 1)
            _ = try await h.waitForPod("stubborn") { $0.status?.phase == "Running" }
            let id = try #require(try await h.containers(of: "stubborn").first?.id)
            try await h.client.delete(CoreV1.Pod.self, "stubborn", namespace: "default")
            #expect(try await eventually { try await h.pod("stubborn") == nil })
            // The container is gone with its sandbox; it was killed, not left running.
            #expect(try await h.runtime.listContainers(ContainerFilter(id: id)).isEmpty)
        }
    }

    @Test("a restarted kubelet adopts running pods instead of restarting them, and removes sandboxes of pods that are gone")
    func adoption() async throws {
        try await KubeletHarness.with(startKubelet: false) { h in
            var firstID: String?
            let first = h.makeKubelet()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await first.run() }
                try await h.run("kept", containers: [container("main")])
                try await h.run("dropped", containers: [container("main")])
                let pod = try await h.waitForPod("kept") { $0.status?.phase == "Running" }
                _ = try await h.waitForPod("dropped") { $0.status?.phase == "Running" }
                firstID = pod.status?.containerStatuses?.first?.containerID
                group.cancelAll()
            }
            // While no agent runs, one pod is force-deleted.
            try await h.client.delete(CoreV1.Pod.self, "dropped", namespace: "default", options: DeleteOptions(gracePeriodSeconds: 0))
            let second = h.makeKubelet()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await second.run() }
                #expect(try await eventually { second.state.withLock { $0.pods[ObjectKey(namespace: "default", name: "kept")] != nil } })
                #expect(try await eventually { try await h.containers(of: "dropped").isEmpty })
                let containers = try await h.containers(of: "kept")
                #expect(containers.count == 1)
                #expect(containers.first.map { "skiff://" + $0.id } == firstID)
                #expect(containers.first?.state == .running)
                // Reporting resumes: a status change (a new label does not change status, a delete does) is handled.
                try await h.client.delete(CoreV1.Pod.self, "kept", namespace: "default")
                #expect(try await eventually { try await h.pod("kept") == nil })
                group.cancelAll()
            }
        }
    }

    @Test("the kubelet serves a container's log, and the previous attempt's with previous=true")
    func logs() async throws {
        try await KubeletHarness.with { h in
            try await h.run("talk", containers: [container("main", command: ["fake", "stdout=hello from talk", "exit=1"])])
            _ = try await h.waitForPod("talk") { ($0.status?.containerStatuses?.first?.restartCount ?? 0) >= 1 }
            func read(_ query: [String: String]) async throws -> String {
                var bytes: [UInt8] = []
                for await chunk in try await h.kubelet.containerLogs(namespace: "default", pod: "talk", container: "main", query: query) {
                    bytes += chunk
                }
                return String(decoding: bytes, as: UTF8.self)
            }
            #expect(try await read([:]) == "hello from talk\n")
            #expect(try await read(["previous": "true"]) == "hello from talk\n")
            await #expect(throws: LogRequestError.self) {
                _ = try await h.kubelet.containerLogs(namespace: "default", pod: "talk", container: "other", query: [:])
            }
            await #expect(throws: LogRequestError.self) {
                _ = try await h.kubelet.containerLogs(namespace: "default", pod: "nosuch", container: "main", query: [:])
            }
        }
    }

    @Test("activeDeadlineSeconds: when it passes the containers are stopped and the pod is Failed with DeadlineExceeded")
    func activeDeadline() async throws {
        try await KubeletHarness.with { h in
            let pod = CoreV1.Pod(
                metadata: MetaV1.ObjectMeta(name: "deadline", namespace: "default"),
                spec: CoreV1.PodSpec(activeDeadlineSeconds: 1, containers: [container("main")], nodeName: KubeletHarness.nodeName,
                                     terminationGracePeriodSeconds: 1))
            _ = try await h.client.create(pod)
            let failed = try await h.waitForPod("deadline") { $0.status?.phase == "Failed" }
            #expect(failed.status?.reason == "DeadlineExceeded")
            #expect(failed.status?.message == "Pod was active on the node longer than the specified deadline")
            #expect(try await h.containers(of: "deadline").allSatisfy { $0.state == .exited })
            #expect(try await h.hasEvent("deadline") { $0.reason == "DeadlineExceeded" })
        }
    }

    @Test("imagePullSecrets: the credentials of the matching registry are used for the pull")
    func pullSecrets() async throws {
        let images = TestImages()
        images.private_.withLock { $0["registry.example:5000/team/app:1"] = "robot" }
        try await KubeletHarness.with(images: images) { h in
            let auth = Data("robot:pa55".utf8).base64EncodedString()
            let config = #"{"auths":{"https://index.docker.io/v1/":{"auth":"eDp5"},"registry.example:5000":{"auth":"\#(auth)"}}}"#
            _ = try await h.client.create(CoreV1.Secret(data: [".dockerconfigjson": Data(config.utf8).base64EncodedString()],
                                                        metadata: MetaV1.ObjectMeta(name: "regcred", namespace: "default"),
                                                        type: "kubernetes.io/dockerconfigjson"))
            let without = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: "anon", namespace: "default"),
                                     spec: CoreV1.PodSpec(containers: [container("main", image: "registry.example:5000/team/app:1")],
                                                          nodeName: KubeletHarness.nodeName))
            _ = try await h.client.create(without)
            _ = try await h.waitForPod("anon") { $0.status?.containerStatuses?.first?.state?.waiting?.reason == "ErrImagePull" }
            let with = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: "authed", namespace: "default"),
                                  spec: CoreV1.PodSpec(containers: [container("main", image: "registry.example:5000/team/app:1")],
                                                       imagePullSecrets: [CoreV1.LocalObjectReference(name: "regcred")],
                                                       nodeName: KubeletHarness.nodeName))
            _ = try await h.client.create(with)
            _ = try await h.waitForPod("authed") { $0.status?.phase == "Running" }
        }
    }

    @Test("docker config keys match registries, Docker Hub under any of its names")
    func registryMatching() {
        #expect(Kubelet.registryMatches("https://index.docker.io/v1/", "docker.io"))
        #expect(Kubelet.registryMatches("registry.example:5000", "registry.example:5000"))
        #expect(!Kubelet.registryMatches("registry.example", "registry.example:5000"))
        #expect(Kubelet.dockerConfigEntries(Data("not json".utf8)) == nil)
    }
}
