import SkiffAPI

/// Deployments: a status write also takes the annotations (upstream's status strategy resets
/// only spec and labels), which is how the deployment controller records
/// `deployment.kubernetes.io/revision` together with the status.
struct DeploymentStrategy: ResourceStrategy {
    func resetFields(proposed: JSONValue, old: JSONValue, scope: RequestHandler.UpdateScope, resource r: ResourceInfo) -> JSONValue {
        var object = StatusRules.resetFields(proposed: proposed, old: old, scope: scope, resource: r)
        if scope == .status, proposed.metadata["annotations"] != nil {
            object.setMetadata("annotations", proposed.metadata["annotations"])
        }
        return object
    }
}
