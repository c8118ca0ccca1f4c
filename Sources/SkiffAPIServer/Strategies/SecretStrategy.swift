import SkiffAPI

/// Secrets: selectable by type.
struct SecretStrategy: ResourceStrategy {
    var selectableFields: [String] { ["type"] }

    func selectableFieldValues(_ o: JSONValue) -> [String: String] { ["type": o.text("type")] }
}
