/// Kubernetes' create and update validation (pkg/apis/*/validation) for built-in kinds,
/// returning causes exactly as a 422 Invalid `Status` lists them: CauseType as `reason`,
/// the field path, and `ErrorBody()` as `message`.
///
/// Contract: pure and total — any JSON (wrong types included) yields a list, never a trap.
/// Metadata is checked for every kind (the name rule depends on the kind); spec rules exist for
/// the core kinds, other kinds get metadata checks only. Run after `Defaulting.apply`. Namespace
/// presence/absence (scope) and uniqueness are the server's job.
public enum Validation {
    public static func validateCreate(_ object: JSONValue, kind: GroupVersionKind) -> [FieldCause] {
        let fields = object.objectValue ?? [:]
        var errors = FieldErrors()
        validateObjectMeta(fields.objectField("metadata") ?? [:], kind: kind, into: &errors)
        validateSpec(fields, kind: kind, into: &errors)
        return errors.causes
    }

    public static func validateUpdate(_ object: JSONValue, old: JSONValue, kind: GroupVersionKind) -> [FieldCause] {
        let fields = object.objectValue ?? [:]
        let oldFields = old.objectValue ?? [:]
        var errors = FieldErrors()
        let meta = fields.objectField("metadata") ?? [:]
        let oldMeta = oldFields.objectField("metadata") ?? [:]
        validateObjectMeta(meta, kind: kind, into: &errors, isUpdate: true)
        validateObjectMetaUpdate(meta, old: oldMeta, into: &errors)
        validateSpec(fields, kind: kind, into: &errors)
        validateImmutability(fields, old: oldFields, kind: kind, into: &errors)
        return errors.causes
    }

    static func validateSpec(_ object: JSONObject, kind: GroupVersionKind, into errors: inout FieldErrors) {
        switch (kind.group, kind.kind) {
        case ("", "Pod"): validatePodSpec(object.objectField("spec") ?? [:], path: "spec", into: &errors)
        case ("", "PodTemplate"): validatePodTemplate(object.objectField("template"), path: "template", into: &errors)
        case ("", "Service"): validateService(object, into: &errors)
        case ("", "ConfigMap"): validateConfigMap(object, into: &errors)
        case ("", "Secret"): validateSecret(object, into: &errors)
        case ("", "Namespace"): validateNamespace(object, into: &errors)
        case ("", "ReplicationController"): validateReplicationController(object, into: &errors)
        case ("apps", "Deployment"): validateDeployment(object, into: &errors)
        case ("apps", "ReplicaSet"): validateReplicaSet(object, into: &errors)
        case ("apps", "StatefulSet"): validateStatefulSet(object, into: &errors)
        case ("apps", "DaemonSet"): validateDaemonSet(object, into: &errors)
        case ("batch", "Job"): validateJobSpec(object.objectField("spec") ?? [:], path: "spec", into: &errors)
        case ("batch", "CronJob"): validateCronJob(object, into: &errors)
        case ("", "PersistentVolumeClaim"): validatePersistentVolumeClaim(object, into: &errors)
        case ("rbac.authorization.k8s.io", "Role"), ("rbac.authorization.k8s.io", "ClusterRole"):
            validatePolicyRules(object.arrayField("rules") ?? [], path: "rules", into: &errors)
        case ("rbac.authorization.k8s.io", "RoleBinding"): validateRoleBinding(object, clusterScoped: false, into: &errors)
        case ("rbac.authorization.k8s.io", "ClusterRoleBinding"): validateRoleBinding(object, clusterScoped: true, into: &errors)
        case ("networking.k8s.io", "Ingress"): validateIngress(object, into: &errors)
        case ("scheduling.k8s.io", "PriorityClass"): validatePriorityClass(object, into: &errors)
        default: break
        }
    }

    // MARK: - Metadata

    enum NameRule { case subdomain, label, dns1035, pathSegment }

    static func nameRule(for kind: GroupVersionKind) -> NameRule {
        switch (kind.group, kind.kind) {
        case ("", "Namespace"): .label
        case ("", "Service"): .dns1035
        case ("rbac.authorization.k8s.io", _): .pathSegment
        default: .subdomain
        }
    }

    static func nameErrors(_ name: String, rule: NameRule, prefix: Bool) -> [String] {
        switch rule {
        case .subdomain: NameRules.dns1123Subdomain(prefix ? NameRules.maskTrailingDash(name) : name)
        case .label: NameRules.dns1123Label(prefix ? NameRules.maskTrailingDash(name) : name)
        case .dns1035: NameRules.dns1035Label(prefix ? NameRules.maskTrailingDash(name) : name)
        case .pathSegment: NameRules.pathSegmentName(name)
        }
    }

    static let totalAnnotationSizeLimit = 256 * 1024

    static func validateObjectMeta(_ meta: JSONObject, kind: GroupVersionKind, into errors: inout FieldErrors, isUpdate: Bool = false) {
        let rule = nameRule(for: kind)
        if let generateName = meta.stringField("generateName"), !generateName.isEmpty, !isUpdate {
            for message in nameErrors(generateName, rule: rule, prefix: true) {
                errors.invalid("metadata.generateName", .string(generateName), message)
            }
        }
        let name = meta.stringField("name") ?? ""
        if name.isEmpty {
            if meta.stringField("generateName")?.isEmpty ?? true {
                errors.required("metadata.name", "name or generateName is required")
            }
        } else {
            for message in nameErrors(name, rule: rule, prefix: false) {
                errors.invalid("metadata.name", .string(name), message)
            }
        }
        if kind.group == "batch" && kind.kind == "CronJob" && name.utf8.count > 52 {
            errors.invalid("metadata.name", .string(name), "must be no more than 52 characters")
        }
        if let namespace = meta.stringField("namespace"), !namespace.isEmpty {
            for message in NameRules.dns1123Label(namespace) {
                errors.invalid("metadata.namespace", .string(namespace), message)
            }
        }
        validateLabels(meta.objectField("labels"), path: "metadata.labels", into: &errors)
        validateAnnotations(meta.objectField("annotations"), path: "metadata.annotations", into: &errors)
        for finalizer in meta.arrayField("finalizers") ?? [] {
            let value = finalizer.stringValue ?? ""
            for message in NameRules.qualifiedName(value) {
                errors.invalid("metadata.finalizers", .string(value), message)
            }
        }
        for (i, reference) in (meta.arrayField("ownerReferences") ?? []).enumerated() {
            let ref = reference.objectValue ?? [:]
            let path = "metadata.ownerReferences".fieldIndex(i)
            if ref.stringField("apiVersion")?.isEmpty ?? true {
                errors.invalid(path.fieldChild("apiVersion"), .string(""), "version must not be empty")
            }
            if ref.stringField("kind")?.isEmpty ?? true { errors.invalid(path.fieldChild("kind"), .string(""), "kind must not be empty") }
            if ref.stringField("name")?.isEmpty ?? true { errors.invalid(path.fieldChild("name"), .string(""), "name must not be empty") }
            if ref.stringField("uid")?.isEmpty ?? true { errors.invalid(path.fieldChild("uid"), .string(""), "uid must not be empty") }
        }
        errors.nonNegative("metadata.generation", meta["generation"])
    }

    static func validateObjectMetaUpdate(_ meta: JSONObject, old: JSONObject, into errors: inout FieldErrors) {
        for key in ["name", "namespace", "uid"] {
            errors.immutable("metadata".fieldChild(key), new: meta[key], old: old[key])
        }
        if let oldCreated = old["creationTimestamp"], oldCreated != .null, let created = meta["creationTimestamp"], created != .null {
            errors.immutable("metadata.creationTimestamp", new: created, old: oldCreated)
        }
    }

    /// `ValidateLabels`: every key a qualified name, every value a label value; errors name
    /// the map, not the key, as Kubernetes does.
    static func validateLabels(_ labels: JSONObject?, path: String, into errors: inout FieldErrors) {
        guard let labels else { return }
        for key in labels.keys.sorted() {
            for message in NameRules.qualifiedName(key) { errors.invalid(path, .string(key), message) }
            let value = labels[key]?.stringValue ?? ""
            for message in NameRules.labelValue(value) { errors.invalid(path, .string(value), message) }
        }
    }

    static func validateAnnotations(_ annotations: JSONObject?, path: String, into errors: inout FieldErrors) {
        guard let annotations else { return }
        var total = 0
        for key in annotations.keys.sorted() {
            for message in NameRules.qualifiedName(key.lowercased()) { errors.invalid(path, .string(key), message) }
            total += key.utf8.count + (annotations[key]?.stringValue?.utf8.count ?? 0)
        }
        if total > totalAnnotationSizeLimit { errors.tooLong(path, maxBytes: totalAnnotationSizeLimit) }
    }
}
