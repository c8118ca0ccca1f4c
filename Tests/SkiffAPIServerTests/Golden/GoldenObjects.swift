/// Minimal manifests of the built-in kinds and the JSON kube-apiserver 1.37 answers to their
/// create, written from the upstream Go types (field order, omitempty), defaulting
/// (SetDefaults_*), create strategies (PrepareForCreate) and default admission plugins.
///
/// Normalised in both: the uid (wherever it appears), creationTimestamp and other server
/// timestamps → "TS", resourceVersion → "RV", allocated cluster IPs → "IP". Left out on purpose:
/// `metadata.managedFields` (Skiff does not track field managers), the ServiceAccount
/// admission's token volume (the Pod sets automountServiceAccountToken: false), and the
/// StorageObjectInUseProtection finalizers on PVCs/PVs (Skiff has no protection controller
/// that would remove them). Whitespace in the expected text is for reading only.
enum GoldenObjects {
    struct Case: Sendable {
        var name: String
        var path: String
        var manifest: String
        var expected: String
    }

    static let template = #"""
        "spec":{"containers":[{"name":"web","image":"nginx:1.27","resources":{},
          "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],
          "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},
          "schedulerName":"default-scheduler"}
        """#
    static let templateInput = #""spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}"#

    static func meta(_ name: String, namespace: String? = "default", generation: Bool = false, extra: String = "") -> String {
        var s = #""metadata":{"name":"\#(name)","#
        if let namespace { s += #""namespace":"\#(namespace)","# }
        s += #""uid":"UID","resourceVersion":"RV","#
        if generation { s += #""generation":1,"# }
        s += #""creationTimestamp":"TS""# + extra + "}"
        return s
    }

    static var all: [Case] { cases + moreCases }

    static let cases: [Case] = [
        Case(name: "ConfigMap", path: "/api/v1/namespaces/default/configmaps",
             manifest: #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"b":"2","a":"1"}}"#,
             expected: #"{"kind":"ConfigMap","apiVersion":"v1",\#(meta("cm")),"data":{"a":"1","b":"2"}}"#),
        Case(name: "Secret", path: "/api/v1/namespaces/default/secrets",
             manifest: #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"sec"},"stringData":{"user":"admin"}}"#,
             expected: #"{"kind":"Secret","apiVersion":"v1",\#(meta("sec")),"data":{"user":"YWRtaW4="},"type":"Opaque"}"#),
        Case(name: "ServiceAccount", path: "/api/v1/namespaces/default/serviceaccounts",
             manifest: #"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"sa"}}"#,
             expected: #"{"kind":"ServiceAccount","apiVersion":"v1",\#(meta("sa"))}"#),
        Case(name: "Namespace", path: "/api/v1/namespaces",
             manifest: #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"golden"}}"#,
             expected: #"""
                {"kind":"Namespace","apiVersion":"v1",
                 \#(meta("golden", namespace: nil, extra: #","labels":{"kubernetes.io/metadata.name":"golden"}"#)),
                 "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}
                """#),
        Case(name: "Lease", path: "/apis/coordination.k8s.io/v1/namespaces/default/leases",
             manifest: #"{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l"},"spec":{"holderIdentity":"a"}}"#,
             expected: #"{"kind":"Lease","apiVersion":"coordination.k8s.io/v1",\#(meta("l")),"spec":{"holderIdentity":"a"}}"#),
        Case(name: "Pod", path: "/api/v1/namespaces/default/pods",
             manifest: #"""
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
                 "spec":{"automountServiceAccountToken":false,"containers":[{"name":"c","image":"busybox:1.36"}]}}
                """#,
             expected: #"""
                {"kind":"Pod","apiVersion":"v1",\#(meta("p", generation: true)),
                 "spec":{"containers":[{"name":"c","image":"busybox:1.36","resources":{},
                   "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],
                   "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst",
                   "serviceAccountName":"default","serviceAccount":"default","automountServiceAccountToken":false,
                   "securityContext":{},"schedulerName":"default-scheduler",
                   "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},
                                  {"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],
                   "priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},
                 "status":{"phase":"Pending","qosClass":"BestEffort"}}
                """#),
        Case(name: "Service", path: "/api/v1/namespaces/default/services",
             manifest: #"{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"selector":{"app":"s"},"ports":[{"port":80}]}}"#,
             expected: #"""
                {"kind":"Service","apiVersion":"v1",\#(meta("s")),
                 "spec":{"ports":[{"protocol":"TCP","port":80,"targetPort":80}],"selector":{"app":"s"},
                   "clusterIP":"IP","clusterIPs":["IP"],"type":"ClusterIP","sessionAffinity":"None",
                   "ipFamilies":["IPv4"],"ipFamilyPolicy":"SingleStack","internalTrafficPolicy":"Cluster"},
                 "status":{"loadBalancer":{}}}
                """#),
        Case(name: "PersistentVolumeClaim", path: "/api/v1/namespaces/default/persistentvolumeclaims",
             manifest: #"""
                {"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"pvc"},
                 "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}},"storageClassName":"manual"}}
                """#,
             expected: #"""
                {"kind":"PersistentVolumeClaim","apiVersion":"v1",\#(meta("pvc")),
                 "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}},
                   "storageClassName":"manual","volumeMode":"Filesystem"},
                 "status":{"phase":"Pending"}}
                """#),
        Case(name: "PersistentVolume", path: "/api/v1/persistentvolumes",
             manifest: #"""
                {"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv"},
                 "spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"hostPath":{"path":"/tmp/pv"}}}
                """#,
             expected: #"""
                {"kind":"PersistentVolume","apiVersion":"v1",\#(meta("pv", namespace: nil)),
                 "spec":{"capacity":{"storage":"1Gi"},"hostPath":{"path":"/tmp/pv","type":""},"accessModes":["ReadWriteOnce"],
                   "persistentVolumeReclaimPolicy":"Retain","volumeMode":"Filesystem"},
                 "status":{"phase":"Pending","lastPhaseTransitionTime":"TS"}}
                """#),
        Case(name: "Node", path: "/api/v1/nodes",
             manifest: #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"golden-node"}}"#,
             expected: #"""
                {"kind":"Node","apiVersion":"v1",\#(meta("golden-node", namespace: nil)),"spec":{},
                 "status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":0}},
                   "nodeInfo":{"machineID":"","systemUUID":"","bootID":"","kernelVersion":"","osImage":"",
                     "containerRuntimeVersion":"","kubeletVersion":"","kubeProxyVersion":"","operatingSystem":"","architecture":""}}}
                """#),
        Case(name: "Deployment", path: "/apis/apps/v1/namespaces/default/deployments",
             manifest: #"""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
                 "spec":{"selector":{"matchLabels":{"app":"d"}},"template":{"metadata":{"labels":{"app":"d"}},\#(templateInput)}}}
                """#,
             expected: #"""
                {"kind":"Deployment","apiVersion":"apps/v1",\#(meta("d", generation: true)),
                 "spec":{"replicas":1,"selector":{"matchLabels":{"app":"d"}},
                   "template":{"metadata":{"labels":{"app":"d"}},\#(template)},
                   "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}},
                   "revisionHistoryLimit":10,"progressDeadlineSeconds":600},
                 "status":{}}
                """#),
        Case(name: "ReplicaSet", path: "/apis/apps/v1/namespaces/default/replicasets",
             manifest: #"""
                {"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"rs"},
                 "spec":{"selector":{"matchLabels":{"app":"rs"}},"template":{"metadata":{"labels":{"app":"rs"}},\#(templateInput)}}}
                """#,
             expected: #"""
                {"kind":"ReplicaSet","apiVersion":"apps/v1",\#(meta("rs", generation: true)),
                 "spec":{"replicas":1,"selector":{"matchLabels":{"app":"rs"}},
                   "template":{"metadata":{"labels":{"app":"rs"}},\#(template)}},
                 "status":{"replicas":0}}
                """#),
        Case(name: "StatefulSet", path: "/apis/apps/v1/namespaces/default/statefulsets",
             manifest: #"""
                {"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"ss"},
                 "spec":{"serviceName":"ss","selector":{"matchLabels":{"app":"ss"}},
                   "template":{"metadata":{"labels":{"app":"ss"}},\#(templateInput)}}}
                """#,
             expected: #"""
                {"kind":"StatefulSet","apiVersion":"apps/v1",\#(meta("ss", generation: true)),
                 "spec":{"replicas":1,"selector":{"matchLabels":{"app":"ss"}},
                   "template":{"metadata":{"labels":{"app":"ss"}},\#(template)},
                   "serviceName":"ss","podManagementPolicy":"OrderedReady",
                   "updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0,"maxUnavailable":1}},
                   "revisionHistoryLimit":10,
                   "persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Retain","whenScaled":"Retain"}},
                 "status":{"replicas":0,"availableReplicas":0}}
                """#),
        Case(name: "DaemonSet", path: "/apis/apps/v1/namespaces/default/daemonsets",
             manifest: #"""
                {"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"ds"},
                 "spec":{"selector":{"matchLabels":{"app":"ds"}},"template":{"metadata":{"labels":{"app":"ds"}},\#(templateInput)}}}
                """#,
             expected: #"""
                {"kind":"DaemonSet","apiVersion":"apps/v1",\#(meta("ds", generation: true)),
                 "spec":{"selector":{"matchLabels":{"app":"ds"}},
                   "template":{"metadata":{"labels":{"app":"ds"}},\#(template)},
                   "updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,"maxSurge":0}},
                   "revisionHistoryLimit":10},
                 "status":{"currentNumberScheduled":0,"numberMisscheduled":0,"desiredNumberScheduled":0,"numberReady":0}}
                """#),
        Case(name: "Job", path: "/apis/batch/v1/namespaces/default/jobs",
             manifest: #"""
                {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"j"},
                 "spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"web","image":"nginx:1.27"}]}}}}
                """#,
             expected: #"""
                {"kind":"Job","apiVersion":"batch/v1",
                 \#(meta("j", generation: true, extra: #","labels":{"batch.kubernetes.io/controller-uid":"UID","batch.kubernetes.io/job-name":"j","controller-uid":"UID","job-name":"j"}"#)),
                 "spec":{"parallelism":1,"completions":1,"backoffLimit":6,
                   "selector":{"matchLabels":{"batch.kubernetes.io/controller-uid":"UID"}},"manualSelector":false,
                   "template":{"metadata":{"labels":{"batch.kubernetes.io/controller-uid":"UID","batch.kubernetes.io/job-name":"j","controller-uid":"UID","job-name":"j"}},
                     "spec":{"containers":[{"name":"web","image":"nginx:1.27","resources":{},
                       "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],
                       "restartPolicy":"Never","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},
                       "schedulerName":"default-scheduler"}},
                   "completionMode":"NonIndexed","suspend":false,"podReplacementPolicy":"TerminatingOrFailed"},
                 "status":{}}
                """#),
        Case(name: "CronJob", path: "/apis/batch/v1/namespaces/default/cronjobs",
             manifest: #"""
                {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"cj"},
                 "spec":{"schedule":"*/5 * * * *","jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"OnFailure",
                   "containers":[{"name":"web","image":"nginx:1.27"}]}}}}}}
                """#,
             expected: #"""
                {"kind":"CronJob","apiVersion":"batch/v1",\#(meta("cj", generation: true)),
                 "spec":{"schedule":"*/5 * * * *","concurrencyPolicy":"Allow","suspend":false,
                   "jobTemplate":{"metadata":{},"spec":{"template":{"metadata":{},
                     "spec":{"containers":[{"name":"web","image":"nginx:1.27","resources":{},
                       "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],
                       "restartPolicy":"OnFailure","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},
                       "schedulerName":"default-scheduler"}}}},
                   "successfulJobsHistoryLimit":3,"failedJobsHistoryLimit":1},
                 "status":{}}
                """#),
        Case(name: "ReplicationController", path: "/api/v1/namespaces/default/replicationcontrollers",
             manifest: #"""
                {"apiVersion":"v1","kind":"ReplicationController","metadata":{"name":"rc"},
                 "spec":{"template":{"metadata":{"labels":{"app":"rc"}},\#(templateInput)}}}
                """#,
             expected: #"""
                {"kind":"ReplicationController","apiVersion":"v1",\#(meta("rc", generation: true, extra: #","labels":{"app":"rc"}"#)),
                 "spec":{"replicas":1,"selector":{"app":"rc"},"template":{"metadata":{"labels":{"app":"rc"}},\#(template)}},
                 "status":{"replicas":0}}
                """#),
        Case(name: "Ingress", path: "/apis/networking.k8s.io/v1/namespaces/default/ingresses",
             manifest: #"""
                {"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"ing"},
                 "spec":{"rules":[{"host":"a.example.com","http":{"paths":[{"path":"/","pathType":"Prefix",
                   "backend":{"service":{"name":"s","port":{"number":80}}}}]}}]}}
                """#,
             expected: #"""
                {"kind":"Ingress","apiVersion":"networking.k8s.io/v1",\#(meta("ing", generation: true)),
                 "spec":{"rules":[{"host":"a.example.com","http":{"paths":[{"path":"/","pathType":"Prefix",
                   "backend":{"service":{"name":"s","port":{"number":80}}}}]}}]},
                 "status":{"loadBalancer":{}}}
                """#),
        Case(name: "NetworkPolicy", path: "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies",
             manifest: #"{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"np"},"spec":{"podSelector":{}}}"#,
             expected: #"""
                {"kind":"NetworkPolicy","apiVersion":"networking.k8s.io/v1",\#(meta("np", generation: true)),
                 "spec":{"podSelector":{},"policyTypes":["Ingress"]}}
                """#),
        Case(name: "HorizontalPodAutoscaler", path: "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
             manifest: #"""
                {"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"hpa"},
                 "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"d"},"maxReplicas":5}}
                """#,
             expected: #"""
                {"kind":"HorizontalPodAutoscaler","apiVersion":"autoscaling/v2",\#(meta("hpa", generation: true)),
                 "spec":{"scaleTargetRef":{"kind":"Deployment","name":"d","apiVersion":"apps/v1"},"minReplicas":1,"maxReplicas":5,
                   "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]},
                 "status":{"desiredReplicas":0,"currentMetrics":null}}
                """#),
        Case(name: "PodDisruptionBudget", path: "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
             manifest: #"""
                {"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"pdb"},
                 "spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"x"}}}}
                """#,
             expected: #"""
                {"kind":"PodDisruptionBudget","apiVersion":"policy/v1",\#(meta("pdb", generation: true)),
                 "spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"x"}}},
                 "status":{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}}
                """#),
        Case(name: "Role", path: "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
             manifest: #"""
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r"},
                 "rules":[{"verbs":["get"],"apiGroups":[""],"resources":["pods"]}]}
                """#,
             expected: #"""
                {"kind":"Role","apiVersion":"rbac.authorization.k8s.io/v1",\#(meta("r")),
                 "rules":[{"verbs":["get"],"apiGroups":[""],"resources":["pods"]}]}
                """#),
    ]
}
