import SkiffAPI
import Testing
@testable import SkiffScheduler

@Suite("Filter plugins", .timeLimit(.minutes(2)))
struct FilterPluginTests {
    func run(_ pod: PodBuilder, _ node: NodeBuilder, pods: [PodBuilder] = [], nodes: [NodeBuilder] = []) -> Status {
        let (state, snapshot) = cycle(pod, nodes: [node] + nodes, pods: pods)
        return Framework().filter(state, snapshot.nodeInfo(node.build.metadata!.name!)!)
    }

    @Test("NodeUnschedulable rejects a cordoned node unless the pod tolerates the unschedulable taint")
    func nodeUnschedulable() {
        let s = run(PodBuilder("p"), NodeBuilder("n").unschedulable())
        #expect(s.code == .unschedulableAndUnresolvable)
        #expect(s.reasons == ["node(s) were unschedulable"])
        #expect(run(PodBuilder("p").toleration("node.kubernetes.io/unschedulable", effect: "NoSchedule"), NodeBuilder("n").unschedulable()).isSuccess)
    }

    @Test("NodeName rejects every node but the named one")
    func nodeName() {
        var pod = PodBuilder("p")
        pod.pod.spec?.nodeName = "a"
        #expect(run(pod, NodeBuilder("b")).reasons == ["node(s) didn't match the requested node name"])
        #expect(run(pod, NodeBuilder("a")).isSuccess)
    }

    @Test("TaintToleration rejects untolerated NoSchedule and NoExecute taints but not PreferNoSchedule")
    func taints() {
        let s = run(PodBuilder("p"), NodeBuilder("n").taint("dedicated", "gpu"))
        #expect(s.code == .unschedulableAndUnresolvable)
        #expect(s.reasons == ["node(s) had untolerated taint(s)"])
        #expect(!run(PodBuilder("p"), NodeBuilder("n").taint("x", effect: "NoExecute")).isSuccess)
        #expect(run(PodBuilder("p"), NodeBuilder("n").taint("x", effect: "PreferNoSchedule")).isSuccess)
        #expect(run(PodBuilder("p").toleration("dedicated", op: "Equal", value: "gpu", effect: "NoSchedule"), NodeBuilder("n").taint("dedicated", "gpu")).isSuccess)
        #expect(!run(PodBuilder("p").toleration("dedicated", op: "Equal", value: "cpu"), NodeBuilder("n").taint("dedicated", "gpu")).isSuccess)
        #expect(run(PodBuilder("p").toleration("dedicated"), NodeBuilder("n").taint("dedicated", "gpu")).isSuccess)
    }

    @Test("NodeAffinity applies nodeSelector and required node affinity operators")
    func nodeAffinity() {
        let node = NodeBuilder("n").label("disk", "ssd").label("cores", "8")
        #expect(run(PodBuilder("p").nodeSelector(["disk": "ssd"]), node).isSuccess)
        let s = run(PodBuilder("p").nodeSelector(["disk": "hdd"]), node)
        #expect(s.reasons == ["node(s) didn't match Pod's node affinity/selector"])
        #expect(s.code == .unschedulableAndUnresolvable)
        #expect(run(PodBuilder("p").requiredNodeAffinity("disk", "In", ["ssd", "nvme"]), node).isSuccess)
        #expect(!run(PodBuilder("p").requiredNodeAffinity("disk", "NotIn", ["ssd"]), node).isSuccess)
        #expect(run(PodBuilder("p").requiredNodeAffinity("cores", "Gt", ["4"]), node).isSuccess)
        #expect(!run(PodBuilder("p").requiredNodeAffinity("cores", "Lt", ["4"]), node).isSuccess)
        #expect(!run(PodBuilder("p").requiredNodeAffinity("gpu", "Exists", []), node).isSuccess)
        #expect(run(PodBuilder("p").requiredNodeAffinity("gpu", "DoesNotExist", []), node).isSuccess)
    }

    @Test("NodePorts rejects a host port already used on the same or the wildcard address")
    func nodePorts() {
        let existing = PodBuilder("e").hostPort(8080).on("n")
        let s = run(PodBuilder("p").hostPort(8080), NodeBuilder("n"), pods: [existing])
        #expect(s.code == .unschedulable)
        #expect(s.reasons == ["node(s) didn't have free ports for the requested pod ports"])
        #expect(run(PodBuilder("p").hostPort(8081), NodeBuilder("n"), pods: [existing]).isSuccess)
        let specific = PodBuilder("e").hostPort(9000, ip: "10.0.0.1").on("n")
        #expect(run(PodBuilder("p").hostPort(9000, ip: "10.0.0.2"), NodeBuilder("n"), pods: [specific]).isSuccess)
        #expect(!run(PodBuilder("p").hostPort(9000), NodeBuilder("n"), pods: [specific]).isSuccess)
    }

    @Test("NodeResourcesFit reports every insufficient resource; beyond allocatable is unresolvable")
    func resourcesFit() {
        let node = NodeBuilder("n", cpu: "2", memory: "4Gi").allocatable("example.com/gpu", "1")
        let busy = PodBuilder("e", cpu: "1500m", memory: "1Gi").on("n")
        let s = run(PodBuilder("p", cpu: "1", memory: "4Gi"), node, pods: [busy])
        #expect(s.reasons == ["Insufficient cpu", "Insufficient memory"])
        #expect(s.code == .unschedulable)
        #expect(run(PodBuilder("p", cpu: "3"), node).code == .unschedulableAndUnresolvable)
        #expect(run(PodBuilder("p", cpu: "500m"), node, pods: [busy]).isSuccess)
        #expect(run(PodBuilder("p").request("example.com/gpu", "2"), node).reasons == ["Insufficient example.com/gpu"])
        #expect(run(PodBuilder("p").request("example.com/gpu", "1"), node).isSuccess)
        #expect(run(PodBuilder("p"), NodeBuilder("n", pods: "1"), pods: [PodBuilder("e").on("n")]).reasons == ["Too many pods"])
    }

    @Test("pod requests count init containers, sidecars and overhead as upstream")
    func podRequests() {
        // max(sum of containers 1, init 2) = 2 cores.
        #expect(PodBuilder("p", cpu: "1").initContainer(cpu: "2").info.requests.request.milliCPU == 2000)
        // A sidecar adds to the containers and runs beside later init containers: max(1+0.5, 0.5+1.2) = 1.7.
        let sidecar = PodBuilder("p", cpu: "1").initContainer(cpu: "500m", sidecar: true).initContainer(cpu: "1200m")
        #expect(sidecar.info.requests.request.milliCPU == 1700)
        #expect(PodBuilder("p", cpu: "1").overhead(cpu: "250m").info.requests.request.milliCPU == 1250)
        // Best-effort containers count as 100m / 200Mi for spreading, not for fitting.
        let bestEffort = PodBuilder("p").info
        #expect(bestEffort.requests.request.milliCPU == 0)
        #expect(bestEffort.requests.nonZeroMilliCPU == 100)
        #expect(bestEffort.requests.nonZeroMemory == 200 * 1024 * 1024)
    }

    @Test("InterPodAffinity requires a matching pod in the topology domain, except for the first of a self-affine group")
    func podAffinity() {
        let a = NodeBuilder("a").zone("z1")
        let b = NodeBuilder("b").zone("z2")
        let db = PodBuilder("db").label("app", "db").on("a")
        let pod = PodBuilder("web").podAffinity(["app": "db"], topologyKey: "topology.kubernetes.io/zone")
        #expect(run(pod, a, pods: [db], nodes: [b]).isSuccess)
        let s = run(pod, b, pods: [db], nodes: [a])
        #expect(s.reasons == ["node(s) didn't match pod affinity rules"])
        #expect(s.code == .unschedulableAndUnresolvable)
        // No pod matches anywhere, and the pod matches its own term: allowed.
        let first = PodBuilder("w1").label("app", "web").podAffinity(["app": "web"], topologyKey: "topology.kubernetes.io/zone")
        #expect(run(first, a, nodes: [b]).isSuccess)
        // ... but not on a node lacking the topology key.
        #expect(!run(first, NodeBuilder("c"), nodes: [a]).isSuccess)
    }

    @Test("InterPodAffinity enforces the pod's anti-affinity and existing pods' anti-affinity")
    func antiAffinity() {
        let a = NodeBuilder("a")
        let b = NodeBuilder("b")
        let web1 = PodBuilder("web1").label("app", "web").on("a")
        let web2 = PodBuilder("web2").label("app", "web").podAffinity(["app": "web"], topologyKey: "kubernetes.io/hostname", anti: true)
        let s = run(web2, a, pods: [web1], nodes: [b])
        #expect(s.reasons == ["node(s) didn't match pod anti-affinity rules"])
        #expect(s.code == .unschedulable)
        #expect(run(web2, b, pods: [web1], nodes: [a]).isSuccess)
        // The existing pod refuses neighbours labelled app=web.
        let loner = PodBuilder("loner").podAffinity(["app": "web"], topologyKey: "kubernetes.io/hostname", anti: true).on("a")
        let e = run(PodBuilder("w").label("app", "web"), a, pods: [loner], nodes: [b])
        #expect(e.reasons == ["node(s) didn't satisfy existing pods anti-affinity rules"])
        #expect(run(PodBuilder("w").label("app", "other"), a, pods: [loner], nodes: [b]).isSuccess)
    }

    @Test("affinity terms look only at their namespaces; namespaceSelector picks namespaces by label")
    func affinityNamespaces() {
        let a = NodeBuilder("a")
        let other = PodBuilder("x", namespace: "other").label("app", "web").on("a")
        let pod = PodBuilder("w").podAffinity(["app": "web"], topologyKey: "kubernetes.io/hostname", anti: true)
        #expect(run(pod, a, pods: [other]).isSuccess)
        let listed = PodBuilder("w").podAffinity(["app": "web"], topologyKey: "kubernetes.io/hostname", anti: true, namespaces: ["other"])
        #expect(!run(listed, a, pods: [other]).isSuccess)
        var snapshot = Snapshot(nodes: [a.build], pods: [other.build])
        snapshot.namespaceLabels = ["other": ["team": "x"], "default": [:]]
        let selected = PodBuilder("w").podAffinity(["app": "web"], topologyKey: "kubernetes.io/hostname", anti: true,
                                                   namespaceSelector: MetaV1.LabelSelector(matchLabels: ["team": "x"]))
        let pre = Framework().preFilter(selected.info, snapshot: snapshot)
        #expect(!Framework().filter(pre.state, snapshot.nodeInfo("a")!).isSuccess)
    }

    @Test("PodTopologySpread keeps the skew within maxSkew and needs the topology label")
    func topologySpread() {
        let nodes = [NodeBuilder("a").zone("z1"), NodeBuilder("b").zone("z2")]
        let pods = [PodBuilder("w1").label("app", "web").on("a")]
        let pod = PodBuilder("w2").label("app", "web").spread("topology.kubernetes.io/zone", labels: ["app": "web"])
        let s = run(pod, nodes[0], pods: pods, nodes: [nodes[1]])
        #expect(s.reasons == ["node(s) didn't match pod topology spread constraints"])
        #expect(s.code == .unschedulable)
        #expect(run(pod, nodes[1], pods: pods, nodes: [nodes[0]]).isSuccess)
        let missing = run(pod, NodeBuilder("c"), pods: pods, nodes: nodes)
        #expect(missing.reasons == ["node(s) didn't match pod topology spread constraints (missing required label)"])
        #expect(missing.code == .unschedulableAndUnresolvable)
    }

    @Test("minDomains treats the global minimum as 0 while there are too few domains")
    func minDomains() {
        let nodes = [NodeBuilder("a").zone("z1"), NodeBuilder("b").zone("z2")]
        let pods = [PodBuilder("w1").label("app", "web").on("a"), PodBuilder("w2").label("app", "web").on("b")]
        let pod = PodBuilder("w3").label("app", "web").spread("topology.kubernetes.io/zone", labels: ["app": "web"])
        #expect(run(pod, nodes[0], pods: pods, nodes: [nodes[1]]).isSuccess)
        let three = PodBuilder("w3").label("app", "web").spread("topology.kubernetes.io/zone", labels: ["app": "web"], minDomains: 3)
        #expect(!run(three, nodes[0], pods: pods, nodes: [nodes[1]]).isSuccess)
    }

    @Test("nodeAffinityPolicy and nodeTaintsPolicy decide which nodes' domains count")
    func inclusionPolicies() {
        // z2 only has a tainted node; with Honor it is not a domain, so z1 can take a second pod.
        let a = NodeBuilder("a").zone("z1")
        let b = NodeBuilder("b").zone("z2").taint("dedicated", "x")
        let pods = [PodBuilder("w1").label("app", "web").on("a")]
        let ignore = PodBuilder("w2").label("app", "web").spread("topology.kubernetes.io/zone", labels: ["app": "web"])
        #expect(!run(ignore, a, pods: pods, nodes: [b]).isSuccess)
        let honor = PodBuilder("w2").label("app", "web").spread("topology.kubernetes.io/zone", labels: ["app": "web"], nodeTaintsPolicy: "Honor")
        #expect(run(honor, a, pods: pods, nodes: [b]).isSuccess)
        // nodeAffinityPolicy Ignore counts a domain the pod's selector excludes.
        let c = NodeBuilder("c").zone("z3")
        let selected = PodBuilder("w2").label("app", "web").nodeSelector(["topology.kubernetes.io/zone": "z1"])
        #expect(run(selected.spread("topology.kubernetes.io/zone", labels: ["app": "web"]), a, pods: pods, nodes: [c]).isSuccess)
        #expect(!run(selected.spread("topology.kubernetes.io/zone", labels: ["app": "web"], nodeAffinityPolicy: "Ignore"), a, pods: pods, nodes: [c]).isSuccess)
    }

    @Test("matchLabelKeys narrows the spread to pods sharing the incoming pod's label values")
    func matchLabelKeys() {
        let a = NodeBuilder("a").zone("z1")
        let b = NodeBuilder("b").zone("z2")
        let old = PodBuilder("old").label("app", "web").label("rev", "1").on("a")
        let pod = PodBuilder("new").label("app", "web").label("rev", "2")
        #expect(!run(pod.spread("topology.kubernetes.io/zone", labels: ["app": "web"]), a, pods: [old], nodes: [b]).isSuccess)
        #expect(run(pod.spread("topology.kubernetes.io/zone", labels: ["app": "web"], matchLabelKeys: ["rev"]), a, pods: [old], nodes: [b]).isSuccess)
    }

    @Test("volume filters: missing and unbound Immediate claims, PV node affinity and zone")
    func volumes() {
        let a = NodeBuilder("a").zone("z1")
        var snapshot = Snapshot(nodes: [a.build, NodeBuilder("b").zone("z2").build])
        let pod = PodBuilder("p").claim("data").info
        #expect(Framework().preFilter(pod, snapshot: snapshot).status.reasons == ["persistentvolumeclaim \"data\" not found"])

        snapshot.volumes.claims["default/data"] = CoreV1.PersistentVolumeClaim(metadata: MetaV1.ObjectMeta(name: "data", namespace: "default"),
                                                                               spec: CoreV1.PersistentVolumeClaimSpec(storageClassName: "fast"))
        #expect(Framework().preFilter(pod, snapshot: snapshot).status.reasons == ["pod has unbound immediate PersistentVolumeClaims"])
        snapshot.volumes.storageClasses["fast"] = StorageV1.StorageClass(provisioner: "x", volumeBindingMode: "WaitForFirstConsumer")
        #expect(Framework().preFilter(pod, snapshot: snapshot).status.isSuccess)

        snapshot.volumes.claims["default/data"]?.spec?.volumeName = "pv1"
        snapshot.volumes.volumes["pv1"] = CoreV1.PersistentVolume(
            metadata: MetaV1.ObjectMeta(labels: ["topology.kubernetes.io/zone": "z1"], name: "pv1"),
            spec: CoreV1.PersistentVolumeSpec(nodeAffinity: CoreV1.VolumeNodeAffinity(required: CoreV1.NodeSelector(nodeSelectorTerms: [
                CoreV1.NodeSelectorTerm(matchExpressions: [CoreV1.NodeSelectorRequirement(key: "kubernetes.io/hostname", operator: "In", values: ["a"])]),
            ]))))
        let pre = Framework().preFilter(pod, snapshot: snapshot)
        #expect(Framework().filter(pre.state, snapshot.nodeInfo("a")!).isSuccess)
        #expect(Framework().filter(pre.state, snapshot.nodeInfo("b")!).reasons == ["node(s) had volume node affinity conflict"])
        snapshot.volumes.volumes["pv1"]?.spec?.nodeAffinity = nil
        let zoned = Framework().preFilter(pod, snapshot: snapshot)
        #expect(Framework().filter(zoned.state, snapshot.nodeInfo("b")!).reasons == ["node(s) had no available volume zone"])
    }
}
