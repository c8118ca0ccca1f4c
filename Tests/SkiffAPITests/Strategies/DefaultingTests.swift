import Testing
@testable import SkiffAPI

@Suite("Defaulting", .timeLimit(.minutes(5)))
struct DefaultingTests {
    @Test("a minimal pod gets Kubernetes' pod, container and admission defaults")
    func podDefaults() {
        let pod = Fixture.defaulted(Fixture.minimalPod(image: "nginx"), Fixture.pod)
        #expect(pod.at("spec.restartPolicy") == .string("Always"))
        #expect(pod.at("spec.dnsPolicy") == .string("ClusterFirst"))
        #expect(pod.at("spec.terminationGracePeriodSeconds") == .int(30))
        #expect(pod.at("spec.schedulerName") == .string("default-scheduler"))
        #expect(pod.at("spec.securityContext") == .object([:]))
        #expect(pod.at("spec.enableServiceLinks") == .bool(true))
        #expect(pod.at("spec.preemptionPolicy") == .string("PreemptLowerPriority"))
        #expect(pod.at("spec.priority") == .int(0))
        #expect(pod.at("spec.serviceAccountName") == .string("default"))
        #expect(pod.at("spec.serviceAccount") == .string("default"))
        #expect(pod.at("spec.tolerations")?.arrayValue?.count == 2)
        #expect(pod.at("spec.containers.0.imagePullPolicy") == .string("Always"))
        #expect(pod.at("spec.containers.0.terminationMessagePath") == .string("/dev/termination-log"))
        #expect(pod.at("spec.containers.0.terminationMessagePolicy") == .string("File"))
        #expect(pod.at("spec.containers.0.resources") == .object([:]))
        #expect(pod.at("status.phase") == .string("Pending"))
        #expect(pod.at("status.qosClass") == .string("BestEffort"))
    }

    @Test("imagePullPolicy follows the image tag")
    func pullPolicy() {
        #expect(Defaulting.imageTag("nginx") == "latest")
        #expect(Defaulting.imageTag("nginx:latest") == "latest")
        #expect(Defaulting.imageTag("nginx:1.27") == "1.27")
        #expect(Defaulting.imageTag("localhost:5000/app") == "latest")
        #expect(Defaulting.imageTag("localhost:5000/app:v2") == "v2")
        #expect(Defaulting.imageTag("nginx@sha256:abcd") == "")
        let tagged = Fixture.defaulted(Fixture.minimalPod(image: "nginx:1.27"), Fixture.pod)
        #expect(tagged.at("spec.containers.0.imagePullPolicy") == .string("IfNotPresent"))
    }

    @Test("ports, probes, env fieldRefs and volumes get their defaults")
    func nestedDefaults() {
        let pod = Fixture.json(#"""
        {"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x:1","ports":[{"containerPort":80}],
          "readinessProbe":{"httpGet":{"port":80}},"env":[{"name":"N","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
          "resources":{"limits":{"cpu":"1"}}}],
          "volumes":[{"name":"a"},{"name":"b","configMap":{"name":"cm"}},{"name":"c","secret":{"secretName":"s"}},{"name":"d","hostPath":{"path":"/x"}}]}}
        """#)
        let defaulted = Fixture.defaulted(pod, Fixture.pod)
        #expect(defaulted.at("spec.containers.0.ports.0.protocol") == .string("TCP"))
        #expect(defaulted.at("spec.containers.0.readinessProbe.timeoutSeconds") == .int(1))
        #expect(defaulted.at("spec.containers.0.readinessProbe.periodSeconds") == .int(10))
        #expect(defaulted.at("spec.containers.0.readinessProbe.successThreshold") == .int(1))
        #expect(defaulted.at("spec.containers.0.readinessProbe.failureThreshold") == .int(3))
        #expect(defaulted.at("spec.containers.0.readinessProbe.httpGet.path") == .string("/"))
        #expect(defaulted.at("spec.containers.0.readinessProbe.httpGet.scheme") == .string("HTTP"))
        #expect(defaulted.at("spec.containers.0.env.0.valueFrom.fieldRef.apiVersion") == .string("v1"))
        #expect(defaulted.at("spec.containers.0.resources.requests.cpu") == .string("1"))
        #expect(defaulted.at("spec.volumes.0.emptyDir") == .object([:]))
        #expect(defaulted.at("spec.volumes.1.configMap.defaultMode") == .int(420))
        #expect(defaulted.at("spec.volumes.2.secret.defaultMode") == .int(420))
        #expect(defaulted.at("spec.volumes.3.hostPath.type") == .string(""))
        #expect(defaulted.at("status.qosClass") == .string("Burstable"))
    }

    @Test("defaulting twice changes nothing more")
    func idempotent() {
        let once = Fixture.defaulted(Fixture.minimalDeployment(), Fixture.deployment)
        #expect(Fixture.defaulted(once, Fixture.deployment) == once)
        let pod = Fixture.defaulted(Fixture.minimalPod(), Fixture.pod)
        #expect(Fixture.defaulted(pod, Fixture.pod) == pod)
    }

    @Test("a minimal deployment gets replicas, strategy and template defaults but no pod-only fields")
    func deploymentDefaults() {
        let d = Fixture.defaulted(Fixture.minimalDeployment(), Fixture.deployment)
        #expect(d.at("spec.replicas") == .int(1))
        #expect(d.at("spec.strategy.type") == .string("RollingUpdate"))
        #expect(d.at("spec.strategy.rollingUpdate.maxUnavailable") == .string("25%"))
        #expect(d.at("spec.strategy.rollingUpdate.maxSurge") == .string("25%"))
        #expect(d.at("spec.revisionHistoryLimit") == .int(10))
        #expect(d.at("spec.progressDeadlineSeconds") == .int(600))
        #expect(d.at("spec.template.spec.restartPolicy") == .string("Always"))
        #expect(d.at("spec.template.spec.containers.0.imagePullPolicy") == .string("IfNotPresent"))
        #expect(d.at("spec.template.spec.serviceAccountName") == nil)
        #expect(d.at("spec.template.spec.enableServiceLinks") == nil)
    }

    @Test("a minimal service gets ClusterIP defaults and targetPort = port")
    func serviceDefaults() {
        let s = Fixture.defaulted(Fixture.minimalService(), Fixture.service)
        #expect(s.at("spec.type") == .string("ClusterIP"))
        #expect(s.at("spec.sessionAffinity") == .string("None"))
        #expect(s.at("spec.ports.0.protocol") == .string("TCP"))
        #expect(s.at("spec.ports.0.targetPort") == .int(80))
        #expect(s.at("spec.ipFamilyPolicy") == .string("SingleStack"))
        #expect(s.at("spec.ipFamilies") == .array([.string("IPv4")]))
        #expect(s.at("spec.internalTrafficPolicy") == .string("Cluster"))
        #expect(s.at("spec.externalTrafficPolicy") == nil)
        var nodePort = Fixture.minimalService()
        nodePort["spec"]?["type"] = .string("NodePort")
        #expect(Fixture.defaulted(nodePort, Fixture.service).at("spec.externalTrafficPolicy") == .string("Cluster"))
    }

    @Test("stateful sets, daemon sets, jobs and cron jobs get their controller defaults")
    func workloadDefaults() {
        let sts = Fixture.defaulted(Fixture.json(#"{"metadata":{"name":"s"},"spec":{"template":{"spec":{"containers":[]}}}}"#), Fixture.statefulSet)
        #expect(sts.at("spec.podManagementPolicy") == .string("OrderedReady"))
        #expect(sts.at("spec.updateStrategy.rollingUpdate.partition") == .int(0))
        #expect(sts.at("spec.updateStrategy.rollingUpdate.maxUnavailable") == .int(1))
        #expect(sts.at("spec.persistentVolumeClaimRetentionPolicy.whenDeleted") == .string("Retain"))
        let ds = Fixture.defaulted(Fixture.json(#"{"metadata":{"name":"d"},"spec":{}}"#), GroupVersionKind(group: "apps", version: "v1", kind: "DaemonSet"))
        #expect(ds.at("spec.updateStrategy.rollingUpdate.maxUnavailable") == .int(1))
        #expect(ds.at("spec.updateStrategy.rollingUpdate.maxSurge") == .int(0))
        let job = Fixture.defaulted(Fixture.json(#"{"metadata":{"name":"j","uid":"u-1"},"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}"#), Fixture.job)
        #expect(job.at("spec.completions") == .int(1))
        #expect(job.at("spec.parallelism") == .int(1))
        #expect(job.at("spec.backoffLimit") == .int(6))
        #expect(job.at("spec.completionMode") == .string("NonIndexed"))
        #expect(job.at("spec.suspend") == .bool(false))
        #expect(job.at("spec.podReplacementPolicy") == .string("TerminatingOrFailed"))
        #expect(job.at("spec.selector.matchLabels")?["batch.kubernetes.io/controller-uid"] == .string("u-1"))
        #expect(job.at("spec.template.metadata.labels")?["job-name"] == .string("j"))
        #expect(Validation.validateCreate(job, kind: Fixture.job).isEmpty)
        let cron = Fixture.defaulted(Fixture.json(#"{"metadata":{"name":"c"},"spec":{"schedule":"* * * * *"}}"#), Fixture.cronJob)
        #expect(cron.at("spec.concurrencyPolicy") == .string("Allow"))
        #expect(cron.at("spec.successfulJobsHistoryLimit") == .int(3))
        #expect(cron.at("spec.failedJobsHistoryLimit") == .int(1))
    }

    @Test("namespaces, secrets and volumes of storage get their defaults")
    func otherDefaults() {
        let ns = Fixture.defaulted(Fixture.json(#"{"metadata":{"name":"team"}}"#), Fixture.namespace)
        #expect(ns.at("spec.finalizers") == .array([.string("kubernetes")]))
        #expect(ns.at("status.phase") == .string("Active"))
        #expect(ns.at("metadata.labels")?["kubernetes.io/metadata.name"] == .string("team"))
        let secret = Fixture.defaulted(Fixture.json(#"{"metadata":{"name":"s"},"stringData":{"k":"hi"}}"#), Fixture.secret)
        #expect(secret.at("type") == .string("Opaque"))
        #expect(secret.at("data.k") == .string("aGk="))
        #expect(secret.at("stringData") == nil)
        let pvc = Fixture.defaulted(Fixture.json(#"{"metadata":{"name":"c"},"spec":{}}"#), GroupVersionKind(group: "", version: "v1", kind: "PersistentVolumeClaim"))
        #expect(pvc.at("spec.volumeMode") == .string("Filesystem"))
        let pv = Fixture.defaulted(Fixture.json(#"{"metadata":{"name":"v"},"spec":{}}"#), GroupVersionKind(group: "", version: "v1", kind: "PersistentVolume"))
        #expect(pv.at("spec.persistentVolumeReclaimPolicy") == .string("Retain"))
        let policy = Fixture.defaulted(Fixture.json(#"{"metadata":{"name":"n"},"spec":{"egress":[{}]}}"#), GroupVersionKind(group: "networking.k8s.io", version: "v1", kind: "NetworkPolicy"))
        #expect(policy.at("spec.policyTypes") == .array([.string("Ingress"), .string("Egress")]))
    }

    @Test("unknown kinds and non-objects are left alone")
    func unknownKinds() {
        let value = Fixture.json(#"{"metadata":{"name":"x"},"spec":{"a":1}}"#)
        #expect(Fixture.defaulted(value, GroupVersionKind(group: "example.com", version: "v1", kind: "Widget")) == value)
        #expect(Fixture.defaulted(.array([]), Fixture.pod) == .array([]))
    }
}
