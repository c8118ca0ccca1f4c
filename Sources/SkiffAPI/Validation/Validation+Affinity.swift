/// Pod affinity validation (`validateAffinity` in pkg/apis/core/validation): node selector
/// requirements and label selectors with known operators and fitting values, pod affinity terms
/// with a topologyKey, preferred weights in 1...100. A bad operator is a 422 at the API server,
/// never something the scheduler has to cope with.
extension Validation {
    static func validateAffinity(_ affinity: JSONObject?, path: String, into errors: inout FieldErrors) {
        guard let affinity else { return }
        if let node = affinity.objectField("nodeAffinity") {
            let nodePath = path.fieldChild("nodeAffinity")
            if let required = node.objectField("requiredDuringSchedulingIgnoredDuringExecution") {
                let requiredPath = nodePath.fieldChild("requiredDuringSchedulingIgnoredDuringExecution")
                let terms = required.arrayField("nodeSelectorTerms") ?? []
                if terms.isEmpty { errors.required(requiredPath.fieldChild("nodeSelectorTerms"), "must have at least one node selector term") }
                for (i, term) in terms.enumerated() {
                    validateNodeSelectorTerm(term.objectValue ?? [:], path: requiredPath.fieldChild("nodeSelectorTerms").fieldIndex(i), into: &errors)
                }
            }
            for (i, item) in (node.arrayField("preferredDuringSchedulingIgnoredDuringExecution") ?? []).enumerated() {
                let termPath = nodePath.fieldChild("preferredDuringSchedulingIgnoredDuringExecution").fieldIndex(i)
                let term = item.objectValue ?? [:]
                validateWeight(term, path: termPath, into: &errors)
                validateNodeSelectorTerm(term.objectField("preference") ?? [:], path: termPath.fieldChild("preference"), into: &errors)
            }
        }
        for kind in ["podAffinity", "podAntiAffinity"] {
            guard let pod = affinity.objectField(kind) else { continue }
            let podPath = path.fieldChild(kind)
            for (i, term) in (pod.arrayField("requiredDuringSchedulingIgnoredDuringExecution") ?? []).enumerated() {
                validatePodAffinityTerm(term.objectValue ?? [:],
                                        path: podPath.fieldChild("requiredDuringSchedulingIgnoredDuringExecution").fieldIndex(i), into: &errors)
            }
            for (i, item) in (pod.arrayField("preferredDuringSchedulingIgnoredDuringExecution") ?? []).enumerated() {
                let termPath = podPath.fieldChild("preferredDuringSchedulingIgnoredDuringExecution").fieldIndex(i)
                let weighted = item.objectValue ?? [:]
                validateWeight(weighted, path: termPath, into: &errors)
                validatePodAffinityTerm(weighted.objectField("podAffinityTerm") ?? [:], path: termPath.fieldChild("podAffinityTerm"), into: &errors)
            }
        }
    }

    private static func validateWeight(_ term: JSONObject, path: String, into errors: inout FieldErrors) {
        let weight = term["weight"]?.intValue ?? 0
        if weight < 1 || weight > 100 { errors.invalid(path.fieldChild("weight"), .int(weight), "must be in the range 1-100") }
    }

    private static func validatePodAffinityTerm(_ term: JSONObject, path: String, into errors: inout FieldErrors) {
        if let selector = term.objectField("labelSelector") {
            StrategySelector.validate(selector, path: path.fieldChild("labelSelector"), into: &errors)
        }
        if let selector = term.objectField("namespaceSelector") {
            StrategySelector.validate(selector, path: path.fieldChild("namespaceSelector"), into: &errors)
        }
        let key = term.stringField("topologyKey") ?? ""
        if key.isEmpty {
            errors.required(path.fieldChild("topologyKey"), "can not be empty")
        } else {
            for message in NameRules.qualifiedName(key) { errors.invalid(path.fieldChild("topologyKey"), .string(key), message) }
        }
    }

    private static func validateNodeSelectorTerm(_ term: JSONObject, path: String, into errors: inout FieldErrors) {
        for field in ["matchExpressions", "matchFields"] {
            for (i, item) in (term.arrayField(field) ?? []).enumerated() {
                let requirement = item.objectValue ?? [:]
                let requirementPath = path.fieldChild(field).fieldIndex(i)
                let values = requirement.arrayField("values") ?? []
                let op = requirement.stringField("operator") ?? ""
                switch op {
                case "In", "NotIn":
                    if values.isEmpty {
                        errors.required(requirementPath.fieldChild("values"), "must be specified when `operator` is 'In' or 'NotIn'")
                    }
                case "Exists", "DoesNotExist":
                    if !values.isEmpty {
                        errors.forbidden(requirementPath.fieldChild("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
                    }
                case "Gt", "Lt":
                    if values.count != 1 {
                        errors.required(requirementPath.fieldChild("values"), "must be specified single value when `operator` is 'Lt' or 'Gt'")
                    }
                default:
                    errors.invalid(requirementPath.fieldChild("operator"), .string(op), "not a valid selector operator")
                }
                if field == "matchExpressions" {
                    let key = requirement.stringField("key") ?? ""
                    for message in NameRules.qualifiedName(key) { errors.invalid(requirementPath.fieldChild("key"), .string(key), message) }
                }
            }
        }
    }
}
