import SkiffAPI

/// Nodes: created with the status their kubelet reports, and take metadata through /status.
struct NodeStrategy: ResourceStrategy {
    var selectableFields: [String] { ["spec.unschedulable"] }

    func selectableFieldValues(_ o: JSONValue) -> [String: String] {
        let unschedulable = o.text("spec", "unschedulable")
        return ["spec.unschedulable": unschedulable.isEmpty ? "false" : unschedulable]
    }

    /// The kubelet registers its node with the status it already knows.
    func prepareForCreate(_ object: inout JSONValue, resource r: ResourceInfo) {}

    func resetFields(proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope, resource r: ResourceInfo) -> JSONValue {
        StatusRules.resetFieldsWithStatusMetadata(proposed: proposed, old: old, scope: scope, resource: r)
    }
}
