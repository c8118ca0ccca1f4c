/// More kinds for the golden suite: RBAC, storage, scheduling, networking, discovery, events,
/// quota, admission and CustomResourceDefinitions, written the same way as `GoldenObjects.cases`
/// (Go struct order from k8s.io/api and apiextensions-apiserver, SetDefaults_* and the create
/// strategies' PrepareForCreate of kube-apiserver 1.37).
///
/// Worth knowing when reading them: a value struct marked `omitempty` is still written (Go's
/// encoding/json does not treat structs as empty), so an unset `metav1.Time` is `null`
/// (`"firstTimestamp":null`), an unset spec or status struct is `{}`; a slice without
/// `omitempty` is `null` when unset (`"topologyKeys":null`).
extension GoldenObjects {
    static let moreCases: [Case] = [
        Case(name: "StorageClass", path: "/apis/storage.k8s.io/v1/storageclasses",
             manifest: #"{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"fast"},"provisioner":"example.com/fast"}"#,
             expected: #"""
                {"kind":"StorageClass","apiVersion":"storage.k8s.io/v1",\#(meta("fast", namespace: nil)),
                 "provisioner":"example.com/fast","reclaimPolicy":"Delete","volumeBindingMode":"Immediate"}
                """#),
        Case(name: "PriorityClass", path: "/apis/scheduling.k8s.io/v1/priorityclasses",
             manifest: #"{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"high"},"value":1000,"description":"d"}"#,
             expected: #"""
                {"kind":"PriorityClass","apiVersion":"scheduling.k8s.io/v1",\#(meta("high", namespace: nil)),
                 "value":1000,"description":"d","preemptionPolicy":"PreemptLowerPriority"}
                """#),
        Case(name: "ClusterRole", path: "/apis/rbac.authorization.k8s.io/v1/clusterroles",
             manifest: #"""
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"cr"},
                 "rules":[{"resources":["nodes"],"verbs":["get","list"],"apiGroups":[""]},{"nonResourceURLs":["/healthz"],"verbs":["get"]}]}
                """#,
             expected: #"""
                {"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1",\#(meta("cr", namespace: nil)),
                 "rules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["nodes"]},{"verbs":["get"],"nonResourceURLs":["/healthz"]}]}
                """#),
        Case(name: "RoleBinding", path: "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
             manifest: #"""
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"rb"},
                 "subjects":[{"kind":"User","name":"alice"},{"kind":"ServiceAccount","name":"sa","namespace":"default"}],
                 "roleRef":{"kind":"Role","name":"r"}}
                """#,
             expected: #"""
                {"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1",\#(meta("rb")),
                 "subjects":[{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"alice"},
                             {"kind":"ServiceAccount","name":"sa","namespace":"default"}],
                 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"}}
                """#),
        Case(name: "ClusterRoleBinding", path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
             manifest: #"""
                {"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"crb"},
                 "subjects":[{"kind":"Group","name":"devs"}],"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}}
                """#,
             expected: #"""
                {"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1",\#(meta("crb", namespace: nil)),
                 "subjects":[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"devs"}],
                 "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}}
                """#),
        Case(name: "Event", path: "/api/v1/namespaces/default/events",
             manifest: #"""
                {"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},"type":"Normal","reason":"Started","message":"started",
                 "involvedObject":{"apiVersion":"v1","kind":"Pod","name":"p","namespace":"default"},"source":{"component":"kubelet"},"count":1}
                """#,
             expected: #"""
                {"kind":"Event","apiVersion":"v1",\#(meta("e")),
                 "involvedObject":{"kind":"Pod","namespace":"default","name":"p","apiVersion":"v1"},
                 "reason":"Started","message":"started","source":{"component":"kubelet"},
                 "firstTimestamp":null,"lastTimestamp":null,"count":1,"type":"Normal","eventTime":null,
                 "reportingComponent":"","reportingInstance":""}
                """#),
        Case(name: "Event (events.k8s.io)", path: "/apis/events.k8s.io/v1/namespaces/default/events",
             manifest: #"""
                {"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"ev"},"type":"Normal","note":"pulled",
                 "reason":"Pulled","action":"Pull","reportingInstance":"node-1","reportingController":"example.com/kubelet",
                 "eventTime":"2026-01-02T03:04:05.000000Z","regarding":{"kind":"Pod","namespace":"default","name":"p"}}
                """#,
             expected: #"""
                {"kind":"Event","apiVersion":"events.k8s.io/v1",\#(meta("ev")),
                 "eventTime":"2026-01-02T03:04:05.000000Z","reportingController":"example.com/kubelet","reportingInstance":"node-1",
                 "action":"Pull","reason":"Pulled","regarding":{"kind":"Pod","namespace":"default","name":"p"},"note":"pulled",
                 "type":"Normal","deprecatedSource":{},"deprecatedFirstTimestamp":null,"deprecatedLastTimestamp":null}
                """#),
        Case(name: "Endpoints", path: "/api/v1/namespaces/default/endpoints",
             manifest: #"""
                {"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"ep"},
                 "subsets":[{"ports":[{"port":80,"name":"http"}],"addresses":[{"nodeName":"n1","ip":"10.1.2.3"}]}]}
                """#,
             expected: #"""
                {"kind":"Endpoints","apiVersion":"v1",\#(meta("ep")),
                 "subsets":[{"addresses":[{"ip":"10.1.2.3","nodeName":"n1"}],"ports":[{"name":"http","port":80,"protocol":"TCP"}]}]}
                """#),
        Case(name: "EndpointSlice", path: "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
             manifest: #"""
                {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"es"},"addressType":"IPv4",
                 "endpoints":[{"nodeName":"n1","addresses":["10.1.2.3"]},{"addresses":["10.1.2.4"],"conditions":{"ready":true}}],
                 "ports":[{"port":80}]}
                """#,
             expected: #"""
                {"kind":"EndpointSlice","apiVersion":"discovery.k8s.io/v1",\#(meta("es", generation: true)),"addressType":"IPv4",
                 "endpoints":[{"addresses":["10.1.2.3"],"conditions":{},"nodeName":"n1"},{"addresses":["10.1.2.4"],"conditions":{"ready":true}}],
                 "ports":[{"name":"","protocol":"TCP","port":80}]}
                """#),
        Case(name: "IngressClass", path: "/apis/networking.k8s.io/v1/ingressclasses",
             manifest: #"{"apiVersion":"networking.k8s.io/v1","kind":"IngressClass","metadata":{"name":"ic"},"spec":{"controller":"example.com/ic"}}"#,
             expected: #"""
                {"kind":"IngressClass","apiVersion":"networking.k8s.io/v1",\#(meta("ic", namespace: nil, generation: true)),
                 "spec":{"controller":"example.com/ic"}}
                """#),
        Case(name: "RuntimeClass", path: "/apis/node.k8s.io/v1/runtimeclasses",
             manifest: #"{"apiVersion":"node.k8s.io/v1","kind":"RuntimeClass","metadata":{"name":"rc"},"handler":"runc"}"#,
             expected: #"{"kind":"RuntimeClass","apiVersion":"node.k8s.io/v1",\#(meta("rc", namespace: nil)),"handler":"runc"}"#),
        Case(name: "VolumeAttachment", path: "/apis/storage.k8s.io/v1/volumeattachments",
             manifest: #"""
                {"apiVersion":"storage.k8s.io/v1","kind":"VolumeAttachment","metadata":{"name":"va"},
                 "spec":{"nodeName":"n1","source":{"persistentVolumeName":"pv"},"attacher":"csi.example.com"}}
                """#,
             expected: #"""
                {"kind":"VolumeAttachment","apiVersion":"storage.k8s.io/v1",\#(meta("va", namespace: nil)),
                 "spec":{"attacher":"csi.example.com","source":{"persistentVolumeName":"pv"},"nodeName":"n1"},
                 "status":{"attached":false}}
                """#),
        // Every field with a feature-gated default is set, except preventPodSchedulingIfMissing
        // and serviceAccountTokenInSecrets, which SetDefaults_CSIDriver leaves unset.
        Case(name: "CSIDriver", path: "/apis/storage.k8s.io/v1/csidrivers",
             manifest: #"{"apiVersion":"storage.k8s.io/v1","kind":"CSIDriver","metadata":{"name":"csi.example.com"},"spec":{"attachRequired":false}}"#,
             expected: #"""
                {"kind":"CSIDriver","apiVersion":"storage.k8s.io/v1",\#(meta("csi.example.com", namespace: nil)),
                 "spec":{"attachRequired":false,"podInfoOnMount":false,"volumeLifecycleModes":["Persistent"],"storageCapacity":false,
                   "fsGroupPolicy":"ReadWriteOnceWithFSType","requiresRepublish":false,"seLinuxMount":false}}
                """#),
        Case(name: "CSINode", path: "/apis/storage.k8s.io/v1/csinodes",
             manifest: #"""
                {"apiVersion":"storage.k8s.io/v1","kind":"CSINode","metadata":{"name":"n1"},
                 "spec":{"drivers":[{"nodeID":"n1","name":"csi.example.com"}]}}
                """#,
             expected: #"""
                {"kind":"CSINode","apiVersion":"storage.k8s.io/v1",\#(meta("n1", namespace: nil)),
                 "spec":{"drivers":[{"name":"csi.example.com","nodeID":"n1","topologyKeys":null}]},"status":{}}
                """#),
        Case(name: "CSIStorageCapacity", path: "/apis/storage.k8s.io/v1/namespaces/default/csistoragecapacities",
             manifest: #"""
                {"apiVersion":"storage.k8s.io/v1","kind":"CSIStorageCapacity","metadata":{"name":"cap"},
                 "capacity":"10Gi","storageClassName":"fast"}
                """#,
             expected: #"""
                {"kind":"CSIStorageCapacity","apiVersion":"storage.k8s.io/v1",\#(meta("cap")),"storageClassName":"fast","capacity":"10Gi"}
                """#),
        Case(name: "VolumeAttributesClass", path: "/apis/storage.k8s.io/v1/volumeattributesclasses",
             manifest: #"""
                {"apiVersion":"storage.k8s.io/v1","kind":"VolumeAttributesClass","metadata":{"name":"gold"},
                 "parameters":{"iops":"100"},"driverName":"csi.example.com"}
                """#,
             expected: #"""
                {"kind":"VolumeAttributesClass","apiVersion":"storage.k8s.io/v1",\#(meta("gold", namespace: nil)),
                 "driverName":"csi.example.com","parameters":{"iops":"100"}}
                """#),
        Case(name: "ResourceQuota", path: "/api/v1/namespaces/default/resourcequotas",
             manifest: #"{"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"q"},"spec":{"hard":{"pods":"10"}}}"#,
             expected: #"{"kind":"ResourceQuota","apiVersion":"v1",\#(meta("q")),"spec":{"hard":{"pods":"10"}},"status":{}}"#),
        Case(name: "LimitRange", path: "/api/v1/namespaces/default/limitranges",
             manifest: #"""
                {"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"lr"},
                 "spec":{"limits":[{"type":"Container","max":{"cpu":"1"},"min":{"memory":"64Mi"}},{"type":"Pod","max":{"cpu":"2"}}]}}
                """#,
             expected: #"""
                {"kind":"LimitRange","apiVersion":"v1",\#(meta("lr")),
                 "spec":{"limits":[{"type":"Container","max":{"cpu":"1"},"min":{"memory":"64Mi"},"default":{"cpu":"1"},
                   "defaultRequest":{"cpu":"1","memory":"64Mi"}},{"type":"Pod","max":{"cpu":"2"}}]}}
                """#),
        Case(name: "PodTemplate", path: "/api/v1/namespaces/default/podtemplates",
             manifest: #"""
                {"apiVersion":"v1","kind":"PodTemplate","metadata":{"name":"pt"},
                 "template":{"metadata":{"labels":{"app":"pt"}},\#(templateInput)}}
                """#,
             expected: #"""
                {"kind":"PodTemplate","apiVersion":"v1",\#(meta("pt")),"template":{"metadata":{"labels":{"app":"pt"}},\#(template)}}
                """#),
        Case(name: "ControllerRevision", path: "/apis/apps/v1/namespaces/default/controllerrevisions",
             manifest: #"{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"rev"},"revision":2,"data":{"spec":"x"}}"#,
             expected: #"{"kind":"ControllerRevision","apiVersion":"apps/v1",\#(meta("rev")),"data":{"spec":"x"},"revision":2}"#),
        Case(name: "ValidatingWebhookConfiguration", path: "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
             manifest: #"""
                {"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration","metadata":{"name":"vw"},
                 "webhooks":[{"name":"v.example.com","sideEffects":"None","admissionReviewVersions":["v1"],
                   "clientConfig":{"service":{"name":"wh","namespace":"default"}},
                   "rules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"]}]}]}
                """#,
             expected: #"""
                {"kind":"ValidatingWebhookConfiguration","apiVersion":"admissionregistration.k8s.io/v1",
                 \#(meta("vw", namespace: nil, generation: true)),
                 "webhooks":[{"name":"v.example.com","clientConfig":{"service":{"namespace":"default","name":"wh","port":443}},
                   "rules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"],"scope":"*"}],
                   "failurePolicy":"Fail","matchPolicy":"Equivalent","namespaceSelector":{},"objectSelector":{},"sideEffects":"None",
                   "timeoutSeconds":10,"admissionReviewVersions":["v1"]}]}
                """#),
        Case(name: "MutatingWebhookConfiguration", path: "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
             manifest: #"""
                {"apiVersion":"admissionregistration.k8s.io/v1","kind":"MutatingWebhookConfiguration","metadata":{"name":"mw"},
                 "webhooks":[{"name":"m.example.com","sideEffects":"None","admissionReviewVersions":["v1"],
                   "clientConfig":{"url":"https://wh.example.com/mutate"}}]}
                """#,
             expected: #"""
                {"kind":"MutatingWebhookConfiguration","apiVersion":"admissionregistration.k8s.io/v1",
                 \#(meta("mw", namespace: nil, generation: true)),
                 "webhooks":[{"name":"m.example.com","clientConfig":{"url":"https://wh.example.com/mutate"},
                   "failurePolicy":"Fail","matchPolicy":"Equivalent","namespaceSelector":{},"objectSelector":{},"sideEffects":"None",
                   "timeoutSeconds":10,"admissionReviewVersions":["v1"],"reinvocationPolicy":"Never"}]}
                """#),
        // apiextensions-apiserver's create strategy resets the status and records the storage
        // version; conditions (no omitempty) stay null until the establishing controller runs.
        Case(name: "CustomResourceDefinition", path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
             manifest: #"""
                {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
                 "spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","kind":"Widget"},
                   "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object",
                     "properties":{"spec":{"x-kubernetes-preserve-unknown-fields":true,"type":"object",
                       "properties":{"size":{"type":"integer","minimum":1,"description":"d"}}},
                       "tags":{"items":{"type":"string"},"type":"array"}}}}}]}}
                """#,
             expected: #"""
                {"kind":"CustomResourceDefinition","apiVersion":"apiextensions.k8s.io/v1",
                 \#(meta("widgets.example.com", namespace: nil, generation: true)),
                 "spec":{"group":"example.com","names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},
                   "scope":"Namespaced",
                   "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object",
                     "properties":{"spec":{"type":"object","properties":{"size":{"description":"d","type":"integer","minimum":1}},
                       "x-kubernetes-preserve-unknown-fields":true},
                       "tags":{"type":"array","items":{"type":"string"}}}}}}],
                   "conversion":{"strategy":"None"}},
                 "status":{"conditions":null,"acceptedNames":{"plural":"","kind":""},"storedVersions":["v1"]}}
                """#),
    ]
}
