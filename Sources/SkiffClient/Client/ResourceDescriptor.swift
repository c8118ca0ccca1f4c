import SkiffAPI

/// Where a resource lives in the REST API: group, version, plural resource name, kind and
/// scope (client-go's GroupVersionResource plus RESTMapping's scope).
public struct ResourceDescriptor: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    /// Plural resource name as in the URL ("pods", "deployments").
    public var resource: String
    public var kind: String
    public var namespaced: Bool

    public init(group: String, version: String, resource: String, kind: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.resource = resource
        self.kind = kind
        self.namespaced = namespaced
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var groupVersionKind: GroupVersionKind { GroupVersionKind(group: group, version: version, kind: kind) }
    public var description: String { group.isEmpty ? "\(resource).\(version)" : "\(resource).\(version).\(group)" }

    /// `/api/v1` or `/apis/<group>/<version>`.
    var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// The collection path (all namespaces when `namespace` is nil for a namespaced resource).
    func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var p = groupVersionPath
        if namespaced, let namespace, !namespace.isEmpty { p += "/namespaces/\(namespace)" }
        p += "/\(resource)"
        if let name {
            p += "/\(name)"
            if let subresource { p += "/\(subresource)" }
        }
        return p
    }

    /// The descriptor of a built-in kind, nil for a kind this table does not know.
    public static func builtin(_ gvk: GroupVersionKind) -> ResourceDescriptor? { byGVK[gvk] }

    /// The descriptor of a generated API type. Precondition-free: a type outside the built-in
    /// table gets the conventional lower-case plural and is assumed namespaced.
    public static func of<T: APIObject>(_ type: T.Type) -> ResourceDescriptor {
        let gvk = T.groupVersionKind
        if let d = byGVK[gvk] { return d }
        return ResourceDescriptor(group: gvk.group, version: gvk.version, resource: pluralize(gvk.kind), kind: gvk.kind, namespaced: true)
    }

    static func pluralize(_ kind: String) -> String {
        let lower = kind.lowercased()
        if lower.hasSuffix("s") || lower.hasSuffix("x") || lower.hasSuffix("ch") || lower.hasSuffix("sh") { return lower + "es" }
        if lower.hasSuffix("y"), let before = lower.dropLast().last, !"aeiou".contains(before) { return lower.dropLast() + "ies" }
        return lower + "s"
    }

    private static let byGVK: [GroupVersionKind: ResourceDescriptor] = {
        var map: [GroupVersionKind: ResourceDescriptor] = [:]
        for (g, v, k, r, ns) in table {
            let d = ResourceDescriptor(group: g, version: v, resource: r, kind: k, namespaced: ns)
            map[d.groupVersionKind] = d
        }
        return map
    }()

    // Kubernetes 1.37 built-in resources (same table as the API server's registry).
    private static let table: [(String, String, String, String, Bool)] = [
        ("", "v1", "Pod", "pods", true),
        ("", "v1", "Service", "services", true),
        ("", "v1", "Endpoints", "endpoints", true),
        ("", "v1", "ConfigMap", "configmaps", true),
        ("", "v1", "Secret", "secrets", true),
        ("", "v1", "Namespace", "namespaces", false),
        ("", "v1", "Node", "nodes", false),
        ("", "v1", "PersistentVolume", "persistentvolumes", false),
        ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", true),
        ("", "v1", "ServiceAccount", "serviceaccounts", true),
        ("", "v1", "Event", "events", true),
        ("", "v1", "LimitRange", "limitranges", true),
        ("", "v1", "ResourceQuota", "resourcequotas", true),
        ("", "v1", "ReplicationController", "replicationcontrollers", true),
        ("", "v1", "PodTemplate", "podtemplates", true),
        ("", "v1", "Binding", "bindings", true),
        ("", "v1", "ComponentStatus", "componentstatuses", false),
        ("apps", "v1", "Deployment", "deployments", true),
        ("apps", "v1", "ReplicaSet", "replicasets", true),
        ("apps", "v1", "StatefulSet", "statefulsets", true),
        ("apps", "v1", "DaemonSet", "daemonsets", true),
        ("apps", "v1", "ControllerRevision", "controllerrevisions", true),
        ("batch", "v1", "Job", "jobs", true),
        ("batch", "v1", "CronJob", "cronjobs", true),
        ("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true),
        ("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true),
        ("networking.k8s.io", "v1", "Ingress", "ingresses", true),
        ("networking.k8s.io", "v1", "IngressClass", "ingressclasses", false),
        ("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", true),
        ("networking.k8s.io", "v1", "IPAddress", "ipaddresses", false),
        ("networking.k8s.io", "v1", "ServiceCIDR", "servicecidrs", false),
        ("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", true),
        ("policy", "v1", "Eviction", "evictions", true),
        ("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
        ("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true),
        ("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false),
        ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", false),
        ("storage.k8s.io", "v1", "StorageClass", "storageclasses", false),
        ("storage.k8s.io", "v1", "VolumeAttachment", "volumeattachments", false),
        ("storage.k8s.io", "v1", "CSIDriver", "csidrivers", false),
        ("storage.k8s.io", "v1", "CSINode", "csinodes", false),
        ("storage.k8s.io", "v1", "CSIStorageCapacity", "csistoragecapacities", true),
        ("storage.k8s.io", "v1", "VolumeAttributesClass", "volumeattributesclasses", false),
        ("coordination.k8s.io", "v1", "Lease", "leases", true),
        ("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true),
        ("events.k8s.io", "v1", "Event", "events", true),
        ("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", false),
        ("node.k8s.io", "v1", "RuntimeClass", "runtimeclasses", false),
        ("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", false),
        ("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", false),
        ("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", false),
        ("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", false),
        ("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews", false),
        ("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", false),
        ("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", false),
        ("authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews", true),
    ]
}

/// Namespace and name of an object; the work-queue key of controllers (controller-runtime's
/// `types.NamespacedName`). `namespace` is "" for cluster-scoped objects.
public struct ObjectKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String = "", name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// Parses "ns/name" or "name" (the informer cache key form).
    public init(_ key: String) {
        if let slash = key.firstIndex(of: "/") {
            namespace = String(key[..<slash])
            name = String(key[key.index(after: slash)...])
        } else {
            namespace = ""
            name = key
        }
    }

    /// "ns/name", or "name" for cluster-scoped objects (client-go's MetaNamespaceKeyFunc).
    public var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }

    public static func < (a: ObjectKey, b: ObjectKey) -> Bool {
        (a.namespace, a.name) < (b.namespace, b.name)
    }

    /// The key of an object (its metadata namespace and name).
    public static func of<T: APIObject>(_ object: T) -> ObjectKey {
        ObjectKey(namespace: object.metadata?.namespace ?? "", name: object.metadata?.name ?? "")
    }
}
