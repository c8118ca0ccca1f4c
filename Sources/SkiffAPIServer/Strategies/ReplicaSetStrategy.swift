import SkiffAPI

/// ReplicaSets and ReplicationControllers: selectable by their replica count.
struct ReplicaSetStrategy: ResourceStrategy {
    var selectableFields: [String] { ["status.replicas"] }

    func selectableFieldValues(_ o: JSONValue) -> [String: String] {
        let replicas = o.text("status", "replicas")
        return ["status.replicas": replicas.isEmpty ? "0" : replicas]
    }
}
