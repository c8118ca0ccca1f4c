/// Update-time carry-over of fields the server assigned and clients routinely omit when they
/// replace an object (`kubectl replace`, `edit`, PUT from a stale manifest), as the registry
/// strategies' PrepareForUpdate do.
extension Defaulting {
    /// Applies `apply(to:kind:)` to `object`, then copies from `old` what Kubernetes keeps on
    /// update: a Service's allocated cluster IPs, node ports (matched by port and protocol)
    /// and health-check node port when the new object leaves them empty; a Namespace's
    /// `spec.finalizers`. Anything the new object sets explicitly is left for validation.
    public static func applyForUpdate(to object: inout JSONValue, old: JSONValue, kind: GroupVersionKind) {
        apply(to: &object, kind: kind)
        guard case .object(var fields) = object, let oldFields = old.objectValue else { return }
        object = .null
        switch (kind.group, kind.kind) {
        case ("", "Service"):
            let oldSpec = oldFields.objectField("spec") ?? [:]
            fields.editObject("spec", create: true) { preserveServiceAllocations(&$0, old: oldSpec) }
        case ("", "Namespace"):
            if let finalizers = oldFields.objectField("spec")?["finalizers"] {
                fields.editObject("spec", create: true) { $0["finalizers"] = finalizers }
            }
        default: break
        }
        object = .object(fields)
    }

    static func preserveServiceAllocations(_ spec: inout JSONObject, old: JSONObject) {
        let type = spec.stringField("type") ?? "ClusterIP"
        let oldType = old.stringField("type") ?? "ClusterIP"
        if type != "ExternalName" && oldType != "ExternalName" {
            if (spec.stringField("clusterIP") ?? "").isEmpty, let ip = old["clusterIP"], ip != .string("") {
                spec["clusterIP"] = ip
                if spec.arrayField("clusterIPs")?.isEmpty ?? true, let ips = old["clusterIPs"] { spec["clusterIPs"] = ips }
            }
        }
        guard type == "NodePort" || type == "LoadBalancer" else { return }
        let oldPorts = (old.arrayField("ports") ?? []).compactMap(\.objectValue)
        spec.editObjects("ports") { port in
            guard (port.intField("nodePort") ?? 0) == 0 else { return }
            let match = oldPorts.first {
                $0.intField("port") == port.intField("port") && ($0.stringField("protocol") ?? "TCP") == (port.stringField("protocol") ?? "TCP")
            }
            if let nodePort = match?["nodePort"], (nodePort.intValue ?? 0) != 0 { port["nodePort"] = nodePort }
        }
        if type == "LoadBalancer", (spec.intField("healthCheckNodePort") ?? 0) == 0, let port = old["healthCheckNodePort"] {
            spec["healthCheckNodePort"] = port
        }
    }
}
