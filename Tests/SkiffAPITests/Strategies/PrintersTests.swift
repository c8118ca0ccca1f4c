import Foundation
import Testing
@testable import SkiffAPI

@Suite("Table printers", .timeLimit(.minutes(5)))
struct PrintersTests {
    private func cells(_ text: String, _ kind: GroupVersionKind) -> [JSONValue] {
        Printers.cells(for: Fixture.json(text), kind: kind, now: Fixture.now)
    }

    private func ago(_ seconds: Double) -> String { Fixture.timestamp(secondsAgo: seconds) }

    @Test("ages are formatted like kubectl's HumanDuration")
    func humanDuration() {
        #expect(PrinterTime.humanDuration(5) == "5s")
        #expect(PrinterTime.humanDuration(119) == "119s")
        #expect(PrinterTime.humanDuration(200) == "3m20s")
        #expect(PrinterTime.humanDuration(600) == "10m")
        #expect(PrinterTime.humanDuration(3 * 3600 + 25 * 60) == "3h25m")
        #expect(PrinterTime.humanDuration(20 * 3600) == "20h")
        #expect(PrinterTime.humanDuration(51 * 3600) == "2d3h")
        #expect(PrinterTime.humanDuration(30 * 86400) == "30d")
        #expect(PrinterTime.humanDuration(800 * 86400) == "2y70d")
        #expect(PrinterTime.humanDuration(-1) == "0s")
        #expect(PrinterTime.humanDuration(-5) == "<invalid>")
    }

    @Test("timestamps parse in RFC 3339 forms and format back in UTC")
    func timestamps() {
        #expect(KubeTime.parse("2026-11-22T02:00:00Z") == Date(timeIntervalSince1970: 1_795_312_800))
        #expect(KubeTime.parse("2026-11-22T04:00:00+02:00") == Date(timeIntervalSince1970: 1_795_312_800))
        #expect(KubeTime.parse("2026-11-22T02:00:00.500000Z") == Date(timeIntervalSince1970: 1_795_312_800.5))
        #expect(KubeTime.parse("2026-13-22T02:00:00Z") == nil)
        #expect(KubeTime.parse("yesterday") == nil)
        #expect(KubeTime.format(Date(timeIntervalSince1970: 1_795_312_800)) == "2026-11-22T02:00:00Z")
    }

    @Test("pod columns match kubectl's, with wide columns at priority 1")
    func podColumns() {
        let columns = Printers.columns(for: Fixture.pod)
        #expect(columns.map(\.name) == ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"])
        #expect(columns.map(\.priority) == [0, 0, 0, 0, 0, 1, 1, 1, 1])
        #expect(columns[0].format == "name")
    }

    @Test("a running pod prints ready count, status, restarts with last restart age, IP and node")
    func runningPod() {
        let row = cells(#"""
        {"metadata":{"name":"web","creationTimestamp":"\#(ago(600))"},
         "spec":{"nodeName":"node-1","containers":[{"name":"a"},{"name":"b"}]},
         "status":{"phase":"Running","podIPs":[{"ip":"10.42.0.7"}],"containerStatuses":[
           {"name":"a","ready":true,"restartCount":2,"state":{"running":{}},"lastState":{"terminated":{"finishedAt":"\#(ago(300))"}}},
           {"name":"b","ready":false,"restartCount":0,"state":{"running":{}}}]}}
        """#, Fixture.pod)
        #expect(row == [.string("web"), .string("1/2"), .string("Running"), .string("2 (5m ago)"), .string("10m"),
                        .string("10.42.0.7"), .string("node-1"), .string("<none>"), .string("<none>")])
    }

    @Test("pod status shows waiting reasons, init progress and Terminating")
    func podStatuses() {
        let waiting = cells(#"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Pending","containerStatuses":[{"name":"a","state":{"waiting":{"reason":"ImagePullBackOff"}}}]}}"#, Fixture.pod)
        #expect(waiting[2] == .string("ImagePullBackOff"))
        let initializing = cells(#"{"metadata":{"name":"p"},"spec":{"initContainers":[{"name":"i1"},{"name":"i2"}],"containers":[{"name":"a"}]},"status":{"phase":"Pending","initContainerStatuses":[{"name":"i1","state":{"terminated":{"exitCode":0}}},{"name":"i2","state":{"running":{}}}]}}"#, Fixture.pod)
        #expect(initializing[2] == .string("Init:1/2"))
        let crashed = cells(#"{"metadata":{"name":"p"},"spec":{"initContainers":[{"name":"i1"}],"containers":[{"name":"a"}]},"status":{"phase":"Pending","initContainerStatuses":[{"name":"i1","state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}"#, Fixture.pod)
        #expect(crashed[2] == .string("Init:CrashLoopBackOff"))
        let completed = cells(#"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Succeeded","containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}}"#, Fixture.pod)
        #expect(completed[2] == .string("Completed"))
        let exitCode = cells(#"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Failed","containerStatuses":[{"name":"a","state":{"terminated":{"exitCode":3}}}]}}"#, Fixture.pod)
        #expect(exitCode[2] == .string("ExitCode:3"))
        let deleting = cells(#"{"metadata":{"name":"p","deletionTimestamp":"\#(ago(1))"},"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running"}}"#, Fixture.pod)
        #expect(deleting[2] == .string("Terminating"))
        #expect(deleting[4] == .string("<unknown>"))
    }

    @Test("deployments print READY UP-TO-DATE AVAILABLE and the wide containers, images and selector")
    func deployment() {
        #expect(Printers.columns(for: Fixture.deployment).map(\.name) == ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"])
        var d = Fixture.minimalDeployment()
        d["spec"]?["replicas"] = .int(3)
        d["status"] = .object(["readyReplicas": .int(2), "updatedReplicas": .int(3), "availableReplicas": .int(2)])
        d["metadata"]?["creationTimestamp"] = .string(ago(200))
        #expect(Printers.cells(for: d, kind: Fixture.deployment, now: Fixture.now) == [
            .string("web"), .string("2/3"), .int(3), .int(2), .string("3m20s"), .string("nginx"), .string("nginx:1.27"), .string("app=web")])
    }

    @Test("services print type, cluster IP, external IP and ports as kubectl does")
    func service() {
        #expect(Printers.columns(for: Fixture.service).map(\.name) == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"])
        let clusterIP = cells(#"{"metadata":{"name":"web"},"spec":{"type":"ClusterIP","clusterIP":"10.43.0.10","clusterIPs":["10.43.0.10"],"ports":[{"port":80,"protocol":"TCP"}],"selector":{"app":"web"}}}"#, Fixture.service)
        #expect(clusterIP.prefix(5) == [.string("web"), .string("ClusterIP"), .string("10.43.0.10"), .string("<none>"), .string("80/TCP")])
        #expect(clusterIP[6] == .string("app=web"))
        let nodePort = cells(#"{"metadata":{"name":"np"},"spec":{"type":"NodePort","clusterIP":"10.43.0.11","ports":[{"port":80,"nodePort":30080,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}}"#, Fixture.service)
        #expect(nodePort[4] == .string("80:30080/TCP,53/UDP"))
        #expect(nodePort[6] == .string("<none>"))
        let lb = cells(#"{"metadata":{"name":"lb"},"spec":{"type":"LoadBalancer","ports":[]}}"#, Fixture.service)
        #expect(lb[2] == .string("<none>"))
        #expect(lb[3] == .string("<pending>"))
        #expect(lb[4] == .string("<none>"))
    }

    @Test("nodes print readiness, roles and version; namespaces and events their summaries")
    func nodesNamespacesEvents() {
        let node = cells(#"""
        {"metadata":{"name":"n1","labels":{"node-role.kubernetes.io/control-plane":"","kubernetes.io/role":"worker"}},
         "spec":{"unschedulable":true},
         "status":{"conditions":[{"type":"Ready","status":"True"}],"addresses":[{"type":"InternalIP","address":"10.0.0.2"}],
                   "nodeInfo":{"kubeletVersion":"v1.37.1","osImage":"Debian"}}}
        """#, Fixture.node)
        #expect(node == [.string("n1"), .string("Ready,SchedulingDisabled"), .string("control-plane,worker"), .string("<unknown>"),
                         .string("v1.37.1"), .string("10.0.0.2"), .string("<none>"), .string("Debian"), .string("<unknown>"), .string("<unknown>")])
        #expect(cells(#"{"metadata":{"name":"default"},"status":{"phase":"Active"}}"#, Fixture.namespace)[1] == .string("Active"))
        let event = cells(#"""
        {"metadata":{"name":"web.1"},"type":"Normal","reason":"Scheduled","message":" Assigned ","involvedObject":{"kind":"Pod","name":"web"},
         "source":{"component":"default-scheduler"},"firstTimestamp":"\#(ago(120))","lastTimestamp":"\#(ago(60))","count":2}
        """#, Fixture.event)
        #expect(event == [.string("60s"), .string("Normal"), .string("Scheduled"), .string("pod/web"), .string(""),
                          .string("default-scheduler"), .string("Assigned"), .string("2m"), .int(2), .string("web.1")])
    }

    @Test("config maps, secrets and jobs print their counts and status")
    func configAndJobs() {
        #expect(cells(#"{"metadata":{"name":"c"},"data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="}}"#, Fixture.configMap)[1] == .int(3))
        #expect(cells(#"{"metadata":{"name":"s"},"type":"Opaque","data":{"a":"MQ=="}}"#, Fixture.secret).prefix(3) == [.string("s"), .string("Opaque"), .int(1)])
        let job = cells(#"""
        {"metadata":{"name":"j"},"spec":{"completions":3,"selector":{"matchLabels":{"job-name":"j"}},"template":{"spec":{"containers":[{"name":"c","image":"busybox"}]}}},
         "status":{"succeeded":3,"startTime":"\#(ago(100))","completionTime":"\#(ago(40))","conditions":[{"type":"Complete","status":"True"}]}}
        """#, Fixture.job)
        #expect(job == [.string("j"), .string("Complete"), .string("3/3"), .string("60s"), .string("<unknown>"),
                        .string("c"), .string("busybox"), .string("job-name=j")])
    }

    @Test("kinds without a printer get Name and Created At")
    func defaultPrinter() {
        let kind = GroupVersionKind(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole")
        #expect(Printers.columns(for: kind).map(\.name) == ["Name", "Created At"])
        #expect(Printers.columns(for: kind)[1].type == "date")
        #expect(cells(#"{"metadata":{"name":"admin","creationTimestamp":"2026-11-22T02:00:00Z"}}"#, kind) == [.string("admin"), .string("2026-11-22T02:00:00Z")])
    }

    @Test("every printer returns one cell per column, even for empty objects")
    func cellCounts() {
        let kinds: [(String, String)] = [
            ("", "Pod"), ("", "Service"), ("", "Node"), ("", "Namespace"), ("", "Event"), ("", "ConfigMap"), ("", "Secret"),
            ("", "Endpoints"), ("", "ServiceAccount"), ("", "PersistentVolume"), ("", "PersistentVolumeClaim"), ("", "PodTemplate"),
            ("", "ReplicationController"), ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"), ("apps", "DaemonSet"),
            ("batch", "Job"), ("batch", "CronJob"), ("networking.k8s.io", "Ingress"), ("rbac.authorization.k8s.io", "RoleBinding"),
            ("coordination.k8s.io", "Lease"), ("storage.k8s.io", "StorageClass"), ("scheduling.k8s.io", "PriorityClass"),
            ("autoscaling", "HorizontalPodAutoscaler"), ("policy", "PodDisruptionBudget"), ("discovery.k8s.io", "EndpointSlice"),
        ]
        for (group, kind) in kinds {
            let gvk = GroupVersionKind(group: group, version: "v1", kind: kind)
            #expect(Printers.hasPrinter(for: gvk), "\(kind)")
            for object: JSONValue in [.object([:]), .null, Fixture.json(#"{"metadata":{"name":"x"},"spec":{"a":[1]},"status":"bad"}"#)] {
                #expect(Printers.cells(for: object, kind: gvk, now: Fixture.now).count == Printers.columns(for: gvk).count, "\(kind)")
            }
        }
    }
}
