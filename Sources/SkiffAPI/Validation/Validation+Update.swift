/// What an update may not change (ValidateXUpdate in pkg/apis/*/validation).
extension Validation {
    static let podUpdateForbiddenMessage = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

    static func validateImmutability(_ object: JSONObject, old: JSONObject, kind: GroupVersionKind, into errors: inout FieldErrors) {
        let spec = object.objectField("spec") ?? [:]
        let oldSpec = old.objectField("spec") ?? [:]
        switch (kind.group, kind.kind) {
        case ("", "Pod"): validatePodUpdate(spec, old: oldSpec, into: &errors)
        case ("", "Service"):
            if oldSpec.stringField("type") != "ExternalName", let oldIP = oldSpec.stringField("clusterIP"), !oldIP.isEmpty {
                errors.immutable("spec.clusterIP", new: spec["clusterIP"] ?? .string(""), old: .string(oldIP))
            }
        case ("", "ConfigMap"), ("", "Secret"):
            guard old.boolField("immutable") == true else { return }
            if object.boolField("immutable") != true {
                errors.forbidden("immutable", "field is immutable when `immutable` is set")
            }
            for key in kind.kind == "Secret" ? ["data"] : ["data", "binaryData"] where !sameContent(object[key], old[key]) {
                errors.forbidden(key, "field is immutable when `immutable` is set")
            }
            if kind.kind == "Secret" { errors.immutable("type", new: object["type"], old: old["type"]) }
        case ("", "PersistentVolumeClaim"): validateClaimUpdate(spec, old: oldSpec, into: &errors)
        case ("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "DaemonSet"):
            errors.immutable("spec.selector", new: spec["selector"], old: oldSpec["selector"], shownAs: .labelSelector(spec["selector"]))
        case ("apps", "StatefulSet"): validateStatefulSetUpdate(spec, old: oldSpec, into: &errors)
        case ("scheduling.k8s.io", "PriorityClass"): validatePriorityClassUpdate(object, old: old, into: &errors)
        case ("batch", "Job"):
            errors.immutable("spec.selector", new: spec["selector"], old: oldSpec["selector"], shownAs: .labelSelector(spec["selector"]))
            errors.immutable("spec.completions", new: spec["completions"], old: oldSpec["completions"])
            // The template may change only while the job is suspended (and not yet started).
            if oldSpec.boolField("suspend") != true || spec.boolField("suspend") != true {
                errors.immutable("spec.template", new: spec["template"], old: oldSpec["template"],
                                 shownAs: .goSyntax((spec["template"] ?? .null).jsonString))
            }
        default: break
        }
    }

    /// Null and missing are the same; `{}` and missing are too (Go's nil map vs empty map).
    private static func sameContent(_ a: JSONValue?, _ b: JSONValue?) -> Bool {
        func norm(_ v: JSONValue?) -> JSONValue? {
            switch v {
            case nil, .null?: nil
            case .object(let o)? where o.isEmpty: nil
            default: v
            }
        }
        return norm(a) == norm(b)
    }

    static func validatePodUpdate(_ spec: JSONObject, old: JSONObject, into errors: inout FieldErrors) {
        if let deadline = spec["activeDeadlineSeconds"]?.intValue {
            if deadline < 0 || deadline > Int64(Int32.max) {
                errors.invalid("spec.activeDeadlineSeconds", .int(deadline), "must be between 0 and 2147483647, inclusive")
                return
            }
            if let oldDeadline = old["activeDeadlineSeconds"]?.intValue, oldDeadline < deadline {
                errors.invalid("spec.activeDeadlineSeconds", .int(deadline), "must be less than or equal to previous value")
                return
            }
        } else if old["activeDeadlineSeconds"]?.intValue != nil {
            errors.invalid("spec.activeDeadlineSeconds", .null, "must not update from a positive integer to nil value")
        }
        // Munge the fields an update may change to their old values, then compare the rest.
        var munged = spec
        for key in ["containers", "initContainers"] {
            guard case .array(var containers)? = munged[key], let oldContainers = old.arrayField(key),
                  containers.count == oldContainers.count else { continue }
            for i in containers.indices {
                guard case .object(var container) = containers[i] else { continue }
                container["image"] = oldContainers[i].objectValue?["image"]
                containers[i] = .object(container)
            }
            munged[key] = .array(containers)
        }
        munged["activeDeadlineSeconds"] = old["activeDeadlineSeconds"]
        let oldTolerations = old.arrayField("tolerations") ?? []
        let newTolerations = munged.arrayField("tolerations") ?? []
        if oldTolerations.allSatisfy({ newTolerations.contains($0) }) {
            munged["tolerations"] = old["tolerations"]
        }
        if let oldGrace = old["terminationGracePeriodSeconds"]?.intValue, oldGrace < 0,
           spec["terminationGracePeriodSeconds"]?.intValue == 1 {
            munged["terminationGracePeriodSeconds"] = old["terminationGracePeriodSeconds"]
        }
        func clean(_ o: JSONObject) -> JSONObject { o.filter { $0.value != .null } }
        if clean(munged) != clean(old) {
            errors.forbidden("spec", podUpdateForbiddenMessage + "\n" + specDiff(old: clean(old), new: clean(munged)))
        }
    }

    /// A short rendering of the changed top-level spec fields, standing in for Go's cmp.Diff.
    static func specDiff(old: JSONObject, new: JSONObject) -> String {
        var lines = ["  core.PodSpec{"]
        for key in Set(old.keys).union(new.keys).sorted() where old[key] != new[key] {
            if let value = old[key] { lines.append("-\t\(key): \(value.jsonString),") }
            if let value = new[key] { lines.append("+\t\(key): \(value.jsonString),") }
        }
        lines.append("  }")
        return lines.joined(separator: "\n")
    }

    static func validateStatefulSetUpdate(_ spec: JSONObject, old: JSONObject, into errors: inout FieldErrors) {
        let mutable: Set<String> = ["replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit",
                                    "persistentVolumeClaimRetentionPolicy", "minReadySeconds"]
        let changed = Set(spec.keys).union(old.keys).contains { key in
            !mutable.contains(key) && (spec[key] ?? .null) != (old[key] ?? .null)
        }
        if changed {
            errors.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")
        }
    }

    static func validateClaimUpdate(_ spec: JSONObject, old: JSONObject, into errors: inout FieldErrors) {
        // Binding fills volumeName once; resources.requests (expansion) and the attributes class may change.
        var newSpec = spec
        var oldSpec = old
        for key in ["resources", "volumeAttributesClassName"] {
            newSpec[key] = nil
            oldSpec[key] = nil
        }
        if (oldSpec.stringField("volumeName") ?? "").isEmpty { newSpec["volumeName"] = nil; oldSpec["volumeName"] = nil }
        var newResources = spec.objectField("resources") ?? [:]
        var oldResources = old.objectField("resources") ?? [:]
        newResources["requests"] = nil
        oldResources["requests"] = nil
        if newSpec.filter({ $0.value != .null }) != oldSpec.filter({ $0.value != .null }) || newResources != oldResources {
            errors.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims")
        }
    }
}
