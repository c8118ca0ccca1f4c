import Foundation
import SkiffAPI
import SkiffClient
import SkiffRuntime
import SkiffRuntimeTesting
import Testing
@testable import SkiffKubelet

@Suite("What the pod spec asks for: env, command expansion, volumes, probes", .timeLimit(.minutes(3)))
struct PodSpecTests {
    @Test("$(VAR) expansion: defined names expand, unknown ones stay, $$ escapes")
    func expansion() {
        let env = ["A": "one", "B": "two"]
        #expect(Expansion.expand("$(A)-$(B)") { env[$0] } == "one-two")
        #expect(Expansion.expand("$(C) stays") { env[$0] } == "$(C) stays")
        #expect(Expansion.expand("$$(A) escaped") { env[$0] } == "$(A) escaped")
        #expect(Expansion.expand("cost $5 and $(A") { env[$0] } == "cost $5 and $(A")
    }

    @Test("env from value, fieldRef, configMapKeyRef, secretKeyRef and envFrom, with $(VAR) in command and args")
    func environment() async throws {
        try await KubeletHarness.with { h in
            _ = try await h.client.create(CoreV1.ConfigMap(data: ["mode": "fast", "level": "3"],
                                                           metadata: MetaV1.ObjectMeta(name: "settings", namespace: "default")))
            _ = try await h.client.create(CoreV1.Secret(data: ["password": Data("hunter2".utf8).base64EncodedString()],
                                                        metadata: MetaV1.ObjectMeta(name: "creds", namespace: "default")))
            var main = container("main", command: ["sh", "-c"])
            main.args = ["echo $(GREETING) $(POD_NAME) $(MISSING)"]
            main.envFrom = [CoreV1.EnvFromSource(configMapRef: CoreV1.ConfigMapEnvSource(name: "settings"), prefix: "CFG_")]
            main.env = [
                CoreV1.EnvVar(name: "NAME", value: "world"),
                CoreV1.EnvVar(name: "GREETING", value: "hello $(NAME)"),
                CoreV1.EnvVar(name: "POD_NAME", valueFrom: CoreV1.EnvVarSource(fieldRef: CoreV1.ObjectFieldSelector(fieldPath: "metadata.name"))),
                CoreV1.EnvVar(name: "POD_IP", valueFrom: CoreV1.EnvVarSource(fieldRef: CoreV1.ObjectFieldSelector(fieldPath: "status.podIP"))),
                CoreV1.EnvVar(name: "NODE", valueFrom: CoreV1.EnvVarSource(fieldRef: CoreV1.ObjectFieldSelector(fieldPath: "spec.nodeName"))),
                CoreV1.EnvVar(name: "MODE", valueFrom: CoreV1.EnvVarSource(configMapKeyRef: CoreV1.ConfigMapKeySelector(key: "mode", name: "settings"))),
                CoreV1.EnvVar(name: "PASSWORD", valueFrom: CoreV1.EnvVarSource(secretKeyRef: CoreV1.SecretKeySelector(key: "password", name: "creds"))),
            ]
            try await h.run("env", containers: [main])
            let pod = try await h.waitForPod("env") { $0.status?.phase == "Running" }
            let id = try #require(try await h.containers(of: "env").first?.id)
            let config = try #require(h.runtime.containerConfig(id))
            let env = Dictionary(config.env.map { entry -> (String, String) in
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }, uniquingKeysWith: { $1 })
            #expect(env["GREETING"] == "hello world")
            #expect(env["POD_NAME"] == "env")
            #expect(env["POD_IP"] == pod.status?.podIP)
            #expect(env["NODE"] == KubeletHarness.nodeName)
            #expect(env["MODE"] == "fast")
            #expect(env["CFG_level"] == "3")
            #expect(env["PASSWORD"] == "hunter2")
            #expect(config.args == ["echo hello world env $(MISSING)"])
        }
    }

    @Test("Services of the namespace appear as docker-link variables unless enableServiceLinks is false")
    func serviceLinks() async throws {
        try await KubeletHarness.with { h in
            _ = try await h.client.create(CoreV1.Service(
                metadata: MetaV1.ObjectMeta(name: "my-db", namespace: "default"),
                spec: CoreV1.ServiceSpec(ports: [CoreV1.ServicePort(name: "sql", port: 5432, protocol: "TCP")], selector: ["app": "db"])))
            let service = try await h.client.get(CoreV1.Service.self, "my-db", namespace: "default")
            let ip = try #require(service.spec?.clusterIP)
            try await h.run("linked", containers: [container("main")])
            _ = try await h.waitForPod("linked") { $0.status?.phase == "Running" }
            let id = try #require(try await h.containers(of: "linked").first?.id)
            let env = Set(try #require(h.runtime.containerConfig(id)).env)
            #expect(env.contains("MY_DB_SERVICE_HOST=\(ip)"))
            #expect(env.contains("MY_DB_SERVICE_PORT=5432"))
            #expect(env.contains("MY_DB_SERVICE_PORT_SQL=5432"))
            #expect(env.contains("MY_DB_PORT=tcp://\(ip):5432"))
            #expect(env.contains("MY_DB_PORT_5432_TCP_ADDR=\(ip)"))
            #expect(env.contains("MY_DB_PORT_5432_TCP_PROTO=tcp"))

            let pod = CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: "unlinked", namespace: "default"),
                                 spec: CoreV1.PodSpec(containers: [container("main")], enableServiceLinks: false, nodeName: KubeletHarness.nodeName))
            _ = try await h.client.create(pod)
            _ = try await h.waitForPod("unlinked") { $0.status?.phase == "Running" }
            let other = try #require(try await h.containers(of: "unlinked").first?.id)
            #expect(!(try #require(h.runtime.containerConfig(other)).env.contains { $0.hasPrefix("MY_DB_") }))
        }
    }

    @Test("a missing configMap key for env leaves the container in CreateContainerConfigError; creating it lets the pod start")
    func createContainerConfigError() async throws {
        try await KubeletHarness.with { h in
            var main = container("main")
            main.env = [CoreV1.EnvVar(name: "X", valueFrom: CoreV1.EnvVarSource(configMapKeyRef: CoreV1.ConfigMapKeySelector(key: "k", name: "later")))]
            try await h.run("cfgerr", containers: [main])
            let pod = try await h.waitForPod("cfgerr") {
                $0.status?.containerStatuses?.first?.state?.waiting?.reason == "CreateContainerConfigError"
            }
            #expect(pod.status?.containerStatuses?.first?.state?.waiting?.message == "configmap \"later\" not found")
            #expect(pod.status?.phase == "Pending")
            _ = try await h.client.create(CoreV1.ConfigMap(data: ["k": "v"], metadata: MetaV1.ObjectMeta(name: "later", namespace: "default")))
            _ = try await h.waitForPod("cfgerr") { $0.status?.phase == "Running" }
        }
    }

    @Test("volumes: emptyDir, configMap (items, mode), secret, downwardAPI and hostPath are set up and mounted")
    func volumes() async throws {
        try await KubeletHarness.with { h in
            _ = try await h.client.create(CoreV1.ConfigMap(data: ["app.conf": "port=80", "other": "x"],
                                                           metadata: MetaV1.ObjectMeta(name: "conf", namespace: "default")))
            _ = try await h.client.create(CoreV1.Secret(data: ["token": Data("s3cret".utf8).base64EncodedString()],
                                                        metadata: MetaV1.ObjectMeta(name: "tok", namespace: "default")))
            let hostDir = h.root + "/host-data"
            let volumes = [
                CoreV1.Volume(emptyDir: CoreV1.EmptyDirVolumeSource(), name: "scratch"),
                CoreV1.Volume(configMap: CoreV1.ConfigMapVolumeSource(items: [CoreV1.KeyToPath(key: "app.conf", path: "conf/app.conf")], name: "conf"),
                              name: "config"),
                CoreV1.Volume(name: "secret", secret: CoreV1.SecretVolumeSource(defaultMode: 0o400, secretName: "tok")),
                CoreV1.Volume(downwardAPI: CoreV1.DownwardAPIVolumeSource(items: [
                    CoreV1.DownwardAPIVolumeFile(fieldRef: CoreV1.ObjectFieldSelector(fieldPath: "metadata.labels"), path: "labels"),
                    CoreV1.DownwardAPIVolumeFile(fieldRef: CoreV1.ObjectFieldSelector(fieldPath: "metadata.name"), path: "name"),
                ]), name: "podinfo"),
                CoreV1.Volume(hostPath: CoreV1.HostPathVolumeSource(path: hostDir, type: "DirectoryOrCreate"), name: "host"),
            ]
            var main = container("main")
            main.volumeMounts = [
                CoreV1.VolumeMount(mountPath: "/scratch", name: "scratch"),
                CoreV1.VolumeMount(mountPath: "/etc/app", name: "config", readOnly: true),
                CoreV1.VolumeMount(mountPath: "/var/run/secret", name: "secret"),
                CoreV1.VolumeMount(mountPath: "/etc/podinfo", name: "podinfo"),
                CoreV1.VolumeMount(mountPath: "/data", name: "host", subPath: "sub"),
            ]
            var sidecar = container("sidecar")
            sidecar.volumeMounts = [CoreV1.VolumeMount(mountPath: "/shared", name: "scratch")]
            let pod = try await h.run("vols", containers: [main, sidecar], volumes: volumes, labels: ["app": "vols", "tier": "web"])
            _ = try await h.waitForPod("vols") { $0.status?.phase == "Running" }
            let containers = try await h.containers(of: "vols")
            let mainID = try #require(containers.first { $0.metadata.name == "main" }?.id)
            let sideID = try #require(containers.first { $0.metadata.name == "sidecar" }?.id)
            let mainConfig = try #require(h.runtime.containerConfig(mainID))
            let sideConfig = try #require(h.runtime.containerConfig(sideID))
            func host(_ target: String) -> String? { mainConfig.mounts.first { $0.containerPath == target }?.hostPath }
            let uid = try #require(pod.metadata?.uid)
            #expect(host("/scratch") == sideConfig.mounts.first { $0.containerPath == "/shared" }?.hostPath)
            #expect(host("/scratch")?.hasPrefix(h.root + "/pods/" + uid + "/volumes/kubernetes.io~empty-dir/") == true)
            let config = try #require(host("/etc/app"))
            #expect(try String(contentsOfFile: config + "/conf/app.conf", encoding: .utf8) == "port=80")
            #expect(!FileManager.default.fileExists(atPath: config + "/other"))
            #expect(mainConfig.mounts.first { $0.containerPath == "/etc/app" }?.readOnly == true)
            let secret = try #require(host("/var/run/secret"))
            #expect(try String(contentsOfFile: secret + "/token", encoding: .utf8) == "s3cret")
            let mode = try FileManager.default.attributesOfItem(atPath: secret + "/token")[.posixPermissions] as? Int
            #expect(mode == 0o400)
            let info = try #require(host("/etc/podinfo"))
            #expect(try String(contentsOfFile: info + "/labels", encoding: .utf8) == "app=\"vols\"\ntier=\"web\"")
            #expect(try String(contentsOfFile: info + "/name", encoding: .utf8) == "vols")
            #expect(host("/data") == hostDir + "/sub")

            // An update to the configMap reaches the volume of the running pod.
            var map = try await h.client.get(CoreV1.ConfigMap.self, "conf", namespace: "default")
            map.data?["app.conf"] = "port=8080"
            _ = try await h.client.update(map)
            try await h.client.patch(CoreV1.Pod.self, "vols", namespace: "default",
                                     Patch(.merge, body: Array(#"{"metadata":{"labels":{"touch":"1"}}}"#.utf8)))
            #expect(try await eventually { (try? String(contentsOfFile: config + "/conf/app.conf", encoding: .utf8)) == "port=8080" })
        }
    }

    @Test("a hostPath of the wrong type and a missing configMap volume keep the pod in ContainerCreating with FailedMount")
    func failedMount() async throws {
        try await KubeletHarness.with { h in
            let volumes = [CoreV1.Volume(hostPath: CoreV1.HostPathVolumeSource(path: h.root + "/nope", type: "Directory"), name: "host")]
            var main = container("main")
            main.volumeMounts = [CoreV1.VolumeMount(mountPath: "/data", name: "host")]
            try await h.run("badhost", containers: [main], volumes: volumes)
            let pod = try await h.waitForPod("badhost") { $0.status?.containerStatuses?.first?.state?.waiting?.reason == "ContainerCreating" }
            #expect(pod.status?.phase == "Pending")
            #expect(try await h.hasEvent("badhost") { $0.reason == "FailedMount" && $0.type == "Warning" })
            #expect(try await h.containers(of: "badhost").isEmpty)
        }
    }

    @Test("a failing liveness probe restarts the container with a Killing event")
    func liveness() async throws {
        try await KubeletHarness.with { h in
            var main = container("main")
            main.livenessProbe = CoreV1.Probe(exec: CoreV1.ExecAction(command: ["fake", "exit=1"]), failureThreshold: 1, periodSeconds: 1)
            try await h.run("live", containers: [main])
            let pod = try await h.waitForPod("live") { ($0.status?.containerStatuses?.first?.restartCount ?? 0) >= 1 }
            #expect(pod.status?.containerStatuses?.first?.lastState?.terminated?.exitCode == 137 ||
                    pod.status?.containerStatuses?.first?.lastState?.terminated?.exitCode == 143)
            #expect(try await h.hasEvent("live") { $0.reason == "Killing" && ($0.message ?? "").contains("failed liveness probe, will be restarted") })
        }
    }

    @Test("a readiness probe gates Ready: failing keeps ContainersReady False, passing makes the pod Ready")
    func readiness() async throws {
        try await KubeletHarness.with { h in
            var failing = container("main")
            failing.readinessProbe = CoreV1.Probe(exec: CoreV1.ExecAction(command: ["fake", "exit=1"]), periodSeconds: 1)
            try await h.run("unready", containers: [failing])
            var passing = container("main")
            passing.readinessProbe = CoreV1.Probe(exec: CoreV1.ExecAction(command: ["fake", "exit=0"]), periodSeconds: 1)
            try await h.run("ready", containers: [passing])
            let ready = try await h.waitForPod("ready") { $0.status?.conditions?.first { $0.type == "Ready" }?.status == "True" }
            #expect(ready.status?.containerStatuses?.first?.ready == true)
            let unready = try await h.waitForPod("unready") { $0.status?.phase == "Running" }
            #expect(unready.status?.containerStatuses?.first?.ready == false)
            let condition = unready.status?.conditions?.first { $0.type == "ContainersReady" }
            #expect(condition?.status == "False")
            #expect(condition?.reason == "ContainersNotReady")
            #expect(condition?.message == "containers with unready status: [main]")
        }
    }
}
