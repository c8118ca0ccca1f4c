/// Validation of persistent volume claims, RBAC objects and ingresses.
extension Validation {
    static func validatePersistentVolumeClaim(_ object: JSONObject, into errors: inout FieldErrors) {
        let spec = object.objectField("spec") ?? [:]
        let modes = spec.arrayField("accessModes") ?? []
        if modes.isEmpty && spec["dataSourceRef"] == nil && spec["dataSource"] == nil {
            errors.required("spec.accessModes", "at least 1 access mode is required")
        }
        let supported = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
        for mode in modes {
            let text = mode.stringValue ?? ""
            if !supported.contains(text) { errors.notSupported("spec.accessModes", .string(text), supported) }
        }
        if let storage = spec.objectField("resources")?.objectField("requests")?["storage"] {
            if let amount = ResourceAmount(storage), amount.value <= 0 {
                errors.invalid("spec.resources.requests[storage]", .string(storage.quantityText), "must be greater than zero")
            }
        } else {
            errors.required("spec.resources.requests[storage]")
        }
        if let mode = spec.stringField("volumeMode"), mode != "Filesystem" && mode != "Block" {
            errors.notSupported("spec.volumeMode", .string(mode), ["Block", "Filesystem"])
        }
    }

    static func validatePolicyRules(_ rules: [JSONValue], path: String, into errors: inout FieldErrors) {
        for (i, item) in rules.enumerated() {
            let rule = item.objectValue ?? [:]
            let rulePath = path.fieldIndex(i)
            if rule.arrayField("verbs")?.isEmpty ?? true {
                errors.required(rulePath.fieldChild("verbs"), "verbs must contain at least one value")
            }
            let hasURLs = !(rule.arrayField("nonResourceURLs")?.isEmpty ?? true)
            if hasURLs && !(rule.arrayField("resources")?.isEmpty ?? true) {
                errors.invalid(rulePath.fieldChild("nonResourceURLs"), .goSyntax("[]string{" + (rule.arrayField("nonResourceURLs") ?? []).map { goQuote($0.stringValue ?? "") }.joined(separator: ", ") + "}"),
                               "rules cannot apply to both regular resources and non-resource URLs")
            }
            if !hasURLs {
                if rule.arrayField("apiGroups")?.isEmpty ?? true {
                    errors.required(rulePath.fieldChild("apiGroups"), "resource rules must supply at least one api group")
                }
                if rule.arrayField("resources")?.isEmpty ?? true {
                    errors.required(rulePath.fieldChild("resources"), "resource rules must supply at least one resource")
                }
            }
        }
    }

    static func validateRoleBinding(_ object: JSONObject, clusterScoped: Bool, into errors: inout FieldErrors) {
        let ref = object.objectField("roleRef") ?? [:]
        if ref.stringField("apiGroup") != "rbac.authorization.k8s.io" {
            errors.notSupported("roleRef.apiGroup", .string(ref.stringField("apiGroup") ?? ""), ["rbac.authorization.k8s.io"])
        }
        let kind = ref.stringField("kind") ?? ""
        let kinds = clusterScoped ? ["ClusterRole"] : ["Role", "ClusterRole"]
        if !kinds.contains(kind) { errors.notSupported("roleRef.kind", .string(kind), kinds) }
        let name = ref.stringField("name") ?? ""
        if name.isEmpty {
            errors.required("roleRef.name")
        } else {
            for message in NameRules.pathSegmentName(name) { errors.invalid("roleRef.name", .string(name), message) }
        }
        for (i, item) in (object.arrayField("subjects") ?? []).enumerated() {
            let subject = item.objectValue ?? [:]
            let path = "subjects".fieldIndex(i)
            let subjectName = subject.stringField("name") ?? ""
            if subjectName.isEmpty { errors.required(path.fieldChild("name")) }
            switch subject.stringField("kind") ?? "" {
            case "ServiceAccount":
                for message in NameRules.dns1123Subdomain(subjectName) where !subjectName.isEmpty {
                    errors.invalid(path.fieldChild("name"), .string(subjectName), message)
                }
                if clusterScoped && (subject.stringField("namespace") ?? "").isEmpty {
                    errors.required(path.fieldChild("namespace"))
                }
            case "User", "Group":
                if subject.stringField("apiGroup") != "rbac.authorization.k8s.io" {
                    errors.notSupported(path.fieldChild("apiGroup"), .string(subject.stringField("apiGroup") ?? ""), ["rbac.authorization.k8s.io"])
                }
            case let other:
                errors.notSupported(path.fieldChild("kind"), .string(other), ["ServiceAccount", "User", "Group"])
            }
        }
    }

    static func validateIngress(_ object: JSONObject, into errors: inout FieldErrors) {
        let spec = object.objectField("spec") ?? [:]
        let rules = spec.arrayField("rules") ?? []
        if rules.isEmpty && spec["defaultBackend"] == nil {
            errors.invalid("spec.rules", .goSyntax("[]networking.IngressRule(nil)"), "either `defaultBackend` or `rules` must be specified")
        }
        for (i, item) in rules.enumerated() {
            let rule = item.objectValue ?? [:]
            let rulePath = "spec.rules".fieldIndex(i)
            if let host = rule.stringField("host"), !host.isEmpty {
                let checked = host.hasPrefix("*.") ? String(host.dropFirst(2)) : host
                for message in NameRules.dns1123Subdomain(checked) { errors.invalid(rulePath.fieldChild("host"), .string(host), message) }
            }
            for (j, pathItem) in (rule.objectField("http")?.arrayField("paths") ?? []).enumerated() {
                let entry = pathItem.objectValue ?? [:]
                let entryPath = rulePath.fieldChild("http.paths").fieldIndex(j)
                let pathType = entry.stringField("pathType") ?? ""
                if pathType.isEmpty {
                    errors.required(entryPath.fieldChild("pathType"), "pathType must be specified")
                } else if !["Exact", "ImplementationSpecific", "Prefix"].contains(pathType) {
                    errors.notSupported(entryPath.fieldChild("pathType"), .string(pathType), ["Exact", "ImplementationSpecific", "Prefix"])
                }
                let value = entry.stringField("path") ?? ""
                if (pathType == "Exact" || pathType == "Prefix") && !value.hasPrefix("/") {
                    errors.invalid(entryPath.fieldChild("path"), .string(value), "must be an absolute path")
                }
                if entry["backend"] == nil { errors.required(entryPath.fieldChild("backend")) }
            }
        }
    }
}
