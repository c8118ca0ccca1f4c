/// PriorityClass rules (pkg/apis/scheduling/validation): `system-` names are reserved for the
/// built-in classes with their exact values, user classes stay at or below 1,000,000,000, and
/// value and preemptionPolicy never change.
extension Validation {
    /// The classes every cluster has (scheduling.SystemPriorityClasses()).
    public static let systemPriorityClasses: [(name: String, value: Int64, description: String)] = [
        ("system-node-critical", 2_000_001_000, "Used for system critical pods that must not be moved from their current node."),
        ("system-cluster-critical", 2_000_000_000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
    ]
    static let highestUserDefinablePriority: Int64 = 1_000_000_000

    static func validatePriorityClass(_ object: JSONObject, into errors: inout FieldErrors) {
        let name = object.objectField("metadata")?.stringField("name") ?? ""
        let value = object["value"]?.intValue ?? 0
        if name.hasPrefix("system-") {
            if let problem = systemPriorityClassProblem(name: name, value: value, globalDefault: object.boolField("globalDefault") ?? false) {
                errors.forbidden("metadata.name", "priority class names with 'system-' prefix are reserved for system use only. error: " + problem)
            }
        } else if value > highestUserDefinablePriority {
            errors.forbidden("value", "maximum allowed value of a user defined priority is \(highestUserDefinablePriority)")
        }
        if let policy = object.stringField("preemptionPolicy"), policy != "Never" && policy != "PreemptLowerPriority" {
            errors.notSupported("preemptionPolicy", .string(policy), ["Never", "PreemptLowerPriority"])
        }
    }

    /// `IsKnownSystemPriorityClass`: nil when it is one, else why not.
    static func systemPriorityClassProblem(name: String, value: Int64, globalDefault: Bool) -> String? {
        guard let known = systemPriorityClasses.first(where: { $0.name == name }) else {
            return "\(name) is not a known system priority class"
        }
        if value != known.value { return "value of \(name) PriorityClass must be \(known.value)" }
        if globalDefault { return "globalDefault of \(name) PriorityClass must be false" }
        return nil
    }

    static func validatePriorityClassUpdate(_ object: JSONObject, old: JSONObject, into errors: inout FieldErrors) {
        if (object["value"]?.intValue ?? 0) != (old["value"]?.intValue ?? 0) {
            errors.forbidden("value", "may not be changed in an update.")
        }
        errors.immutable("preemptionPolicy", new: object["preemptionPolicy"], old: old["preemptionPolicy"])
    }
}
