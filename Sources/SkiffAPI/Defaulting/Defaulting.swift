import Foundation

/// Kubernetes' built-in defaults (pkg/apis/*/v1/defaults.go, plus the few values the default
/// admission plugins and create strategies add: a pod's service account, priority and
/// not-ready/unreachable tolerations, a namespace's `kubernetes` finalizer, a job's generated
/// selector), applied to decoded objects.
///
/// Contract: only absent (or Go-zero-valued) fields are filled, so applying twice changes
/// nothing; values of the wrong JSON type are left for validation to report; kinds without
/// defaults are untouched. Call it after the server has set `metadata.uid` (a Job's generated
/// selector uses it) and before `Validation.validateCreate`.
public enum Defaulting {
    public static func apply(to object: inout JSONValue, kind: GroupVersionKind) {
        guard case .object(var fields) = object else { return }
        object = .null
        apply(to: &fields, kind: kind)
        object = .object(fields)
    }

    static func apply(to object: inout JSONObject, kind: GroupVersionKind) {
        switch (kind.group, kind.kind) {
        case ("", "Pod"): defaultPod(&object)
        case ("", "PodTemplate"): object.editObject("template") { defaultPodTemplate(&$0) }
        case ("", "ReplicationController"): defaultReplicationController(&object)
        case ("", "Service"): object.editObject("spec", create: true) { defaultServiceSpec(&$0) }
        case ("", "Namespace"): defaultNamespace(&object)
        case ("", "Secret"): defaultSecret(&object)
        case ("", "PersistentVolumeClaim"): defaultPersistentVolumeClaim(&object)
        case ("", "PersistentVolume"): defaultPersistentVolume(&object)
        case ("", "Endpoints"):
            object.editObjects("subsets") { $0.editObjects("ports") { $0.setIfZero("protocol", .string("TCP")) } }
        case ("", "LimitRange"): defaultLimitRange(&object)
        case ("discovery.k8s.io", "EndpointSlice"): defaultEndpointSlice(&object)
        case ("apps", "Deployment"): defaultDeployment(&object)
        case ("apps", "ReplicaSet"): defaultReplicaSet(&object)
        case ("apps", "StatefulSet"): defaultStatefulSet(&object)
        case ("apps", "DaemonSet"): defaultDaemonSet(&object)
        case ("batch", "Job"): defaultJob(&object)
        case ("batch", "CronJob"): defaultCronJob(&object)
        case ("networking.k8s.io", "NetworkPolicy"): defaultNetworkPolicy(&object)
        case ("autoscaling", "HorizontalPodAutoscaler"): defaultHorizontalPodAutoscaler(&object, version: kind.version)
        case ("rbac.authorization.k8s.io", "RoleBinding"), ("rbac.authorization.k8s.io", "ClusterRoleBinding"):
            defaultBinding(&object)
        case ("storage.k8s.io", "CSIDriver"): defaultCSIDriver(&object)
        case ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"): defaultWebhooks(&object, mutating: false)
        case ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"): defaultWebhooks(&object, mutating: true)
        case ("apiextensions.k8s.io", "CustomResourceDefinition"): defaultCustomResourceDefinition(&object)
        case ("storage.k8s.io", "StorageClass"):
            object.setIfZero("reclaimPolicy", .string("Delete"))
            object.setIfZero("volumeBindingMode", .string("Immediate"))
        case ("scheduling.k8s.io", "PriorityClass"):
            object.setIfZero("preemptionPolicy", .string("PreemptLowerPriority"))
        default: break
        }
    }

    // MARK: - Core kinds other than pods

    static func defaultServiceSpec(_ spec: inout JSONObject) {
        spec.setIfZero("type", .string("ClusterIP"))
        let type = spec.stringField("type") ?? "ClusterIP"
        spec.setIfZero("sessionAffinity", .string("None"))
        if spec.stringField("sessionAffinity") == "ClientIP" {
            spec.editObject("sessionAffinityConfig", create: true) {
                $0.editObject("clientIP", create: true) { $0.setIfAbsent("timeoutSeconds", .int(10800)) }
            }
        }
        spec.editObjects("ports") { port in
            port.setIfZero("protocol", .string("TCP"))
            if let number = port["port"], port["targetPort"] == nil || port["targetPort"] == .int(0)
                || port["targetPort"] == .string("") || port["targetPort"] == .null {
                port["targetPort"] = number
            }
        }
        if type == "NodePort" || type == "LoadBalancer" {
            spec.setIfZero("externalTrafficPolicy", .string("Cluster"))
        }
        if type == "LoadBalancer" {
            spec.setIfAbsent("allocateLoadBalancerNodePorts", .bool(true))
        }
        if type != "ExternalName" {
            spec.setIfZero("internalTrafficPolicy", .string("Cluster"))
            // A single-stack IPv4 cluster: what the service registry records for every
            // service that gets (or is denied) a cluster IP.
            spec.setIfZero("ipFamilyPolicy", .string("SingleStack"))
            if spec.arrayField("ipFamilies")?.isEmpty ?? true {
                spec["ipFamilies"] = .array([.string("IPv4")])
            }
        }
    }

    /// `type: Opaque`, and `stringData` merged into `data` (base64) as the v1 conversion does;
    /// stringData wins over data for the same key.
    static func defaultSecret(_ object: inout JSONObject) {
        object.setIfZero("type", .string("Opaque"))
        guard let stringData = object.objectField("stringData") else { return }
        object["stringData"] = nil
        object.editObject("data", create: true) { data in
            for (key, value) in stringData {
                data[key] = .string(Data((value.stringValue ?? "").utf8).base64EncodedString())
            }
        }
    }

    static func defaultNamespace(_ object: inout JSONObject) {
        if let name = object.objectField("metadata")?.stringField("name"), !name.isEmpty {
            object.editObject("metadata", create: true) {
                $0.editObject("labels", create: true) { $0.setIfAbsent("kubernetes.io/metadata.name", .string(name)) }
            }
        }
        object.editObject("spec", create: true) { spec in
            if spec.arrayField("finalizers")?.isEmpty ?? true { spec["finalizers"] = .array([.string("kubernetes")]) }
        }
        object.editObject("status", create: true) { $0.setIfZero("phase", .string("Active")) }
    }

    static func defaultPersistentVolumeClaim(_ object: inout JSONObject) {
        object.editObject("spec", create: true) { $0.setIfZero("volumeMode", .string("Filesystem")) }
        object.editObject("status", create: true) { $0.setIfZero("phase", .string("Pending")) }
    }

    static func defaultPersistentVolume(_ object: inout JSONObject) {
        object.editObject("spec", create: true) { spec in
            spec.setIfZero("persistentVolumeReclaimPolicy", .string("Retain"))
            spec.editObject("hostPath") { $0.setIfAbsent("type", .string("")) }
            spec.setIfZero("volumeMode", .string("Filesystem"))
        }
        object.editObject("status", create: true) { $0.setIfZero("phase", .string("Pending")) }
    }

    static func defaultNetworkPolicy(_ object: inout JSONObject) {
        object.editObject("spec", create: true) { spec in
            let emptyTypes = spec.arrayField("policyTypes")?.isEmpty ?? true
            if emptyTypes {
                // Any policy that does not specify policyTypes implies at least "Ingress".
                var types: [JSONValue] = [.string("Ingress")]
                if !(spec.arrayField("egress")?.isEmpty ?? true) { types.append(.string("Egress")) }
                spec["policyTypes"] = .array(types)
            }
            let defaultPorts: (inout JSONObject) -> Void = { rule in
                rule.editObjects("ports") { $0.setIfZero("protocol", .string("TCP")) }
            }
            spec.editObjects("ingress", defaultPorts)
            spec.editObjects("egress", defaultPorts)
        }
    }

    static func defaultHorizontalPodAutoscaler(_ object: inout JSONObject, version: String) {
        // The status struct is always serialized by Kubernetes, with desiredReplicas (not omitempty)
        // as 0 until the controller acts; clients that validate responses require it.
        object.editObject("status", create: true) { status in
            status.setIfAbsent("desiredReplicas", .int(0))
            if version == "v1" { status.setIfAbsent("currentReplicas", .int(0)) }
        }
        object.editObject("spec", create: true) { spec in
            spec.setIfAbsent("minReplicas", .int(1))
            guard version == "v2" else { return }
            if spec.arrayField("metrics")?.isEmpty ?? true {
                spec["metrics"] = .array([.object([
                    "type": .string("Resource"),
                    "resource": .object([
                        "name": .string("cpu"),
                        "target": .object(["type": .string("Utilization"), "averageUtilization": .int(80)]),
                    ]),
                ])])
            }
            // Behavior stays unset unless given; a given behavior gets its missing rules filled.
            spec.editObject("behavior") { behavior in
                behavior.editObject("scaleUp", create: true) { rules in
                    rules.setIfAbsent("stabilizationWindowSeconds", .int(0))
                    rules.setIfZero("selectPolicy", .string("Max"))
                    if rules.arrayField("policies")?.isEmpty ?? true {
                        rules["policies"] = .array([
                            .object(["type": .string("Pods"), "value": .int(4), "periodSeconds": .int(15)]),
                            .object(["type": .string("Percent"), "value": .int(100), "periodSeconds": .int(15)]),
                        ])
                    }
                }
                behavior.editObject("scaleDown", create: true) { rules in
                    rules.setIfAbsent("stabilizationWindowSeconds", .int(300))
                    rules.setIfZero("selectPolicy", .string("Max"))
                    if rules.arrayField("policies")?.isEmpty ?? true {
                        rules["policies"] = .array([
                            .object(["type": .string("Percent"), "value": .int(100), "periodSeconds": .int(15)]),
                        ])
                    }
                }
            }
        }
    }

    static func defaultSubject(_ subject: inout JSONObject) {
        guard subject["apiGroup"] == nil || subject["apiGroup"] == .null else { return }
        switch subject.stringField("kind") {
        case "ServiceAccount": subject["apiGroup"] = .string("")
        case "User", "Group": subject["apiGroup"] = .string("rbac.authorization.k8s.io")
        default: break
        }
    }
}
