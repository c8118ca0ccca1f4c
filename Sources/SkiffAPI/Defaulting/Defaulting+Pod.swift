/// Pod and pod-template defaults (core/v1 SetDefaults_Pod, _PodSpec, _Container, _Probe,
/// _Volume, …). Pods (not templates) also get what the ServiceAccount, Priority and
/// DefaultTolerationSeconds admission plugins add, and an initial `Pending` status.
extension Defaulting {
    static func defaultPod(_ pod: inout JSONObject) {
        pod.editObject("spec", create: true) { spec in
            defaultPodSpec(&spec)
            spec.setIfAbsent("enableServiceLinks", .bool(true))
            // ServiceAccount admission: the `default` account, mirrored into the deprecated field.
            let account = spec.stringField("serviceAccountName").flatMap { $0.isEmpty ? nil : $0 }
                ?? spec.stringField("serviceAccount").flatMap { $0.isEmpty ? nil : $0 } ?? "default"
            spec["serviceAccountName"] = .string(account)
            spec["serviceAccount"] = .string(account)
            // Priority admission without a PriorityClass.
            spec.setIfAbsent("priority", .int(0))
            spec.setIfZero("preemptionPolicy", .string("PreemptLowerPriority"))
            addDefaultTolerations(&spec)
        }
        let qos = qualityOfServiceClass(pod.objectField("spec") ?? [:])
        pod.editObject("status", create: true) { status in
            status.setIfZero("phase", .string("Pending"))
            status.setIfZero("qosClass", .string(qos))
        }
    }

    static func defaultPodTemplate(_ template: inout JSONObject) {
        template.editObject("spec", create: true) { defaultPodSpec(&$0) }
    }

    static func defaultPodSpec(_ spec: inout JSONObject) {
        spec.setIfZero("dnsPolicy", .string("ClusterFirst"))
        spec.setIfZero("restartPolicy", .string("Always"))
        spec.setIfAbsent("securityContext", .object([:]))
        spec.setIfAbsent("terminationGracePeriodSeconds", .int(30))
        spec.setIfZero("schedulerName", .string("default-scheduler"))
        let hostNetwork = spec.boolField("hostNetwork") ?? false
        for key in ["initContainers", "containers"] {
            spec.editObjects(key) { defaultContainer(&$0, hostNetwork: hostNetwork) }
        }
        spec.editObjects("ephemeralContainers") { defaultContainer(&$0, hostNetwork: false) }
        spec.editObjects("volumes") { defaultVolume(&$0) }
    }

    static func defaultContainer(_ container: inout JSONObject, hostNetwork: Bool) {
        if container.stringField("imagePullPolicy") ?? "" == "" {
            let tag = imageTag(container.stringField("image") ?? "")
            container["imagePullPolicy"] = .string(tag == "latest" ? "Always" : "IfNotPresent")
        }
        container.setIfZero("terminationMessagePath", .string("/dev/termination-log"))
        container.setIfZero("terminationMessagePolicy", .string("File"))
        container.editObjects("ports") { port in
            port.setIfZero("protocol", .string("TCP"))
            if hostNetwork, let containerPort = port["containerPort"] { port.setIfZero("hostPort", containerPort) }
        }
        container.editObject("resources", create: true) { resources in
            // Requests default to limits for every resource with a limit and no request.
            guard let limits = resources.objectField("limits"), !limits.isEmpty else { return }
            resources.editObject("requests", create: true) { requests in
                for (name, value) in limits where requests[name] == nil { requests[name] = value }
            }
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            container.editObject(probe) { defaultProbe(&$0) }
        }
        for hook in ["postStart", "preStop"] {
            container.editObject("lifecycle") { lifecycle in
                lifecycle.editObject(hook) { $0.editObject("httpGet") { defaultHTTPGet(&$0) } }
            }
        }
        container.editObjects("env") { env in
            env.editObject("valueFrom") { $0.editObject("fieldRef") { $0.setIfZero("apiVersion", .string("v1")) } }
        }
    }

    static func defaultProbe(_ probe: inout JSONObject) {
        probe.setIfZero("timeoutSeconds", .int(1))
        probe.setIfZero("periodSeconds", .int(10))
        probe.setIfZero("successThreshold", .int(1))
        probe.setIfZero("failureThreshold", .int(3))
        probe.editObject("httpGet") { defaultHTTPGet(&$0) }
        probe.editObject("grpc") { $0.setIfAbsent("service", .string("")) }
    }

    static func defaultHTTPGet(_ action: inout JSONObject) {
        action.setIfZero("path", .string("/"))
        action.setIfZero("scheme", .string("HTTP"))
    }

    /// The volume sources a volume may name; a volume naming none becomes an emptyDir.
    static let volumeSourceKeys: Set<String> = [
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
        "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker",
        "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
        "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
    ]

    static func defaultVolume(_ volume: inout JSONObject) {
        if !volume.keys.contains(where: { volumeSourceKeys.contains($0) && volume[$0] != .null }) {
            volume["emptyDir"] = .object([:])
        }
        for key in ["configMap", "secret", "downwardAPI", "projected"] {
            volume.editObject(key) { $0.setIfAbsent("defaultMode", .int(420)) }
        }
        volume.editObject("downwardAPI") { source in
            source.editObjects("items") { $0.editObject("fieldRef") { $0.setIfZero("apiVersion", .string("v1")) } }
        }
        volume.editObject("hostPath") { $0.setIfAbsent("type", .string("")) }
        volume.editObject("iscsi") { $0.setIfZero("iscsiInterface", .string("default")) }
        volume.editObject("rbd") { rbd in
            rbd.setIfZero("pool", .string("rbd"))
            rbd.setIfZero("user", .string("admin"))
            rbd.setIfZero("keyring", .string("/etc/ceph/keyring"))
        }
        volume.editObject("azureDisk") { disk in
            disk.setIfAbsent("cachingMode", .string("ReadWrite"))
            disk.setIfAbsent("fsType", .string("ext4"))
            disk.setIfAbsent("readOnly", .bool(false))
            disk.setIfAbsent("kind", .string("Shared"))
        }
        volume.editObject("ephemeral") { source in
            source.editObject("volumeClaimTemplate") {
                $0.editObject("spec", create: true) { $0.setIfZero("volumeMode", .string("Filesystem")) }
            }
        }
    }

    /// The tag `docker pull` would use: the part after the last `:` of the last path component,
    /// `latest` when there is neither tag nor digest, `""` for a digest without a tag.
    static func imageTag(_ image: String) -> String {
        var reference = Substring(image)
        var hasDigest = false
        if let at = reference.firstIndex(of: "@") {
            hasDigest = true
            reference = reference[..<at]
        }
        let lastComponent = reference.split(separator: "/", omittingEmptySubsequences: false).last ?? reference
        if let colon = lastComponent.lastIndex(of: ":") {
            return String(lastComponent[lastComponent.index(after: colon)...])
        }
        return hasDigest ? "" : "latest"
    }

    /// DefaultTolerationSeconds admission: tolerate not-ready/unreachable nodes for 300 s.
    static func addDefaultTolerations(_ spec: inout JSONObject) {
        var tolerations = spec.arrayField("tolerations") ?? []
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            let covered = tolerations.contains { toleration in
                guard let t = toleration.objectValue else { return false }
                let effect = t.stringField("effect") ?? ""
                let tKey = t.stringField("key") ?? ""
                return (effect == "" || effect == "NoExecute") && (tKey == key || (tKey == "" && t.stringField("operator") == "Exists"))
            }
            if !covered {
                tolerations.append(.object([
                    "key": .string(key), "operator": .string("Exists"),
                    "effect": .string("NoExecute"), "tolerationSeconds": .int(300),
                ]))
            }
        }
        spec["tolerations"] = .array(tolerations)
    }

    /// Guaranteed when every container has equal cpu and memory requests and limits,
    /// BestEffort when no container has any, Burstable otherwise (pkg/apis/core/helper/qos).
    static func qualityOfServiceClass(_ spec: JSONObject) -> String {
        var containers = spec.arrayField("containers") ?? []
        containers += spec.arrayField("initContainers") ?? []
        var anySet = false
        var guaranteed = true
        for container in containers {
            let resources = container.objectValue?.objectField("resources") ?? [:]
            let requests = resources.objectField("requests") ?? [:]
            let limits = resources.objectField("limits") ?? [:]
            for name in ["cpu", "memory"] {
                if requests[name] != nil || limits[name] != nil { anySet = true }
                guard let limit = limits[name] else {
                    guaranteed = false
                    continue
                }
                if let request = requests[name], request != limit, ResourceAmount(request) != ResourceAmount(limit) {
                    guaranteed = false
                }
            }
        }
        if !anySet { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
