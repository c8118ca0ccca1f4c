import SkiffAPI

/// Jobs: selectable by how many pods succeeded. The generated selector (`controller-uid`
/// labels) is part of defaulting (`Defaulting.defaultJob`), which the create pipeline runs after
/// giving the object its uid, as kube-apiserver's Job strategy does in PrepareForCreate.
struct JobStrategy: ResourceStrategy {
    var selectableFields: [String] { ["status.successful"] }

    func selectableFieldValues(_ o: JSONValue) -> [String: String] {
        let succeeded = o.text("status", "succeeded")
        return ["status.successful": succeeded.isEmpty ? "0" : succeeded]
    }
}
